package triggers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// DefaultMaxWebhookBody is the largest webhook body WebhookHandler reads
// unless WithMaxBodyBytes says otherwise: 1 MiB (event payloads are at most
// 256 KiB, so this leaves room for the envelope).
const DefaultMaxWebhookBody = 1 << 20

// CodePayloadTooLarge is the error code of WebhookHandler's 413 answer.
const CodePayloadTooLarge = "payload_too_large"

// CodeInvalidBody is the error code of WebhookHandler's 400 answer to a body
// that could not be read.
const CodeInvalidBody = "invalid_body"

// WebhookDelivery is a verified webhook delivery, handed to the next handler
// of WebhookHandler through the request's context (WebhookFromContext).
type WebhookDelivery struct {
	// ID is the webhook-id header ("msg_…"): the same on every retry and
	// replay of a delivery, so deduplicate on it.
	ID string
	// Timestamp is the webhook-timestamp header: when this attempt was signed.
	Timestamp time.Time
	// Body is the raw body, the exact bytes that were verified.
	Body []byte
}

// WebhookEvent is the JSON body of a delivery of the Triggers service:
// {"id","type","source","timestamp","data"} (docs/WEBHOOKS.md section 2).
type WebhookEvent struct {
	// ID is the event id (Event.EventID).
	ID     string `json:"id"`
	Type   string `json:"type"`
	Source string `json:"source"`
	// Timestamp is when the service accepted the event.
	Timestamp time.Time `json:"timestamp"`
	// Data is the event's payload, byte for byte as ingested.
	Data json.RawMessage `json:"data"`
}

// Event parses the body as a Triggers delivery envelope.
func (d *WebhookDelivery) Event() (*WebhookEvent, error) {
	var ev WebhookEvent
	if err := json.Unmarshal(d.Body, &ev); err != nil {
		return nil, fmt.Errorf("triggers: webhook body: %w", err)
	}
	return &ev, nil
}

type webhookDeliveryKey struct{}

// WebhookFromContext returns the delivery verified by WebhookHandler.
func WebhookFromContext(ctx context.Context) (*WebhookDelivery, bool) {
	d, ok := ctx.Value(webhookDeliveryKey{}).(*WebhookDelivery)
	return d, ok
}

// WebhookHandlerOption configures WebhookHandler and VerifyWebhooks.
type WebhookHandlerOption func(*webhookHandlerConfig)

type webhookHandlerConfig struct {
	maxBody int64
	verify  []Option
	onError func(*http.Request, error)
}

// WithMaxBodyBytes sets the largest body read (default
// DefaultMaxWebhookBody); a larger one is answered 413 payload_too_large.
func WithMaxBodyBytes(n int64) WebhookHandlerOption {
	return func(c *webhookHandlerConfig) { c.maxBody = n }
}

// WithVerifyOptions passes options to VerifyWebhook: WithTolerance,
// WithClock.
func WithVerifyOptions(opts ...Option) WebhookHandlerOption {
	return func(c *webhookHandlerConfig) { c.verify = append(c.verify, opts...) }
}

// WithOnError is called with every refused delivery and its error (a
// *SignatureError, or an error wrapping *http.MaxBytesError), before the
// error answer is written: for logging and metrics. The error never holds
// a secret.
func WithOnError(fn func(r *http.Request, err error)) WebhookHandlerOption {
	return func(c *webhookHandlerConfig) { c.onError = fn }
}

// WebhookHandler verifies Standard Webhooks signatures (the deliveries of
// the Triggers service) before next sees a request. It reads the raw body
// (at most WithMaxBodyBytes, default 1 MiB, else 413), verifies it with
// VerifyWebhook against the candidate secrets ("whsec_…"; during a rotation
// the new and the old one), and
//
//   - on failure answers 401 with {"error":{"code":"…","message":"…"}}, the
//     code being the SignatureError's (signature_mismatch, stale_timestamp,
//     missing_header, …), without calling next;
//   - on success calls next with r.Body restored (the same bytes) and the
//     verified delivery in the context: WebhookFromContext.
//
// Replays within the tolerance pass verification: deduplicate on
// WebhookDelivery.ID (the service delivers at least once anyway).
//
// Errors (*SignatureError CodeInvalidSecret): no secret, an empty one or
// one that is not base64. fmt never prints the handler's secrets.
func WebhookHandler(secrets []string, next http.Handler, opts ...WebhookHandlerOption) (http.Handler, error) {
	mw, err := VerifyWebhooks(secrets, opts...)
	if err != nil {
		return nil, err
	}
	return mw(next), nil
}

// VerifyWebhooks is WebhookHandler as a middleware, for routers that chain
// func(http.Handler) http.Handler.
func VerifyWebhooks(secrets []string, opts ...WebhookHandlerOption) (func(http.Handler) http.Handler, error) {
	if len(secrets) == 0 {
		return nil, &SignatureError{Code: CodeInvalidSecret, Message: "at least one webhook secret is needed"}
	}
	// Signing a probe checks every secret now, not at the first delivery.
	if _, err := SignWebhook("msg_probe", time.Unix(0, 0), nil, secrets...); err != nil {
		return nil, err
	}
	cfg := webhookHandlerConfig{maxBody: DefaultMaxWebhookBody}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.maxBody <= 0 {
		return nil, fmt.Errorf("%w: the maximum body size must be positive", ErrInvalidArgument)
	}
	list := append([]string(nil), secrets...)
	return func(next http.Handler) http.Handler {
		return &webhookHandler{secrets: list, cfg: cfg, next: next}
	}, nil
}

type webhookHandler struct {
	secrets []string
	cfg     webhookHandlerConfig
	next    http.Handler
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, r, fmt.Errorf("triggers: webhook body: %w", err), http.StatusRequestEntityTooLarge,
				CodePayloadTooLarge, "the body exceeds "+strconv.FormatInt(h.cfg.maxBody, 10)+" bytes")
			return
		}
		h.fail(w, r, fmt.Errorf("triggers: webhook body: %w", err), http.StatusBadRequest,
			CodeInvalidBody, "the body could not be read")
		return
	}
	if err := VerifyWebhook(r.Header, body, h.secrets, h.cfg.verify...); err != nil {
		code, msg := CodeInternal, "verification failed"
		var se *SignatureError
		if errors.As(err, &se) {
			code, msg = se.Code, se.Message
		}
		h.fail(w, r, err, http.StatusUnauthorized, code, msg)
		return
	}
	ts, _ := strconv.ParseInt(r.Header.Get(HeaderWebhookTimestamp), 10, 64)
	d := &WebhookDelivery{ID: r.Header.Get(HeaderWebhookID), Timestamp: time.Unix(ts, 0), Body: body}
	r2 := r.WithContext(context.WithValue(r.Context(), webhookDeliveryKey{}, d))
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	h.next.ServeHTTP(w, r2)
}

func (h *webhookHandler) fail(w http.ResponseWriter, r *http.Request, err error, status int, code, msg string) {
	if h.cfg.onError != nil {
		h.cfg.onError(r, err)
	}
	writeJSONError(w, status, code, msg)
}

// writeJSONError writes {"error":{"code":…,"message":…}}.
func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]map[string]string{"error": {"code": code, "message": msg}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// String describes the handler without its secrets.
func (h *webhookHandler) String() string {
	return "triggers.WebhookHandler{secrets: " + strconv.Itoa(len(h.secrets)) + " [redacted]}"
}

// Format prints String for every verb, so secrets never reach a log.
func (h *webhookHandler) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, h.String()) }
