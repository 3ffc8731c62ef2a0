package triggers

import (
	"net/http"
	"strconv"
	"time"
)

// Request signature header names (HTTP header names are case-insensitive).
const (
	HeaderTimestamp = "X-Signature-Timestamp"
	HeaderSignature = "X-Signature"
	HeaderVersion   = "X-Signature-Version"
	// Version is the only request-signature version: the X-Signature-Version value.
	Version = "v1"
)

// Webhook header names (Standard Webhooks v1).
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// DefaultTolerance is the accepted clock skew, either way, unless
// WithTolerance says otherwise.
const DefaultTolerance = 300 * time.Second

// Headers are the three header values of a signed request.
type Headers struct {
	Timestamp string // X-Signature-Timestamp: Unix seconds, decimal
	Signature string // X-Signature: 64 lower-case hex digits
	Version   string // X-Signature-Version: "v1"
}

// Apply sets the three headers on h (replacing earlier values).
func (s Headers) Apply(h http.Header) {
	h.Set(HeaderTimestamp, s.Timestamp)
	h.Set(HeaderSignature, s.Signature)
	h.Set(HeaderVersion, s.Version)
}

// Sign signs a request: method as sent (lower case is signed upper-cased),
// target the path and query exactly as on the request line
// ("/v1/events?source=shop", not a full URL), body the raw bytes sent,
// secret the signing secret as issued, ts the signing time (whole seconds).
//
// Errors (*SignatureError): CodeInvalidMethod, CodeBadEncoding,
// CodeInvalidSecret (empty secret), CodeMalformedHeader (ts before 1970 or
// beyond 19 digits), CodeInvalidUTF8.
func Sign(method, target string, body []byte, secret []byte, ts time.Time) (Headers, error) {
	unix, err := signingTime(ts)
	if err != nil {
		return Headers{}, err
	}
	timestamp, signature, err := ffiSignRequest(method, target, body, secret, unix)
	if err != nil {
		return Headers{}, err
	}
	return Headers{Timestamp: timestamp, Signature: signature, Version: Version}, nil
}

func signingTime(ts time.Time) (uint64, error) {
	u := ts.Unix()
	if u < 0 {
		return 0, &SignatureError{Code: CodeMalformedHeader, Message: "cannot sign a time before 1970"}
	}
	return uint64(u), nil
}

// unixNow is the verifier's clock in Unix seconds (0 before 1970).
func unixNow(now time.Time) uint64 {
	if u := now.Unix(); u > 0 {
		return uint64(u)
	}
	return 0
}

// Option configures a Verifier or VerifyWebhook.
type Option func(*options)

type options struct {
	tolerance time.Duration
	clock     func() time.Time
}

func buildOptions(opts []Option) options {
	o := options{tolerance: DefaultTolerance, clock: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o options) toleranceSecs() uint64 {
	if o.tolerance <= 0 {
		return 0
	}
	return uint64(o.tolerance / time.Second)
}

// WithTolerance sets the accepted clock skew, either way (default 300 s;
// truncated to whole seconds; negative means 0). A timestamp exactly the
// tolerance away is accepted.
func WithTolerance(d time.Duration) Option {
	return func(o *options) { o.tolerance = d }
}

// WithClock sets the verifier's clock (default time.Now), for tests and for
// services with their own clock.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock = now
		}
	}
}

// Verifier verifies v1 signed requests against one or more candidate
// secrets (during a rotation: the new and the old). It is safe for
// concurrent use.
type Verifier struct {
	secrets secretList
	opts    options
}

// NewVerifier returns a verifier for the given candidate secrets (copied).
// It fails with CodeInvalidSecret when there is none or one is empty.
func NewVerifier(secrets [][]byte, opts ...Option) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, &SignatureError{Code: CodeInvalidSecret, Message: "a verifier needs at least one secret"}
	}
	for _, s := range secrets {
		if len(s) == 0 {
			return nil, &SignatureError{Code: CodeInvalidSecret, Message: "the secret is empty"}
		}
	}
	return &Verifier{secrets: newSecretList(secrets), opts: buildOptions(opts)}, nil
}

// header reads the first value of a header (absent when it has none).
func header(h http.Header, name string) rawHeader {
	values := h.Values(name)
	if len(values) == 0 {
		return rawHeader{}
	}
	return rawHeader{value: values[0], present: true}
}

// Verify verifies a request as received: method, target (path and query as
// on the request line, e.g. r.RequestURI), the raw body bytes and the
// headers. It returns nil or a *SignatureError with the code of the first
// failing check, in the spec's order: CodeMissingHeader,
// CodeUnsupportedVersion, CodeMalformedHeader, CodeStaleTimestamp or
// CodeFutureTimestamp, CodeInvalidMethod or CodeBadEncoding,
// CodeSignatureMismatch.
//
// Replay protection (refusing a signature already accepted within the
// window) is the caller's: see docs/SIGNING.md section 5.
func (v *Verifier) Verify(method, target string, body []byte, h http.Header) error {
	return ffiVerifyRequest(method, target, body,
		header(h, HeaderTimestamp), header(h, HeaderSignature), header(h, HeaderVersion),
		v.secrets, v.opts.toleranceSecs(), unixNow(v.opts.clock()))
}

// VerifyRequest verifies a request received by a net/http server, whose body
// the caller has already read into body (verify the bytes before parsing
// them). The target is r.RequestURI, or r.URL.RequestURI() when empty.
func (v *Verifier) VerifyRequest(r *http.Request, body []byte) error {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	return v.Verify(r.Method, target, body, r.Header)
}

// SignWebhook signs one webhook delivery attempt (Standard Webhooks v1) and
// returns the webhook-signature value: "v1,<base64>", or one entry per
// secret joined by spaces while a secret rotates. msgID is the webhook-id
// (the same on every retry), ts the attempt's time (its Unix seconds are the
// webhook-timestamp value), secrets "whsec_<base64>" strings.
func SignWebhook(msgID string, ts time.Time, body []byte, secrets ...string) (string, error) {
	unix, err := signingTime(ts)
	if err != nil {
		return "", err
	}
	list := newSecretList(secrets)
	defer list.wipe()
	return ffiSignWebhook(msgID, unix, body, list)
}

// WebhookTimestamp formats a time as the webhook-timestamp value.
func WebhookTimestamp(ts time.Time) string {
	return strconv.FormatInt(ts.Unix(), 10)
}

// VerifyWebhook verifies a webhook delivery (Standard Webhooks v1): the
// webhook-id, webhook-timestamp and webhook-signature headers of h, the raw
// body, and the candidate "whsec_" secrets (any v1 entry matching any secret
// passes). Options: WithTolerance, WithClock.
//
// Errors (*SignatureError): CodeMissingHeader, CodeMalformedHeader,
// CodeStaleTimestamp, CodeFutureTimestamp, CodeUnsupportedVersion (no v1
// entry), CodeSignatureMismatch, CodeInvalidSecret (none given, empty or not
// base64).
func VerifyWebhook(h http.Header, body []byte, secrets []string, opts ...Option) error {
	if len(secrets) == 0 {
		return &SignatureError{Code: CodeInvalidSecret, Message: "at least one webhook secret is needed"}
	}
	o := buildOptions(opts)
	list := newSecretList(secrets)
	defer list.wipe()
	return ffiVerifyWebhook(header(h, HeaderWebhookID), header(h, HeaderWebhookTimestamp),
		header(h, HeaderWebhookSignature), body, list, o.toleranceSecs(), unixNow(o.clock()))
}
