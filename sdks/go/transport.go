package triggers

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
)

// HeaderKeyID is the key-id header a signed request carries (X-Key-Id). The
// reference service identifies the signing key by the API key the request
// authenticates with and ignores it; servers that hold secrets per key id
// (the triggers-tower layer) read it to pick the candidate secrets. It is
// not part of the string to sign.
const HeaderKeyID = "X-Key-Id"

// SigningTransport is an http.RoundTripper that signs every request with v1
// request signing (docs/SIGNING.md) before handing it to its base
// transport: it buffers the body, signs the method, the target exactly as it
// goes on the request line (req.URL.RequestURI(): the escaped path, RawPath
// when set, and RawQuery, byte for byte) and the body, and sets X-Key-Id,
// X-Signature-Timestamp, X-Signature and X-Signature-Version on a clone of
// the request (the caller's request is never modified).
//
// Use it with any http.Client:
//
//	st, err := triggers.NewSigningTransport(http.DefaultTransport, keyID, secret)
//	hc := &http.Client{Transport: st}
//
// Requests are signed at send time, so retries and redirects made by
// http.Client are signed afresh. Identical requests sent within the same
// second carry the same signature, which a server with replay protection
// (the reference service) accepts once: 401 replayed_signature. The Client
// (WithSigning) resends such a request in the next second; callers of a
// bare SigningTransport handle it themselves. Bodies are read into memory to be hashed.
// Errors of the signer (an invalid %-escape in the target: CodeBadEncoding,
// an invalid method: CodeInvalidMethod) are returned as *SignatureError and
// nothing is sent. It is safe for concurrent use. fmt never prints its
// secret.
type SigningTransport struct {
	base   http.RoundTripper
	keyID  string
	secret []byte
	clock  func() time.Time
}

// NewSigningTransport returns a transport that signs with secret (the
// "trgs_…" signing secret of an API key version, copied) and sends keyID
// (the key's "key_…" id; empty: no X-Key-Id header) through base (nil:
// http.DefaultTransport). Options: WithClock sets the signing clock (default
// time.Now); WithTolerance does not apply.
//
// Errors: *SignatureError CodeInvalidSecret for an empty secret; an error
// wrapping ErrInvalidArgument for a key id that is not a valid header value.
func NewSigningTransport(base http.RoundTripper, keyID string, secret []byte, opts ...Option) (*SigningTransport, error) {
	if len(secret) == 0 {
		return nil, &SignatureError{Code: CodeInvalidSecret, Message: "the secret is empty"}
	}
	if !visibleASCII(keyID) {
		return nil, fmt.Errorf("%w: the key id must be visible ASCII (1 to 128 characters) or empty", ErrInvalidArgument)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	o := buildOptions(opts)
	return &SigningTransport{base: base, keyID: keyID, secret: bytes.Clone(secret), clock: o.clock}, nil
}

// visibleASCII: empty, or 1 to 128 bytes of 0x21-0x7E.
func visibleASCII(s string) bool {
	if len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// RoundTrip signs a clone of req and sends it through the base transport.
// As http.RoundTripper requires, it always closes req.Body.
func (t *SigningTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readRequestBody(req)
	if err != nil {
		return nil, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	// What net/http writes on the request line (to a server, not through
	// an HTTP proxy): the escaped path (RawPath when it is a valid encoding
	// of Path) and RawQuery, as they are.
	target := req.URL.RequestURI()
	h, err := Sign(method, target, body, t.secret, t.clock())
	if err != nil {
		return nil, err
	}

	out := req.Clone(req.Context())
	if len(body) == 0 {
		out.Body = http.NoBody
		out.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	} else {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	out.ContentLength = int64(len(body))
	if t.keyID != "" {
		out.Header.Set(HeaderKeyID, t.keyID)
	}
	h.Apply(out.Header)
	return t.base.RoundTrip(out)
}

// readRequestBody returns the bytes req would send (from GetBody when
// present, which leaves req.Body unread) and closes req.Body.
func readRequestBody(req *http.Request) ([]byte, error) {
	if req.Body != nil && req.Body != http.NoBody {
		defer req.Body.Close()
	}
	src := req.Body
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("triggers: signing: reading the request body (GetBody): %w", err)
		}
		src = b
		if b != nil && b != http.NoBody {
			defer b.Close()
		}
	}
	if src == nil || src == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(src)
	if err != nil {
		return nil, fmt.Errorf("triggers: signing: reading the request body: %w", err)
	}
	return body, nil
}

// String describes the transport without its secret.
func (t SigningTransport) String() string {
	return "triggers.SigningTransport{keyID: " + t.keyID + ", secret: [redacted]}"
}

// Format prints String for every verb, so the secret never reaches a log.
func (t SigningTransport) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, t.String()) }
