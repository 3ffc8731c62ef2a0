package triggers

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/zapier/triggers-api-go/internal/vectors"
)

// The cross-language vectors, read from the repository (relative path).
const vectorsPath = "../../triggers-signing/vectors/v1.json"

func loadVectors(t *testing.T) *vectors.File {
	t.Helper()
	f, err := vectors.Load(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func at(unix uint64) time.Time { return time.Unix(int64(unix), 0) }

func fixedClock(unix uint64) Option {
	return WithClock(func() time.Time { return at(unix) })
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	var se *SignatureError
	if !errors.As(err, &se) {
		t.Fatalf("%s: got %v (%T), want a *SignatureError with code %s", what, err, err, code)
	}
	if se.Code != code {
		t.Fatalf("%s: code %q (%s), want %q", what, se.Code, se.Message, code)
	}
}

func TestVectorsRequestCases(t *testing.T) {
	f := loadVectors(t)
	for _, c := range f.RequestCases {
		t.Run(c.Name, func(t *testing.T) {
			body := vectors.Body(c.BodyBase64)
			h, err := Sign(c.Method, c.Target, body, []byte(c.Secret), at(c.Timestamp))
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			if h.Signature != c.Signature {
				t.Fatalf("signature %s, want %s", h.Signature, c.Signature)
			}
			if h.Timestamp != strconv.FormatUint(c.Timestamp, 10) || h.Version != "v1" {
				t.Fatalf("headers %+v", h)
			}
			hdr := http.Header{}
			h.Apply(hdr)

			v, err := NewVerifier([][]byte{[]byte(c.Secret)}, fixedClock(c.Timestamp))
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(c.Method, c.Target, body, hdr); err != nil {
				t.Fatalf("verify: %v", err)
			}
			// A rotation: the matching secret second.
			rot, err := NewVerifier([][]byte{[]byte("another-secret"), []byte(c.Secret)}, fixedClock(c.Timestamp))
			if err != nil {
				t.Fatal(err)
			}
			if err := rot.Verify(c.Method, c.Target, body, hdr); err != nil {
				t.Fatalf("verify with a rotation: %v", err)
			}
			wrong, err := NewVerifier([][]byte{[]byte("another-secret")}, fixedClock(c.Timestamp))
			if err != nil {
				t.Fatal(err)
			}
			wantCode(t, wrong.Verify(c.Method, c.Target, body, hdr), CodeSignatureMismatch, "wrong secret")
		})
	}
}

func TestVectorsRequestInvalid(t *testing.T) {
	f := loadVectors(t)
	for _, c := range f.RequestInvalid {
		t.Run(c.Name, func(t *testing.T) {
			hdr := http.Header{}
			for name, value := range c.Headers {
				switch name {
				case "X-Signature", "X-Signature-Timestamp", "X-Signature-Version":
					hdr.Set(name, value) // verbatim, even when empty or padded
				default:
					t.Fatalf("unexpected header %q in the vectors", name)
				}
			}
			v, err := NewVerifier([][]byte{[]byte(c.Secret)}, fixedClock(c.Now))
			if err != nil {
				t.Fatal(err)
			}
			wantCode(t, v.Verify(c.Method, c.Target, vectors.Body(c.BodyBase64), hdr), c.Error, c.Name)
		})
	}
}

func TestVectorsWebhookCases(t *testing.T) {
	f := loadVectors(t)
	rotations := 0
	for _, c := range f.WebhookCases {
		if len(c.Secrets) > 0 {
			rotations++
		}
		t.Run(c.Name, func(t *testing.T) {
			body := vectors.Body(c.BodyBase64)
			sig, err := SignWebhook(c.ID, at(c.Timestamp), body, c.AllSecrets()...)
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			if sig != c.Signature {
				t.Fatalf("signature %q, want %q", sig, c.Signature)
			}
			hdr := http.Header{}
			hdr.Set(HeaderWebhookID, c.ID)
			hdr.Set(HeaderWebhookTimestamp, WebhookTimestamp(at(c.Timestamp)))
			hdr.Set(HeaderWebhookSignature, sig)
			for _, s := range c.AllSecrets() {
				if err := VerifyWebhook(hdr, body, []string{s}, fixedClock(c.Timestamp)); err != nil {
					t.Fatalf("verify with one of the secrets: %v", err)
				}
			}
			tampered := append(append([]byte{}, body...), ' ')
			wantCode(t, VerifyWebhook(hdr, tampered, c.AllSecrets(), fixedClock(c.Timestamp)),
				CodeSignatureMismatch, "tampered body")
		})
	}
	if rotations == 0 {
		t.Fatal("the vectors should include a rotation case")
	}
}
