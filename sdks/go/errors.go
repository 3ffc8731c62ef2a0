package triggers

import (
	"errors"
	"net/http"
	"strconv"
)

// Error codes: the stable machine codes of docs/SIGNING.md section 6, the
// same in every language and in the HTTP error envelope. Compare them with
// SignatureError.Code.
const (
	CodeMissingHeader      = "missing_header"      // a required header is absent
	CodeMalformedHeader    = "malformed_header"    // a header is present but has the wrong form
	CodeUnsupportedVersion = "unsupported_version" // the signature version is not v1 (webhooks: no v1 entry)
	CodeStaleTimestamp     = "stale_timestamp"     // the timestamp is older than the tolerance
	CodeFutureTimestamp    = "future_timestamp"    // the timestamp is further ahead than the tolerance
	CodeBadEncoding        = "bad_encoding"        // an invalid percent-escape in the path or query
	CodeInvalidMethod      = "invalid_method"      // the method is empty or not a token
	CodeInvalidSecret      = "invalid_secret"      // a secret is empty (or a webhook secret is not base64)
	CodeSignatureMismatch  = "signature_mismatch"  // no candidate secret gives the presented signature
)

// Codes of the binding itself, not of the spec.
const (
	// CodeInvalidUTF8: a method, target, webhook message id or webhook secret
	// is not valid UTF-8 (Go strings may hold arbitrary bytes).
	CodeInvalidUTF8 = "invalid_utf8"
	// CodeInternal: a bug in the native library (a panic caught at the C
	// boundary). Never expected.
	CodeInternal = "internal_error"
)

// SignatureError is the error of every signing and verification function of
// this package. Match it with errors.As and switch on Code:
//
//	var se *triggers.SignatureError
//	if errors.As(err, &se) && se.Code == triggers.CodeStaleTimestamp { ... }
//
// Message is a short static description; it never contains secrets or input
// values.
type SignatureError struct {
	Code    string
	Message string
}

func (e *SignatureError) Error() string {
	return "triggers: " + e.Code + ": " + e.Message
}

// Is reports whether target is a *SignatureError with the same Code, so that
// errors.Is(err, &triggers.SignatureError{Code: triggers.CodeSignatureMismatch})
// works too.
func (e *SignatureError) Is(target error) bool {
	t, ok := target.(*SignatureError)
	return ok && t != nil && t.Code == e.Code
}

// HasCode reports whether err is (or wraps) a *SignatureError with this code.
func HasCode(err error, code string) bool {
	var se *SignatureError
	return errors.As(err, &se) && se.Code == code
}

// APIError is the error of a request that the service answered with a
// status of 400 or above. Match it with errors.As and switch on Code, the
// stable machine code of the error envelope
// {"error":{"code":"…","message":"…","request_id":"…"}} (the codes are
// listed in docs/openapi.json, docs/KEYS.md and docs/WEBHOOKS.md):
//
//	var ae *triggers.APIError
//	if errors.As(err, &ae) && ae.Code == "signature_required" { ... }
//
// When the body is not an error envelope (a proxy's error page, say), Code
// is empty, Message is the HTTP status text and Body holds what was sent.
type APIError struct {
	StatusCode int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	// RequestID is the service's request id (error.request_id, or the
	// X-Request-Id response header): quote it when reporting a problem.
	RequestID string `json:"request_id"`
	// Body is the raw response body (at most 64 KiB of it).
	Body []byte `json:"-"`
	// Header is the response header (Retry-After, Allow, …).
	Header http.Header `json:"-"`
}

func (e *APIError) Error() string {
	s := "triggers: HTTP " + strconv.Itoa(e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Is reports whether target is an *APIError with the same Code and, when
// target's StatusCode is not 0, the same StatusCode, so that
// errors.Is(err, &triggers.APIError{Code: "webhook_not_found"}) works.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t != nil && t.Code == e.Code && (t.StatusCode == 0 || t.StatusCode == e.StatusCode)
}

// HasAPICode reports whether err is (or wraps) an *APIError with this code.
func HasAPICode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}
