package triggers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// verifyingServer is a loopback server that verifies every request with a
// Verifier (the same check the service makes) and records what it saw.
type verifyingServer struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []seenRequest
	count atomic.Int32
}

type seenRequest struct {
	method, requestURI, keyID string
	body                      []byte
	err                       error
}

func newVerifyingServer(t *testing.T, secret []byte, redirects map[string]string) *verifyingServer {
	t.Helper()
	v, err := NewVerifier([][]byte{secret})
	if err != nil {
		t.Fatal(err)
	}
	s := &verifyingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.Add(1)
		body, _ := io.ReadAll(r.Body)
		verr := v.VerifyRequest(r, body)
		s.mu.Lock()
		s.seen = append(s.seen, seenRequest{r.Method, r.RequestURI, r.Header.Get(HeaderKeyID), body, verr})
		s.mu.Unlock()
		if verr != nil {
			writeJSONError(w, http.StatusUnauthorized, verr.(*SignatureError).Code, "bad signature")
			return
		}
		if to, ok := redirects[r.RequestURI]; ok {
			w.Header().Set("Location", to)
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *verifyingServer) last(t *testing.T) seenRequest {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == 0 {
		t.Fatal("the server received nothing")
	}
	return s.seen[len(s.seen)-1]
}

func TestSigningTransportSignsTheTargetAsSent(t *testing.T) {
	secret := []byte("trgs_transport-test-secret")
	srv := newVerifyingServer(t, secret, nil)
	st, err := NewSigningTransport(nil, "key_0123456789abcdef", secret)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: st}

	fromPath := func(path, rawQuery string) *url.URL {
		u, _ := url.Parse(srv.URL)
		u.Path, u.RawQuery = path, rawQuery
		return u
	}
	parsed := func(rest string) *url.URL {
		u, err := url.Parse(srv.URL + rest)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	cases := []struct {
		name string
		url  *url.URL
		// wantURI is what must appear on the request line (checks the test's
		// own premise: these targets differ from the decoded path).
		wantURI string
	}{
		{"encoded slash, lower-case escapes kept as sent",
			parsed("/v1/webhooks/a%2fb/caf%c3%a9?q=a+b&q=%20&flag&%C3%A9=%c3%bc"),
			"/v1/webhooks/a%2fb/caf%c3%a9?q=a+b&q=%20&flag&%C3%A9=%c3%bc"},
		{"reserved characters in the path",
			parsed("/v1/x:y@z/!$&'()*+,;=/~user"),
			"/v1/x:y@z/!$&'()*+,;=/~user"},
		{"unicode path escaped by net/http",
			fromPath("/v1/événements/a b/ü", "source=caf%C3%A9&b=2&a=1"),
			"/v1/%C3%A9v%C3%A9nements/a%20b/%C3%BC?source=caf%C3%A9&b=2&a=1"},
		{"percent and question mark inside a segment",
			fromPath("/v1/100%/what?", ""),
			"/v1/100%25/what%3F"},
		{"raw unicode in the query, sent as is",
			parsed("/v1/inbox?source=é&event_type=ü.x&a=%2B"),
			"/v1/inbox?source=é&event_type=ü.x&a=%2B"},
		{"empty path",
			parsed(""),
			"/"},
	}
	for _, tc := range cases {
		for _, method := range []string{http.MethodGet, http.MethodPost, "patch"} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				var body io.Reader
				var sent []byte
				if method != http.MethodGet {
					sent = []byte(`{"name":"é","n":1}`)
					body = bytes.NewReader(sent)
				}
				req, err := http.NewRequest(method, tc.url.String(), body)
				if err != nil {
					t.Fatal(err)
				}
				req.URL = tc.url // keep RawPath exactly as built
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				got := srv.last(t)
				if got.err != nil {
					t.Fatalf("the server could not verify %q: %v", got.requestURI, got.err)
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if got.requestURI != tc.wantURI {
					t.Fatalf("request line target %q, want %q", got.requestURI, tc.wantURI)
				}
				if got.keyID != "key_0123456789abcdef" {
					t.Fatalf("X-Key-Id %q", got.keyID)
				}
				if !bytes.Equal(got.body, sent) {
					t.Fatalf("body %q, want %q", got.body, sent)
				}
				// The caller's request is untouched.
				for _, h := range []string{HeaderTimestamp, HeaderSignature, HeaderVersion, HeaderKeyID} {
					if req.Header.Get(h) != "" {
						t.Fatalf("the caller's request got header %s", h)
					}
				}
			})
		}
	}
}

// The target signed is the escaped one: signing the decoded path instead
// would not verify (the premise of the test above).
func TestSigningTheDecodedPathWouldNotVerify(t *testing.T) {
	secret := []byte("s")
	srv := newVerifyingServer(t, secret, nil)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/a%2fb", nil)
	h, err := Sign(req.Method, req.URL.Path, nil, secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.Apply(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := srv.last(t); !HasCode(got.err, CodeSignatureMismatch) {
		t.Fatalf("signing %q for %q: %v", req.URL.Path, got.requestURI, got.err)
	}
}

func TestSigningTransportResignsRedirectsWithGetBody(t *testing.T) {
	secret := []byte("redirect-secret")
	srv := newVerifyingServer(t, secret, map[string]string{"/v1/start?x=1": "/v1/final%2Fpath?y=%C3%A9"})
	st, err := NewSigningTransport(http.DefaultTransport, "", secret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"keep":"me"}`)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/start?x=1", bytes.NewReader(body))
	if req.GetBody == nil {
		t.Fatal("premise: NewRequest sets GetBody for a bytes.Reader")
	}
	resp, err := (&http.Client{Transport: st}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || srv.count.Load() != 2 {
		t.Fatalf("status %d after %d requests", resp.StatusCode, srv.count.Load())
	}
	got := srv.last(t)
	if got.err != nil || got.requestURI != "/v1/final%2Fpath?y=%C3%A9" || !bytes.Equal(got.body, body) || got.keyID != "" {
		t.Fatalf("after the redirect: %+v", got)
	}
}

func TestSigningTransportRefusesWhatItCannotSign(t *testing.T) {
	secret := []byte("s")
	srv := newVerifyingServer(t, secret, nil)
	st, err := NewSigningTransport(nil, "k", secret)
	if err != nil {
		t.Fatal(err)
	}
	// An invalid %-escape in the query: nothing is sent.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/inbox?cursor=%zz", nil)
	_, err = (&http.Client{Transport: st}).Do(req)
	if !HasCode(err, CodeBadEncoding) {
		t.Fatalf("got %v, want bad_encoding", err)
	}
	if n := srv.count.Load(); n != 0 {
		t.Fatalf("the server received %d requests", n)
	}

	if _, err := NewSigningTransport(nil, "k", nil); !HasCode(err, CodeInvalidSecret) {
		t.Fatalf("empty secret: %v", err)
	}
	for _, id := range []string{"a b", "é", "x\r\ny", strings.Repeat("k", 129)} {
		if _, err := NewSigningTransport(nil, id, secret); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("key id %q: %v", id, err)
		}
	}
}

// A body that fails to read is reported, and the request is not sent.
func TestSigningTransportBodyReadError(t *testing.T) {
	srv := newVerifyingServer(t, []byte("s"), nil)
	st, _ := NewSigningTransport(nil, "", []byte("s"))
	boom := errors.New("boom")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/events", io.NopCloser(io.MultiReader(strings.NewReader("{"), errReader{boom})))
	_, err := (&http.Client{Transport: st}).Do(req)
	if !errors.Is(err, boom) || srv.count.Load() != 0 {
		t.Fatalf("got %v after %d requests", err, srv.count.Load())
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestSecretsNeverPrinted(t *testing.T) {
	const apiKey, signing, whsec = "trgk_SECRETAPIKEY", "trgs_SECRETSIGNING", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	c, err := NewClient("http://127.0.0.1:1", apiKey, WithSigning("key_x", []byte(signing)))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := NewSigningTransport(nil, "key_x", []byte(signing))
	h, err := WebhookHandler([]string{whsec}, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	k := APIKeyWithSecrets{APIKey: APIKey{KeyID: "key_x"}, Key: apiKey, SigningSecret: signing}
	w := WebhookWithSecret{Webhook: Webhook{WebhookID: "w"}, Secret: whsec}
	r := RotatedAPIKey{APIKeyWithSecrets: k, PreviousVersions: []APIKeyVersion{{Version: 1}}}
	cw := CreateWebhookRequest{URL: "http://x", Secret: whsec}
	rw := RotateWebhookSecretRequest{Secret: whsec}
	values := []any{c, *c, st, *st, h, k, &k, w, &w, r, &r, cw, &cw, rw, &rw, Secret(apiKey), []Secret{apiKey}}
	values = append(values, map[string]any{"k": &k, "w": &w, "r": &r, "c": &cw, "rw": &rw, "pp": &[]*APIKeyWithSecrets{&k}},
		[]any{&k, &w, &r}, struct{ K *RotatedAPIKey }{&r})
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, s := range []string{apiKey, signing, whsec, "SECRET", fmt.Sprintf("%x", apiKey), fmt.Sprintf("%x", signing)} {
				if strings.Contains(out, s) {
					t.Fatalf("fmt %s of %T printed a secret: %s", verb, v, out)
				}
			}
		}
	}
	if got := fmt.Sprint(k.Key); got != "[redacted]" || k.Key.Reveal() != apiKey || string(k.SigningSecret) != signing {
		t.Fatalf("Secret: %q", got)
	}
	// The redacted forms still show the rest.
	if got := fmt.Sprintf("%+v", r); !strings.Contains(got, "KeyID:key_x") || !strings.Contains(got, "[redacted]") ||
		!strings.Contains(got, "PreviousVersions:[{Version:1") {
		t.Fatalf("%%+v of a RotatedAPIKey: %s", got)
	}
	// JSON keeps the values (the caller stores them).
	b, _ := json.Marshal(r)
	if !bytes.Contains(b, []byte(`"api_key":"`+apiKey+`"`)) || !bytes.Contains(b, []byte(`"previous_versions":[{`)) {
		t.Fatalf("JSON: %s", b)
	}
}
