package triggers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// SDKVersion is this module's version, sent in the default User-Agent.
const SDKVersion = "0.1.0"

// maxErrorBody bounds how much of an error response is kept (APIError.Body).
const maxErrorBody = 64 << 10

// Client calls the Triggers API (docs/openapi.json). Every method takes a
// context first; a method's error is an *APIError when the service answered
// with a status of 400 or above, an error wrapping ErrInvalidArgument for
// bad arguments caught before sending, a *SignatureError when a request
// could not be signed, and otherwise the transport's error, wrapped (so
// errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled)
// and errors.As(err, **net.OpError) work).
//
// A Client is safe for concurrent use. fmt never prints its API key or
// signing secret.
type Client struct {
	base      string // scheme://host[:port][/prefix], no trailing slash, escaped
	apiKey    string
	hc        *http.Client
	userAgent string
	timeout   time.Duration
	signing   bool
}

// ClientOption configures NewClient.
type ClientOption func(*clientConfig)

type clientConfig struct {
	hc        *http.Client
	keyID     string
	secret    []byte
	signing   bool
	userAgent string
	timeout   time.Duration
}

// WithHTTPClient sends the requests through hc (default: a client with
// http.DefaultTransport). hc is not modified: with WithSigning, the Client
// uses a copy whose Transport signs and then calls hc.Transport.
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *clientConfig) { c.hc = hc }
}

// WithSigning signs every request with v1 request signing (docs/SIGNING.md)
// through a SigningTransport: secret is the API key version's signing secret
// ("trgs_…", copied), keyID its key id ("key_…", sent as X-Key-Id; may be
// empty, since the reference service identifies the key by the API key). A
// key created with require_signature accepts signed requests only.
//
// The service accepts each signature once (replay protection), and two
// identical requests signed within the same second have the same signature:
// when the service refuses one as replayed_signature (before processing
// it), the Client signs it again in the next second and resends it, once.
func WithSigning(keyID string, secret []byte) ClientOption {
	secret = bytes.Clone(secret)
	return func(c *clientConfig) { c.keyID, c.secret, c.signing = keyID, secret, true }
}

// WithUserAgent sets the User-Agent header (default
// "triggers-api-go/<SDKVersion> (<Go version>)").
func WithUserAgent(ua string) ClientOption {
	return func(c *clientConfig) { c.userAgent = ua }
}

// WithTimeout bounds every call (a context deadline added to the caller's
// context; 0, the default, adds none). An expired call returns an error for
// which errors.Is(err, context.DeadlineExceeded) holds.
func WithTimeout(d time.Duration) ClientOption {
	return func(c *clientConfig) { c.timeout = d }
}

// NewClient returns a client of the service at baseURL
// ("https://triggers.example.com", or with a path prefix) that
// authenticates with apiKey ("trgk_…", sent as Authorization: Bearer).
//
// Errors (wrapping ErrInvalidArgument): a baseURL that is not an absolute
// http or https URL without query or fragment, an API key or user agent
// that is not a valid header value; from WithSigning, a *SignatureError
// CodeInvalidSecret for an empty secret.
func NewClient(baseURL, apiKey string, opts ...ClientOption) (*Client, error) {
	cfg := clientConfig{userAgent: "triggers-api-go/" + SDKVersion + " (" + runtime.Version() + ")"}
	for _, opt := range opts {
		opt(&cfg)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: the base URL must be an absolute http(s) URL without query or fragment", ErrInvalidArgument)
	}
	if !validHeaderValue(apiKey) {
		return nil, fmt.Errorf("%w: the API key is not a valid header value", ErrInvalidArgument)
	}
	if !validHeaderValue(cfg.userAgent) {
		return nil, fmt.Errorf("%w: the user agent is not a valid header value", ErrInvalidArgument)
	}
	if cfg.timeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout", ErrInvalidArgument)
	}
	hc := cfg.hc
	if hc == nil {
		hc = &http.Client{}
	}
	if cfg.signing {
		st, err := NewSigningTransport(hc.Transport, cfg.keyID, cfg.secret)
		if err != nil {
			return nil, err
		}
		copied := *hc
		copied.Transport = st
		hc = &copied
	}
	return &Client{
		base:      strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		apiKey:    apiKey,
		hc:        hc,
		userAgent: cfg.userAgent,
		timeout:   cfg.timeout,
		signing:   cfg.signing,
	}, nil
}

// validHeaderValue: no control characters (tabs and spaces inside are fine).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// String describes the client without its secrets.
func (c Client) String() string {
	return "triggers.Client{base: " + c.base + ", apiKey: [redacted]}"
}

// Format prints String for every verb, so secrets never reach a log.
func (c Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

type requestIDKey struct{}

// WithRequestID returns a context whose calls send X-Request-Id: id. The
// service echoes an id of 1 to 128 visible ASCII characters in its answer
// and in error bodies (APIError.RequestID); other values are not sent (the
// service then makes up an id).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// seg escapes one path segment (an id given by the caller).
func seg(name, id string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrInvalidArgument, name)
	}
	return url.PathEscape(id), nil
}

// call sends one request: path is escaped, query may be nil, in (when not
// nil) is sent as JSON, out (when not nil) receives the JSON answer.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) (*http.Response, error) {
	resp, cancel, err := c.open(ctx, method, path, query, in, "application/json")
	defer cancel()
	if err != nil {
		return resp, err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return resp, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return resp, fmt.Errorf("triggers: %s %s: decoding the %d response: %w", method, path, resp.StatusCode, err)
	}
	return resp, nil
}

// open sends one request asking for the media type accept and returns the
// response of a status below 400 with its body unread: the caller closes
// the body, then calls cancel (never nil), which ends WithTimeout's
// deadline. A status of 400 or above is an *APIError (the body read and
// closed).
func (c *Client) open(ctx context.Context, method, path string, query url.Values, in any, accept string) (*http.Response, context.CancelFunc, error) {
	if ctx == nil {
		return nil, func() {}, fmt.Errorf("%w: nil context", ErrInvalidArgument)
	}
	cancel := context.CancelFunc(func() {})
	if c.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var payload []byte
	if in != nil {
		var b []byte
		var err error
		if r, ok := in.(rawEncoder); ok {
			b, err = r.encode()
		} else {
			b, err = json.Marshal(in)
		}
		if err != nil {
			return nil, cancel, fmt.Errorf("triggers: %s %s: encoding the request body: %w", method, path, err)
		}
		payload = b
	}
	resp, err := c.send(ctx, method, target, payload, accept)
	if err != nil {
		// *url.Error, which unwraps to the cause (context errors, *net.OpError,
		// *SignatureError from the signing transport).
		return nil, cancel, fmt.Errorf("triggers: %s %s: %w", method, path, err)
	}
	if c.signing && resp.StatusCode == http.StatusUnauthorized {
		// The service accepts each signature once, and two identical
		// requests signed within the same second have the same signature:
		// the second is refused (replayed_signature) before it is
		// processed. Sign it again in the next second.
		apiErr := apiErrorFrom(resp)
		resp.Body.Close()
		if apiErr.Code != "replayed_signature" {
			return resp, cancel, apiErr
		}
		if err := sleepCtx(ctx, time.Until(time.Now().Truncate(time.Second).Add(time.Second+10*time.Millisecond))); err != nil {
			return nil, cancel, fmt.Errorf("triggers: %s %s: %w", method, path, err)
		}
		if resp, err = c.send(ctx, method, target, payload, accept); err != nil {
			return nil, cancel, fmt.Errorf("triggers: %s %s: %w", method, path, err)
		}
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return resp, cancel, apiErrorFrom(resp)
	}
	return resp, cancel, nil
}

// rawEncoder is a request body that encodes itself without going through
// json.Marshal, which would compact embedded raw JSON.
type rawEncoder interface {
	encode() ([]byte, error)
}

// encode sends a json.RawMessage payload byte for byte (the service stores
// and delivers it unchanged, whitespace included).
func (r CreateEventRequest) encode() ([]byte, error) {
	raw, ok := r.Payload.(json.RawMessage)
	if !ok {
		return json.Marshal(r)
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("%w: the payload is not valid JSON", ErrInvalidArgument)
	}
	head := r
	head.Payload = json.RawMessage(`0`)
	b, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	// b is {"source":…,"event_type":…,"payload":0[,"idempotency_key":…]}.
	i := bytes.Index(b, []byte(`,"payload":0`))
	if i < 0 {
		return nil, fmt.Errorf("triggers: encoding the event")
	}
	i += len(`,"payload":`)
	out := make([]byte, 0, len(b)+len(raw))
	out = append(out, b[:i]...)
	out = append(out, raw...)
	return append(out, b[i+1:]...), nil
}

// send sends one request (payload, when not nil, as JSON) accepting the
// media type accept.
func (c *Client) send(ctx context.Context, method, target string, payload []byte, accept string) (*http.Response, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	if id, ok := ctx.Value(requestIDKey{}).(string); ok && id != "" && visibleASCII(id) {
		req.Header.Set("X-Request-Id", id)
	}
	return c.hc.Do(req)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// apiErrorFrom reads an error response into an *APIError.
func apiErrorFrom(resp *http.Response) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{StatusCode: resp.StatusCode, Body: raw, Header: resp.Header}
	var env errorEnvelope
	if json.Unmarshal(raw, &env) == nil && env.Error != nil && env.Error.Code != "" {
		e.Code, e.Message, e.RequestID = env.Error.Code, env.Error.Message, env.Error.RequestID
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("X-Request-Id")
	}
	return e
}

// ListParams selects a page of a listing: Limit (0: the service's default,
// 50; the maximum depends on the listing) and Cursor (a NextCursor; empty:
// the first page).
type ListParams struct {
	Limit  int
	Cursor string
}

func (p ListParams) values() url.Values {
	q := url.Values{}
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	return q
}

// InboxParams selects a page of the inbox; Source and EventType filter it
// (empty: no filter).
type InboxParams struct {
	Source    string
	EventType string
	Limit     int // 0: 50; at most 500
	Cursor    string
}

// DeadLetterParams selects a page of dead letters: WebhookID filters by
// webhook, Since <= dead_at < Until (zero: unbounded).
type DeadLetterParams struct {
	WebhookID string
	Since     time.Time
	Until     time.Time
	Limit     int // 0: 50; at most 100
	Cursor    string
}

// paginate follows next_cursor: fetch returns one page's items and the next
// cursor. The sequence yields each item with a nil error; a failing page
// yields one zero item with its error and ends.
func paginate[T any](cursor string, fetch func(cursor string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, err := fetch(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == cursor {
				return
			}
			cursor = next
		}
	}
}

// ---- events and the inbox ----

// CreateEvent ingests an event (POST /v1/events, operation createEvent).
// The result's IdempotentReplay is true when the idempotency key was seen
// already and the original event is returned.
func (c *Client) CreateEvent(ctx context.Context, req CreateEventRequest) (*Event, error) {
	var ev Event
	resp, err := c.call(ctx, http.MethodPost, "/v1/events", nil, req, &ev)
	if err != nil {
		return nil, err
	}
	ev.IdempotentReplay = resp.StatusCode == http.StatusOK && resp.Header.Get("Idempotent-Replayed") == "true"
	return &ev, nil
}

// GetEvent reads one event (GET /v1/events/{event_id}, getEvent). Not a
// UUID: 400 invalid_event_id; unknown: 404 not_found.
func (c *Client) GetEvent(ctx context.Context, eventID string) (*Event, error) {
	id, err := seg("event id", eventID)
	if err != nil {
		return nil, err
	}
	var ev Event
	if _, err := c.call(ctx, http.MethodGet, "/v1/events/"+id, nil, nil, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// AckEvent acknowledges an event (POST /v1/events/{event_id}/ack, ackEvent),
// which removes it from the inbox.
func (c *Client) AckEvent(ctx context.Context, eventID string) (*Event, error) {
	id, err := seg("event id", eventID)
	if err != nil {
		return nil, err
	}
	var ev Event
	if _, err := c.call(ctx, http.MethodPost, "/v1/events/"+id+"/ack", nil, nil, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// ListInbox returns one page of the unacknowledged events (GET /v1/inbox,
// listInbox). Inbox iterates over every page.
func (c *Client) ListInbox(ctx context.Context, p InboxParams) (*EventList, error) {
	q := ListParams{Limit: p.Limit, Cursor: p.Cursor}.values()
	if p.Source != "" {
		q.Set("source", p.Source)
	}
	if p.EventType != "" {
		q.Set("event_type", p.EventType)
	}
	var page EventList
	if _, err := c.call(ctx, http.MethodGet, "/v1/inbox", q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// Inbox iterates over the inbox from p.Cursor on, following next_cursor:
//
//	for ev, err := range client.Inbox(ctx, triggers.InboxParams{Source: "shop"}) {
//		if err != nil { return err }
//		...
//	}
func (c *Client) Inbox(ctx context.Context, p InboxParams) iter.Seq2[Event, error] {
	return paginate(p.Cursor, func(cursor string) ([]Event, string, error) {
		p.Cursor = cursor
		page, err := c.ListInbox(ctx, p)
		if err != nil {
			return nil, "", err
		}
		return page.Events, page.NextCursor, nil
	})
}

// ---- API keys (admin keys only) ----

// CreateAPIKey creates an API key (POST /v1/api-keys, createApiKey). Its
// secrets are in this answer only.
func (c *Client) CreateAPIKey(ctx context.Context, req CreateAPIKeyRequest) (*APIKeyWithSecrets, error) {
	var k APIKeyWithSecrets
	if _, err := c.call(ctx, http.MethodPost, "/v1/api-keys", nil, req, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// ListAPIKeys returns one page of the account's API keys (GET /v1/api-keys,
// listApiKeys; Limit at most 100). APIKeys iterates over every page.
func (c *Client) ListAPIKeys(ctx context.Context, p ListParams) (*APIKeyList, error) {
	var page APIKeyList
	if _, err := c.call(ctx, http.MethodGet, "/v1/api-keys", p.values(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// APIKeys iterates over the account's API keys, following next_cursor.
func (c *Client) APIKeys(ctx context.Context, p ListParams) iter.Seq2[APIKey, error] {
	return paginate(p.Cursor, func(cursor string) ([]APIKey, string, error) {
		page, err := c.ListAPIKeys(ctx, ListParams{Limit: p.Limit, Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		return page.APIKeys, page.NextCursor, nil
	})
}

// GetAPIKey reads one API key, without secrets (GET /v1/api-keys/{key_id},
// getApiKey). Unknown: 404 not_found.
func (c *Client) GetAPIKey(ctx context.Context, keyID string) (*APIKey, error) {
	id, err := seg("key id", keyID)
	if err != nil {
		return nil, err
	}
	var k APIKey
	if _, err := c.call(ctx, http.MethodGet, "/v1/api-keys/"+id, nil, nil, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// RevokeAPIKey revokes every version of a key (DELETE /v1/api-keys/{key_id},
// revokeApiKey).
func (c *Client) RevokeAPIKey(ctx context.Context, keyID string) (*APIKey, error) {
	id, err := seg("key id", keyID)
	if err != nil {
		return nil, err
	}
	var k APIKey
	if _, err := c.call(ctx, http.MethodDelete, "/v1/api-keys/"+id, nil, nil, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// RotateAPIKey issues a new version of a key (POST
// /v1/api-keys/{key_id}/rotate, rotateApiKey); the old one stays valid for
// the transition (docs/KEYS.md). The new secrets are in this answer only.
func (c *Client) RotateAPIKey(ctx context.Context, keyID string, req RotateAPIKeyRequest) (*RotatedAPIKey, error) {
	id, err := seg("key id", keyID)
	if err != nil {
		return nil, err
	}
	var k RotatedAPIKey
	if _, err := c.call(ctx, http.MethodPost, "/v1/api-keys/"+id+"/rotate", nil, req, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// ListAPIKeyVersions lists every version of a key with its status (GET
// /v1/api-keys/{key_id}/versions, listApiKeyVersions).
func (c *Client) ListAPIKeyVersions(ctx context.Context, keyID string) (*APIKeyVersionList, error) {
	id, err := seg("key id", keyID)
	if err != nil {
		return nil, err
	}
	var l APIKeyVersionList
	if _, err := c.call(ctx, http.MethodGet, "/v1/api-keys/"+id+"/versions", nil, nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// ---- webhooks (admin keys only) ----

// CreateWebhook registers a webhook (POST /v1/webhooks, createWebhook). Its
// secret is in this answer only.
func (c *Client) CreateWebhook(ctx context.Context, req CreateWebhookRequest) (*WebhookWithSecret, error) {
	var w WebhookWithSecret
	if _, err := c.call(ctx, http.MethodPost, "/v1/webhooks", nil, req, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// ListWebhooks returns one page of webhooks (GET /v1/webhooks,
// listWebhooks; Limit at most 100). Webhooks iterates over every page.
func (c *Client) ListWebhooks(ctx context.Context, p ListParams) (*WebhookList, error) {
	var page WebhookList
	if _, err := c.call(ctx, http.MethodGet, "/v1/webhooks", p.values(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// Webhooks iterates over the account's webhooks, following next_cursor.
func (c *Client) Webhooks(ctx context.Context, p ListParams) iter.Seq2[Webhook, error] {
	return paginate(p.Cursor, func(cursor string) ([]Webhook, string, error) {
		page, err := c.ListWebhooks(ctx, ListParams{Limit: p.Limit, Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		return page.Webhooks, page.NextCursor, nil
	})
}

// GetWebhook reads one webhook, without its secret (GET
// /v1/webhooks/{webhook_id}, getWebhook). Unknown: 404 webhook_not_found.
func (c *Client) GetWebhook(ctx context.Context, webhookID string) (*Webhook, error) {
	id, err := seg("webhook id", webhookID)
	if err != nil {
		return nil, err
	}
	var w Webhook
	if _, err := c.call(ctx, http.MethodGet, "/v1/webhooks/"+id, nil, nil, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// UpdateWebhook changes the given fields of a webhook (PUT
// /v1/webhooks/{webhook_id}, updateWebhook).
func (c *Client) UpdateWebhook(ctx context.Context, webhookID string, req UpdateWebhookRequest) (*Webhook, error) {
	id, err := seg("webhook id", webhookID)
	if err != nil {
		return nil, err
	}
	var w Webhook
	if _, err := c.call(ctx, http.MethodPut, "/v1/webhooks/"+id, nil, req, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// DeleteWebhook deletes a webhook (DELETE /v1/webhooks/{webhook_id},
// deleteWebhook).
func (c *Client) DeleteWebhook(ctx context.Context, webhookID string) error {
	id, err := seg("webhook id", webhookID)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, http.MethodDelete, "/v1/webhooks/"+id, nil, nil, nil)
	return err
}

// TestWebhook sends a signed test event now and reports what the receiver
// answered (POST /v1/webhooks/{webhook_id}/test, testWebhook).
func (c *Client) TestWebhook(ctx context.Context, webhookID string) (*TestDeliveryResult, error) {
	id, err := seg("webhook id", webhookID)
	if err != nil {
		return nil, err
	}
	var r TestDeliveryResult
	if _, err := c.call(ctx, http.MethodPost, "/v1/webhooks/"+id+"/test", nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// RotateWebhookSecret replaces a webhook's signing secret (POST
// /v1/webhooks/{webhook_id}/rotate-secret, rotateWebhookSecret); during the
// transition deliveries carry a signature with each secret. The new secret
// is in this answer only.
func (c *Client) RotateWebhookSecret(ctx context.Context, webhookID string, req RotateWebhookSecretRequest) (*WebhookWithSecret, error) {
	id, err := seg("webhook id", webhookID)
	if err != nil {
		return nil, err
	}
	var w WebhookWithSecret
	if _, err := c.call(ctx, http.MethodPost, "/v1/webhooks/"+id+"/rotate-secret", nil, req, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// ListWebhookDeliveries returns one page of a webhook's attempt log, newest
// first (GET /v1/webhooks/{webhook_id}/deliveries, listWebhookDeliveries;
// Limit at most 100). WebhookDeliveries iterates over every page.
func (c *Client) ListWebhookDeliveries(ctx context.Context, webhookID string, p ListParams) (*AttemptList, error) {
	id, err := seg("webhook id", webhookID)
	if err != nil {
		return nil, err
	}
	var page AttemptList
	if _, err := c.call(ctx, http.MethodGet, "/v1/webhooks/"+id+"/deliveries", p.values(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// WebhookDeliveries iterates over a webhook's attempt log, following
// next_cursor.
func (c *Client) WebhookDeliveries(ctx context.Context, webhookID string, p ListParams) iter.Seq2[Attempt, error] {
	return paginate(p.Cursor, func(cursor string) ([]Attempt, string, error) {
		page, err := c.ListWebhookDeliveries(ctx, webhookID, ListParams{Limit: p.Limit, Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		return page.Attempts, page.NextCursor, nil
	})
}

// ---- dead letters (admin keys only) ----

// ListDeadLetters returns one page of the account's dead letters, newest
// first (GET /v1/dead-letters, listDeadLetters). DeadLetters iterates over
// every page.
func (c *Client) ListDeadLetters(ctx context.Context, p DeadLetterParams) (*DeadLetterList, error) {
	q := ListParams{Limit: p.Limit, Cursor: p.Cursor}.values()
	if p.WebhookID != "" {
		q.Set("webhook_id", p.WebhookID)
	}
	if !p.Since.IsZero() {
		q.Set("since", p.Since.UTC().Format(time.RFC3339Nano))
	}
	if !p.Until.IsZero() {
		q.Set("until", p.Until.UTC().Format(time.RFC3339Nano))
	}
	var page DeadLetterList
	if _, err := c.call(ctx, http.MethodGet, "/v1/dead-letters", q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// DeadLetters iterates over the account's dead letters, following
// next_cursor.
func (c *Client) DeadLetters(ctx context.Context, p DeadLetterParams) iter.Seq2[DeadLetter, error] {
	return paginate(p.Cursor, func(cursor string) ([]DeadLetter, string, error) {
		p.Cursor = cursor
		page, err := c.ListDeadLetters(ctx, p)
		if err != nil {
			return nil, "", err
		}
		return page.DeadLetters, page.NextCursor, nil
	})
}

// ReplayDeadLetter queues a dead letter again, with the same webhook-id and
// a fresh retry budget (POST /v1/dead-letters/{delivery_id}/replay,
// replayDeadLetter). Replayed already: 409 already_replayed.
func (c *Client) ReplayDeadLetter(ctx context.Context, deliveryID string) (*ReplayResult, error) {
	id, err := seg("delivery id", deliveryID)
	if err != nil {
		return nil, err
	}
	var r ReplayResult
	if _, err := c.call(ctx, http.MethodPost, "/v1/dead-letters/"+id+"/replay", nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReplayDeadLetters replays a webhook's dead letters of a time range that
// were not replayed yet, at most 10,000 per call (POST
// /v1/dead-letters/replay, replayDeadLetters): call again while the result
// is Truncated.
func (c *Client) ReplayDeadLetters(ctx context.Context, req BulkReplayRequest) (*BulkReplayResult, error) {
	if req.WebhookID == "" {
		return nil, fmt.Errorf("%w: webhook id is empty", ErrInvalidArgument)
	}
	var r BulkReplayResult
	if _, err := c.call(ctx, http.MethodPost, "/v1/dead-letters/replay", nil, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ---- analytics (admin keys only) ----

// AnalyticsRange is the range of an analytics query: From <= t < To, sent
// as RFC 3339 in UTC. A zero From is the service's default, 24 hours before
// To; a zero To is now. The service rounds From down and To up to the
// bucket (a minute for the summary and the breakdown); times before 1970
// count as 1970.
type AnalyticsRange struct {
	From time.Time
	To   time.Time
}

func (r AnalyticsRange) set(q url.Values) {
	if !r.From.IsZero() {
		q.Set("from", r.From.UTC().Format(time.RFC3339Nano))
	}
	if !r.To.IsZero() {
		q.Set("to", r.To.UTC().Format(time.RFC3339Nano))
	}
}

// AnalyticsSummaryParams selects the range of GetAnalyticsSummary.
type AnalyticsSummaryParams struct {
	AnalyticsRange
}

// AnalyticsTimeseriesParams selects a timeseries. Empty fields are left
// out: the service's defaults are MetricEvents, BucketHour and the last 24
// hours. Source and EventType (exact matches) filter MetricEvents only: with
// another metric the service answers 400 filter_not_supported. A range of
// more than 10,000 buckets is 400 too_many_points.
type AnalyticsTimeseriesParams struct {
	AnalyticsRange
	Metric    AnalyticsMetric
	Bucket    AnalyticsBucket
	Source    string
	EventType string
}

// AnalyticsBreakdownParams selects a breakdown. By is required. Limit is the
// number of rows, 1 to 1000 (0: the service's default, 10); the rest is
// summed in Other. With DimensionSource, EventType may filter (and Source
// with DimensionEventType); other dimensions take no filter (400
// filter_not_supported).
type AnalyticsBreakdownParams struct {
	AnalyticsRange
	By        AnalyticsDimension
	Limit     int
	Source    string
	EventType string
}

// AnalyticsExportParams selects an export: Bucket (empty: BucketHour) and
// the range.
type AnalyticsExportParams struct {
	AnalyticsRange
	Bucket AnalyticsBucket
}

func (p AnalyticsExportParams) values(format string) url.Values {
	q := url.Values{}
	if p.Bucket != "" {
		q.Set("bucket", string(p.Bucket))
	}
	p.set(q)
	q.Set("format", format)
	return q
}

// GetAnalyticsSummary returns the account's totals, rates and latency
// percentiles over a range (GET /v1/analytics/summary,
// getAnalyticsSummary).
func (c *Client) GetAnalyticsSummary(ctx context.Context, p AnalyticsSummaryParams) (*AnalyticsSummary, error) {
	q := url.Values{}
	p.set(q)
	var s AnalyticsSummary
	if _, err := c.call(ctx, http.MethodGet, "/v1/analytics/summary", q, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// GetAnalyticsTimeseries returns one metric per bucket over a range, empty
// buckets included (GET /v1/analytics/timeseries, getAnalyticsTimeseries).
func (c *Client) GetAnalyticsTimeseries(ctx context.Context, p AnalyticsTimeseriesParams) (*AnalyticsTimeseries, error) {
	q := url.Values{}
	if p.Metric != "" {
		q.Set("metric", string(p.Metric))
	}
	if p.Bucket != "" {
		q.Set("bucket", string(p.Bucket))
	}
	p.set(q)
	if p.Source != "" {
		q.Set("source", p.Source)
	}
	if p.EventType != "" {
		q.Set("event_type", p.EventType)
	}
	var ts AnalyticsTimeseries
	if _, err := c.call(ctx, http.MethodGet, "/v1/analytics/timeseries", q, nil, &ts); err != nil {
		return nil, err
	}
	return &ts, nil
}

// GetAnalyticsBreakdown returns the account's counts over a range grouped
// by one dimension, largest first (GET /v1/analytics/breakdown,
// getAnalyticsBreakdown). An empty By is refused before sending
// (ErrInvalidArgument).
func (c *Client) GetAnalyticsBreakdown(ctx context.Context, p AnalyticsBreakdownParams) (*AnalyticsBreakdown, error) {
	if p.By == "" {
		return nil, fmt.Errorf("%w: the breakdown dimension (By) is empty", ErrInvalidArgument)
	}
	q := url.Values{}
	q.Set("by", string(p.By))
	p.set(q)
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Source != "" {
		q.Set("source", p.Source)
	}
	if p.EventType != "" {
		q.Set("event_type", p.EventType)
	}
	var b AnalyticsBreakdown
	if _, err := c.call(ctx, http.MethodGet, "/v1/analytics/breakdown", q, nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// ExportAnalytics returns every non-empty bucket of a range, oldest first,
// as JSON (GET /v1/analytics/export?format=json, exportAnalytics). The
// whole export is decoded in memory; ExportAnalyticsCSV streams it.
func (c *Client) ExportAnalytics(ctx context.Context, p AnalyticsExportParams) (*AnalyticsExport, error) {
	var e AnalyticsExport
	if _, err := c.call(ctx, http.MethodGet, "/v1/analytics/export", p.values("json"), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// ExportAnalyticsCSV streams the same export as CSV (GET
// /v1/analytics/export?format=csv, exportAnalytics): a header line, then one
// line per bucket (RFC 4180; the columns of AnalyticsExportRow in order,
// empty cells for null). The body is read as the service sends it, so any
// range fits in constant memory; the caller must Close it. The context (and
// WithTimeout's deadline) covers the whole read: cancelling it ends the
// stream with the context's error.
//
// An error status is an *APIError, as for every method; a success that is
// not text/csv is an error too (nothing to read).
//
//	body, err := client.ExportAnalyticsCSV(ctx, triggers.AnalyticsExportParams{Bucket: triggers.BucketDay})
//	if err != nil {
//		return err
//	}
//	defer body.Close()
//	r := csv.NewReader(body)
//	for {
//		record, err := r.Read()
//		if err == io.EOF {
//			break
//		}
//		...
//	}
func (c *Client) ExportAnalyticsCSV(ctx context.Context, p AnalyticsExportParams) (io.ReadCloser, error) {
	const path = "/v1/analytics/export"
	resp, cancel, err := c.open(ctx, http.MethodGet, path, p.values("csv"), nil, "text/csv")
	if err != nil {
		cancel()
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/csv" {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("triggers: GET %s: the %d response is %q, not text/csv", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &streamBody{ReadCloser: resp.Body, cancel: cancel}, nil
}

// streamBody is a response body that ends the call's deadline when closed.
type streamBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *streamBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// ---- service ----

// Health reports whether the service is up (GET /healthz, health; no
// authentication needed).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if _, err := c.call(ctx, http.MethodGet, "/healthz", nil, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// OpenAPI fetches the service's OpenAPI document (GET /openapi.json,
// getOpenApi).
func (c *Client) OpenAPI(ctx context.Context) (*OpenAPIDocument, error) {
	var raw json.RawMessage
	if _, err := c.call(ctx, http.MethodGet, "/openapi.json", nil, nil, &raw); err != nil {
		return nil, err
	}
	doc := OpenAPIDocument{Raw: raw}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("triggers: GET /openapi.json: decoding: %w", err)
	}
	return &doc, nil
}
