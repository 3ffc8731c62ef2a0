package triggers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Tests against the real service: sdks/go/test.sh runs them through
// scripts/with-service.sh, which starts triggers-service on 127.0.0.1 and
// sets TRIGGERS_TEST_*. Without TRIGGERS_TEST_BASE_URL they are skipped.

type liveEnv struct {
	base, adminKey, keyID, signingSecret, bin, dataDir string
}

func live(t *testing.T) liveEnv {
	t.Helper()
	e := liveEnv{
		base:          os.Getenv("TRIGGERS_TEST_BASE_URL"),
		adminKey:      os.Getenv("TRIGGERS_TEST_ADMIN_KEY"),
		keyID:         os.Getenv("TRIGGERS_TEST_KEY_ID"),
		signingSecret: os.Getenv("TRIGGERS_TEST_SIGNING_SECRET"),
		bin:           os.Getenv("TRIGGERS_TEST_SERVICE_BIN"),
		dataDir:       os.Getenv("TRIGGERS_TEST_DATA_DIR"),
	}
	if e.base == "" {
		t.Skip("TRIGGERS_TEST_BASE_URL is not set: run sdks/go/test.sh (scripts/with-service.sh) for the tests against the service")
	}
	if e.adminKey == "" || e.keyID == "" || e.signingSecret == "" {
		t.Fatal("TRIGGERS_TEST_BASE_URL is set but TRIGGERS_TEST_ADMIN_KEY, _KEY_ID or _SIGNING_SECRET is not")
	}
	return e
}

func (e liveEnv) client(t *testing.T, apiKey string, opts ...ClientOption) *Client {
	t.Helper()
	c, err := NewClient(e.base, apiKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e liveEnv) admin(t *testing.T, opts ...ClientOption) *Client {
	return e.client(t, e.adminKey, opts...)
}

// testCtx bounds a test's calls (a safety net, not a timing assertion).
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func unique(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func wantAPIError(t *testing.T, err error, status int, code string) *APIError {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want *APIError %d %s, got %T %v", status, code, err, err)
	}
	if ae.StatusCode != status || ae.Code != code || ae.Message == "" || ae.RequestID == "" || len(ae.Body) == 0 {
		t.Fatalf("want %d %s, got %d %q (message %q, request id %q)", status, code, ae.StatusCode, ae.Code, ae.Message, ae.RequestID)
	}
	return ae
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// countingTransport counts the requests sent through it.
type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestLiveHealthAndOpenAPI(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	c := e.client(t, "") // no authentication needed
	h, err := c.Health(ctx)
	if err != nil || h.Status != "ok" {
		t.Fatalf("health: %+v %v", h, err)
	}
	doc, err := c.OpenAPI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var paths map[string]json.RawMessage
	if err := json.Unmarshal(doc.Paths, &paths); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(paths) != len(loadOpenAPI(t).Paths) || len(doc.Raw) < 1000 {
		t.Fatalf("served document: openapi %q, %d paths (docs/openapi.json has %d)", doc.OpenAPI, len(paths), len(loadOpenAPI(t).Paths))
	}
}

func TestLiveEvents(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	c := e.admin(t)
	source := unique("go-events-")
	payload := json.RawMessage(`{"total": 12.50, "items":[1, 2], "name":"café"}`)

	idem := unique("idem-")
	ev, err := c.CreateEvent(ctx, CreateEventRequest{Source: source, EventType: "order.created", Payload: payload, IdempotencyKey: idem})
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventID == "" || ev.Source != source || ev.EventType != "order.created" || ev.Status != EventPending ||
		ev.IdempotencyKey != idem || ev.AckedAt != nil || ev.IdempotentReplay || time.Since(ev.ReceivedAt) > time.Hour {
		t.Fatalf("created %+v", ev)
	}
	if !bytes.Equal(ev.Payload, payload) {
		t.Fatalf("payload %s, want %s byte for byte", ev.Payload, payload)
	}

	again, err := c.CreateEvent(ctx, CreateEventRequest{Source: source, EventType: "order.created", Payload: payload, IdempotencyKey: idem})
	if err != nil || again.EventID != ev.EventID || !again.IdempotentReplay {
		t.Fatalf("idempotent retry: %+v %v", again, err)
	}
	_, err = c.CreateEvent(ctx, CreateEventRequest{Source: source, EventType: "order.created", Payload: map[string]int{"other": 1}, IdempotencyKey: idem})
	wantAPIError(t, err, 409, "idempotency_key_reused")

	got, err := c.GetEvent(ctx, ev.EventID)
	if err != nil || got.EventID != ev.EventID || !got.ReceivedAt.Equal(ev.ReceivedAt) {
		t.Fatalf("get: %+v %v", got, err)
	}

	page, err := c.ListInbox(ctx, InboxParams{Source: source})
	if err != nil || len(page.Events) != 1 || page.Events[0].EventID != ev.EventID || page.NextCursor != "" {
		t.Fatalf("inbox: %+v %v", page, err)
	}
	if page, err := c.ListInbox(ctx, InboxParams{Source: source, EventType: "other.type"}); err != nil || len(page.Events) != 0 {
		t.Fatalf("inbox filtered by type: %+v %v", page, err)
	}

	acked, err := c.AckEvent(ctx, ev.EventID)
	if err != nil || acked.Status != EventAcknowledged || acked.AckedAt == nil {
		t.Fatalf("ack: %+v %v", acked, err)
	}
	if page, err := c.ListInbox(ctx, InboxParams{Source: source}); err != nil || len(page.Events) != 0 {
		t.Fatalf("inbox after ack: %+v %v", page, err)
	}
}

func TestLiveErrorMapping(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	c := e.admin(t)

	_, err := c.GetEvent(ctx, "not-a-uuid")
	wantAPIError(t, err, 400, "invalid_event_id")

	_, err = c.GetEvent(WithRequestID(ctx, "go-sdk-test-404"), "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b")
	ae := wantAPIError(t, err, 404, "not_found")
	if ae.RequestID != "go-sdk-test-404" || ae.Header.Get("X-Request-Id") != "go-sdk-test-404" {
		t.Fatalf("request id %q", ae.RequestID)
	}
	if !errors.Is(err, &APIError{Code: "not_found"}) || !errors.Is(err, &APIError{Code: "not_found", StatusCode: 404}) ||
		errors.Is(err, &APIError{Code: "not_found", StatusCode: 400}) || !HasAPICode(err, "not_found") || HasAPICode(err, "forbidden") {
		t.Fatal("errors.Is / HasAPICode")
	}
	if !strings.Contains(err.Error(), "404 not_found") {
		t.Fatalf("message %q", err)
	}

	_, err = c.CreateEvent(ctx, CreateEventRequest{Source: "", EventType: "x", Payload: map[string]any{}})
	wantAPIError(t, err, 400, "invalid_field")
	_, err = c.CreateEvent(ctx, CreateEventRequest{Source: "s", EventType: "x", Payload: []int{1}})
	wantAPIError(t, err, 400, "invalid_field")
	_, err = c.ListInbox(ctx, InboxParams{Limit: 501})
	wantAPIError(t, err, 400, "invalid_query")
	_, err = c.ListInbox(ctx, InboxParams{Cursor: "not a cursor"})
	wantAPIError(t, err, 400, "invalid_cursor")
	_, err = c.GetWebhook(ctx, "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b")
	wantAPIError(t, err, 404, "webhook_not_found")
	_, err = c.ReplayDeadLetter(ctx, "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b")
	wantAPIError(t, err, 404, "dead_letter_not_found")
	_, err = c.GetAPIKey(ctx, "key_0000000000000000")
	wantAPIError(t, err, 404, "not_found")

	_, err = e.client(t, "trgk_"+strings.Repeat("x", 54)).ListInbox(ctx, InboxParams{})
	wantAPIError(t, err, 401, "invalid_api_key")
	_, err = e.client(t, "").ListInbox(ctx, InboxParams{})
	wantAPIError(t, err, 401, "missing_api_key")

	// Caught before sending.
	for name, err := range map[string]error{
		"empty event id":   func() error { _, err := c.GetEvent(ctx, ""); return err }(),
		"empty webhook id": c.DeleteWebhook(ctx, ""),
		"bulk without id":  func() error { _, err := c.ReplayDeadLetters(ctx, BulkReplayRequest{}); return err }(),
		"both max retries": func() error {
			_, err := c.UpdateWebhook(ctx, "x", UpdateWebhookRequest{MaxRetries: new(int), DefaultMaxRetries: true})
			return err
		}(),
	} {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNewClientRefusesBadArguments(t *testing.T) {
	for _, base := range []string{"", "127.0.0.1:8080", "ftp://h", "http://", "http://h/?q=1", "http://h/#f", "http://h/\x7f", ":"} {
		if _, err := NewClient(base, "k"); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("base %q: %v", base, err)
		}
	}
	if _, err := NewClient("http://h", "trgk_a\r\nX-Evil: 1"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("api key with CRLF: %v", err)
	}
	if _, err := NewClient("http://h", "k", WithUserAgent("a\nb")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("user agent with LF: %v", err)
	}
	if _, err := NewClient("http://h", "k", WithTimeout(-time.Second)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative timeout: %v", err)
	}
	if _, err := NewClient("http://h", "k", WithSigning("key_x", nil)); !HasCode(err, CodeInvalidSecret) {
		t.Errorf("empty signing secret: %v", err)
	}
	if _, err := NewClient("http://h", "k", WithSigning("bad key id", []byte("s"))); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad key id: %v", err)
	}
	hc := &http.Client{Timeout: time.Minute}
	if _, err := NewClient("https://h.example/prefix/", "k", WithHTTPClient(hc), WithSigning("", []byte("s"))); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || hc.Timeout != time.Minute {
		t.Fatal("WithSigning modified the caller's http.Client")
	}
}

// A base URL with a path prefix is kept, and the path escaping is the
// client's: an id with reserved characters stays one segment.
func TestClientBaseURLPrefixAndEscaping(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.RequestURI+" "+r.Header.Get("Authorization")+" "+r.Header.Get("User-Agent"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"webhooks":[],"next_cursor":null}`))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL+"/api/", "trgk_k", WithUserAgent("my-app/1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, _ = c.GetWebhook(ctx, "a/b?c#d é")
	_, _ = c.ListWebhooks(ctx, ListParams{Limit: 5, Cursor: "x&y=z"})
	want := []string{
		"/api/v1/webhooks/a%2Fb%3Fc%23d%20%C3%A9 Bearer trgk_k my-app/1",
		"/api/v1/webhooks?cursor=x%26y%3Dz&limit=5 Bearer trgk_k my-app/1",
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

func TestClientTransportErrors(t *testing.T) {
	// A closed port on 127.0.0.1.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, _ := NewClient("http://"+addr, "k")
	_, err = c.Health(context.Background())
	var opErr *net.OpError
	var ae *APIError
	if !errors.As(err, &opErr) || !errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &ae) {
		t.Fatalf("closed port: %T %v", err, err)
	}

	// Cancelled and expired contexts against a server that never answers.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}))
	defer srv.Close()
	defer close(block)

	c, _ = NewClient(srv.URL, "k")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Health(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := c.ListInbox(ctx, InboxParams{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Health(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller's deadline: %v", err)
	}
	c, _ = NewClient(srv.URL, "k", WithTimeout(50*time.Millisecond))
	if _, err := c.Health(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WithTimeout: %v", err)
	}
	var nilCtx context.Context
	if _, err := c.Health(nilCtx); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil context: %v", err)
	}
}

// A non-JSON error page (a proxy's, say) still gives an *APIError.
func TestClientNonEnvelopeErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "proxy-1")
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, "k")
	_, err := c.Health(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 502 || ae.Code != "" || ae.Message != "Bad Gateway" ||
		ae.RequestID != "proxy-1" || !bytes.Contains(ae.Body, []byte("bad gateway")) {
		t.Fatalf("%#v", ae)
	}
}

func TestLivePagination(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	counter := &countingTransport{base: http.DefaultTransport}
	c := e.admin(t, WithHTTPClient(&http.Client{Transport: counter}))
	source := unique("go-pages-")
	var created []string
	for i := 0; i < 5; i++ {
		ev, err := c.CreateEvent(ctx, CreateEventRequest{Source: source, EventType: "page.test", Payload: map[string]int{"i": i}})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, ev.EventID)
	}

	first, err := c.ListInbox(ctx, InboxParams{Source: source, Limit: 2})
	if err != nil || len(first.Events) != 2 || first.NextCursor == "" {
		t.Fatalf("first page: %+v %v", first, err)
	}
	counter.n.Store(0)
	var seen []string
	for ev, err := range c.Inbox(ctx, InboxParams{Source: source, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ev.EventID)
	}
	if pages := counter.n.Load(); pages != 3 {
		t.Fatalf("5 events in pages of 2 took %d requests", pages)
	}
	slices.Sort(seen)
	slices.Sort(created)
	if !slices.Equal(seen, created) {
		t.Fatalf("iterated %v, created %v", seen, created)
	}

	// Stopping early fetches no further page.
	counter.n.Store(0)
	n := 0
	for _, err := range c.Inbox(ctx, InboxParams{Source: source, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if pages := counter.n.Load(); pages != 2 {
		t.Fatalf("3 items in pages of 2: %d requests", pages)
	}

	// A failing page ends the iteration with its error.
	var errs []error
	for _, err := range c.Inbox(ctx, InboxParams{Cursor: "garbage"}) {
		errs = append(errs, err)
	}
	if len(errs) != 1 {
		t.Fatalf("%d items after a failing page", len(errs))
	}
	wantAPIError(t, errs[0], 400, "invalid_cursor")

	// API keys over more than one page.
	for i := 0; i < 2; i++ {
		if _, err := c.CreateAPIKey(ctx, CreateAPIKeyRequest{Name: unique("go-page-key-")}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := c.ListAPIKeys(ctx, ListParams{Limit: 100})
	if err != nil || len(all.APIKeys) < 3 {
		t.Fatalf("keys: %+v %v", all, err)
	}
	counter.n.Store(0)
	var ids []string
	for k, err := range c.APIKeys(ctx, ListParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, k.KeyID)
	}
	if len(ids) < len(all.APIKeys) || int(counter.n.Load()) < len(all.APIKeys) {
		t.Fatalf("iterated %d keys in %d requests; one page of 100 has %d", len(ids), counter.n.Load(), len(all.APIKeys))
	}
}

func TestLiveAPIKeys(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	c := e.admin(t)
	name := unique("go-key-")
	k, err := c.CreateAPIKey(ctx, CreateAPIKeyRequest{Name: name, Role: RoleStandard})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^key_[0-9A-Za-z]{16}$`).MatchString(k.KeyID) || k.Name != name || k.Role != RoleStandard ||
		k.RequireSignature || k.Status != KeyActive || k.CurrentVersion != 1 || k.Version.Version != 1 ||
		!strings.HasPrefix(string(k.Key), "trgk_") || !strings.HasPrefix(string(k.SigningSecret), "trgs_") {
		t.Fatalf("created %+v (key %d bytes)", k, len(k.Key))
	}

	got, err := c.GetAPIKey(ctx, k.KeyID)
	if err != nil || got.KeyID != k.KeyID || got.Name != name || got.RevokedAt != nil {
		t.Fatalf("get: %+v %v", got, err)
	}
	found := false
	for item, err := range c.APIKeys(ctx, ListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || item.KeyID == k.KeyID
	}
	if !found {
		t.Fatal("the new key is not listed")
	}

	// A standard key reaches events, not the admin endpoints.
	std := e.client(t, string(k.Key))
	if _, err := std.ListInbox(ctx, InboxParams{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = std.ListWebhooks(ctx, ListParams{})
	wantAPIError(t, err, 403, "forbidden")

	transition := 3600
	rot, err := c.RotateAPIKey(ctx, k.KeyID, RotateAPIKeyRequest{TransitionSeconds: &transition})
	if err != nil {
		t.Fatal(err)
	}
	if rot.KeyID != k.KeyID || rot.CurrentVersion != 2 || rot.Version.Version != 2 || rot.Key == k.Key ||
		len(rot.PreviousVersions) != 1 || rot.PreviousVersions[0].Status != VersionRotating || rot.PreviousVersions[0].ExpiresAt == nil {
		t.Fatalf("rotated %+v", rot)
	}
	versions, err := c.ListAPIKeyVersions(ctx, k.KeyID)
	if err != nil || versions.KeyID != k.KeyID || len(versions.Versions) != 2 {
		t.Fatalf("versions: %+v %v", versions, err)
	}
	statuses := map[int]APIKeyVersionStatus{}
	for _, v := range versions.Versions {
		statuses[v.Version] = v.Status
	}
	if statuses[1] != VersionRotating || statuses[2] != VersionActive {
		t.Fatalf("statuses %v", statuses)
	}
	// Both versions authenticate during the transition.
	for _, key := range []Secret{k.Key, rot.Key} {
		if _, err := e.client(t, string(key)).ListInbox(ctx, InboxParams{Limit: 1}); err != nil {
			t.Fatalf("version during the transition: %v", err)
		}
	}

	revoked, err := c.RevokeAPIKey(ctx, k.KeyID)
	if err != nil || revoked.Status != KeyRevoked || revoked.RevokedAt == nil {
		t.Fatalf("revoke: %+v %v", revoked, err)
	}
	_, err = e.client(t, string(rot.Key)).ListInbox(ctx, InboxParams{})
	wantAPIError(t, err, 401, "key_revoked")
}

func TestLiveSignedRequests(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	k, err := e.admin(t).CreateAPIKey(ctx, CreateAPIKeyRequest{Name: unique("go-signed-"), Role: RoleAdmin, RequireSignature: true})
	if err != nil {
		t.Fatal(err)
	}
	if !k.RequireSignature {
		t.Fatalf("created %+v", k)
	}

	unsigned := e.client(t, string(k.Key))
	_, err = unsigned.ListInbox(ctx, InboxParams{})
	wantAPIError(t, err, 401, "signature_required")

	signed := e.client(t, string(k.Key), WithSigning(k.KeyID, []byte(k.SigningSecret)))
	source := unique("go signed/é?&=+ ")
	ev, err := signed.CreateEvent(ctx, CreateEventRequest{Source: source, EventType: "signed.test", Payload: map[string]string{"x": "é"}})
	if err != nil {
		t.Fatal(err)
	}
	// A query with reserved and non-ASCII characters.
	page, err := signed.ListInbox(ctx, InboxParams{Source: source, EventType: "signed.test", Limit: 10})
	if err != nil || len(page.Events) != 1 || page.Events[0].EventID != ev.EventID {
		t.Fatalf("signed inbox: %+v %v", page, err)
	}
	if _, err := signed.AckEvent(ctx, ev.EventID); err != nil {
		t.Fatal(err)
	}
	// A path with reserved and non-ASCII characters: the signature verifies,
	// so the service gets as far as looking the webhook up.
	_, err = signed.GetWebhook(ctx, "a/b:c@d é?x=1")
	wantAPIError(t, err, 404, "webhook_not_found")
	// Every resource family answers a signed call.
	if _, err := signed.ListAPIKeyVersions(ctx, k.KeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := signed.ListDeadLetters(ctx, DeadLetterParams{Since: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// The wrong secret, and the admin key's secret with this key, fail.
	for _, secret := range []string{"trgs_wrong", e.signingSecret} {
		_, err = e.client(t, string(k.Key), WithSigning(k.KeyID, []byte(secret))).ListInbox(ctx, InboxParams{})
		wantAPIError(t, err, 401, "signature_mismatch")
	}
	// The bootstrap admin key, signed with its own secret.
	if _, err := e.admin(t, WithSigning(e.keyID, []byte(e.signingSecret))).ListInbox(ctx, InboxParams{Limit: 1}); err != nil {
		t.Fatal(err)
	}
}

// The service accepts each signature once; identical requests signed in the
// same second share a signature. The Client signs such a request again in
// the next second; a bare SigningTransport with a frozen clock shows why.
func TestLiveReplayedSignatures(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	frozen := time.Now()
	st, err := NewSigningTransport(nil, e.keyID, []byte(e.signingSecret), WithClock(func() time.Time { return frozen }))
	if err != nil {
		t.Fatal(err)
	}
	c := e.admin(t, WithHTTPClient(&http.Client{Transport: st}))
	if _, err := c.ListInbox(ctx, InboxParams{Limit: 3}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListInbox(ctx, InboxParams{Limit: 3})
	wantAPIError(t, err, 401, "replayed_signature")

	signed := e.admin(t, WithSigning(e.keyID, []byte(e.signingSecret)))
	for i := 0; i < 3; i++ {
		if _, err := signed.ListInbox(ctx, InboxParams{Limit: 4}); err != nil {
			t.Fatalf("identical signed call %d: %v", i, err)
		}
	}
}

func TestLiveAccountsAreIsolated(t *testing.T) {
	e := live(t)
	if e.bin == "" || e.dataDir == "" {
		t.Fatal("TRIGGERS_TEST_SERVICE_BIN and TRIGGERS_TEST_DATA_DIR are needed")
	}
	ctx := testCtx(t)
	out, err := exec.CommandContext(ctx, e.bin, "keys", "create", "--name", "go-other", "--account", unique("acct_go_"),
		"--admin", "--data-dir", e.dataDir).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	m := regexp.MustCompile(`(?m)^api_key:\s+(trgk_\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatal("keys create printed no api_key line")
	}
	other := e.client(t, string(m[1]))
	ev, err := e.admin(t).CreateEvent(ctx, CreateEventRequest{Source: unique("go-iso-"), EventType: "iso", Payload: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.GetEvent(ctx, ev.EventID)
	wantAPIError(t, err, 404, "not_found")
	_, err = other.AckEvent(ctx, ev.EventID)
	wantAPIError(t, err, 404, "not_found")
}

// liveReceiver is a loopback webhook receiver behind WebhookHandler, started
// once the webhook (and so its secret) exists.
type liveReceiver struct {
	srv    *httptest.Server
	status atomic.Int32 // what next answers
	mu     sync.Mutex
	got    []capturedDelivery
}

type capturedDelivery struct {
	header http.Header
	body   []byte
	event  *WebhookEvent
}

func newLiveReceiver(t *testing.T) *liveReceiver {
	r := &liveReceiver{srv: httptest.NewUnstartedServer(nil)}
	r.status.Store(http.StatusNoContent)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *liveReceiver) url() string {
	return "http://" + r.srv.Listener.Addr().String() + "/hooks/triggers"
}

func (r *liveReceiver) start(t *testing.T, secrets []string) {
	t.Helper()
	h, err := WebhookHandler(secrets, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		d, _ := WebhookFromContext(req.Context())
		ev, err := d.Event()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, capturedDelivery{req.Header.Clone(), d.Body, ev})
		r.mu.Unlock()
		w.WriteHeader(int(r.status.Load()))
	}))
	if err != nil {
		t.Fatal(err)
	}
	r.srv.Config.Handler = h
	r.srv.Start()
}

func (r *liveReceiver) find(pred func(capturedDelivery) bool) (capturedDelivery, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.got {
		if pred(d) {
			return d, true
		}
	}
	return capturedDelivery{}, false
}

func (r *liveReceiver) count(eventID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, d := range r.got {
		if d.event.ID == eventID {
			n++
		}
	}
	return n
}

func TestLiveWebhooks(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	c := e.admin(t)
	rc := newLiveReceiver(t)
	prefix := unique("gosdk")
	active := true
	wh, err := c.CreateWebhook(ctx, CreateWebhookRequest{
		URL: rc.url(), Events: []string{prefix + ".*"}, Description: "go sdk test", IsActive: &active,
	})
	if err != nil {
		t.Fatal(err)
	}
	if wh.WebhookID == "" || wh.URL != rc.url() || !slices.Equal(wh.Events, []string{prefix + ".*"}) || !wh.IsActive ||
		wh.Description != "go sdk test" || wh.MaxRetries != nil || wh.SecretVersion != 1 || !strings.HasPrefix(string(wh.Secret), "whsec_") {
		t.Fatalf("created %+v", wh)
	}
	rc.start(t, []string{string(wh.Secret)})

	got, err := c.GetWebhook(ctx, wh.WebhookID)
	if err != nil || got.WebhookID != wh.WebhookID || !got.CreatedAt.Equal(wh.CreatedAt) {
		t.Fatalf("get: %+v %v", got, err)
	}
	listed := false
	for w, err := range c.Webhooks(ctx, ListParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = listed || w.WebhookID == wh.WebhookID
	}
	if !listed {
		t.Fatal("the webhook is not listed")
	}

	desc, retries := "changed", 5
	up, err := c.UpdateWebhook(ctx, wh.WebhookID, UpdateWebhookRequest{Description: &desc, MaxRetries: &retries})
	if err != nil || up.Description != "changed" || up.MaxRetries == nil || *up.MaxRetries != 5 || up.URL != rc.url() {
		t.Fatalf("update: %+v %v", up, err)
	}
	up, err = c.UpdateWebhook(ctx, wh.WebhookID, UpdateWebhookRequest{DefaultMaxRetries: true})
	if err != nil || up.MaxRetries != nil || up.Description != "changed" {
		t.Fatalf("back to the default retries: %+v %v", up, err)
	}
	_, err = c.UpdateWebhook(ctx, wh.WebhookID, UpdateWebhookRequest{Events: []string{"bad*pattern"}})
	wantAPIError(t, err, 400, "invalid_events")

	// A test send reaches the receiver, verified.
	res, err := c.TestWebhook(ctx, wh.WebhookID)
	if err != nil || !res.Success || res.StatusCode == nil || *res.StatusCode != 204 || res.Failure != nil {
		t.Fatalf("test send: %+v %v", res, err)
	}
	if _, ok := rc.find(func(d capturedDelivery) bool {
		return d.event.Type == "webhook.test" && d.header.Get(HeaderWebhookID) == res.MsgID
	}); !ok {
		t.Fatal("the receiver did not get the test event")
	}

	// A real event is delivered, its data byte for byte.
	payload := json.RawMessage(`{"order_id": 42, "total": 12.50}`)
	ev, err := c.CreateEvent(ctx, CreateEventRequest{Source: "go-sdk", EventType: prefix + ".created", Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the delivery", func() bool { return rc.count(ev.EventID) > 0 })
	d, _ := rc.find(func(d capturedDelivery) bool { return d.event.ID == ev.EventID })
	if d.event.Type != prefix+".created" || d.event.Source != "go-sdk" || !bytes.Equal(d.event.Data, payload) ||
		d.header.Get(HeaderWebhookID) != "msg_"+strings.ReplaceAll(ev.EventID, "-", "") {
		t.Fatalf("delivered %+v with id %q", d.event, d.header.Get(HeaderWebhookID))
	}

	// The same delivery replayed to the receiver passes; tampered, it is refused.
	replay := func(body []byte) (int, string) {
		return post(t, rc.url(), http.Header{
			"Webhook-Id":        d.header.Values(HeaderWebhookID),
			"Webhook-Timestamp": d.header.Values(HeaderWebhookTimestamp),
			"Webhook-Signature": d.header.Values(HeaderWebhookSignature),
		}, body)
	}
	if status, code := replay(d.body); status != 204 {
		t.Fatalf("intact copy: %d %s", status, code)
	}
	tampered := bytes.Replace(d.body, []byte("12.50"), []byte("0.01"), 1)
	if bytes.Equal(tampered, d.body) {
		t.Fatal("premise: the body holds 12.50")
	}
	if status, code := replay(tampered); status != 401 || code != CodeSignatureMismatch {
		t.Fatalf("tampered copy: %d %s", status, code)
	}
	if rc.count(ev.EventID) != 2 {
		t.Fatalf("the receiver's handler ran %d times for the event (want 2: delivery and intact copy)", rc.count(ev.EventID))
	}

	// The attempt log.
	var attempt *Attempt
	waitFor(ctx, t, "the attempt log", func() bool {
		for a, err := range c.WebhookDeliveries(ctx, wh.WebhookID, ListParams{Limit: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			if a.Success && a.StatusCode != nil && *a.StatusCode == 204 {
				attempt = &a
				return true
			}
		}
		return false
	})
	if attempt.Attempt != 1 || attempt.DeliveryID == "" || attempt.Failure != nil || attempt.AttemptedAt.IsZero() {
		t.Fatalf("attempt %+v", attempt)
	}

	// Rotating the secret: deliveries carry both signatures during the
	// transition, so the receiver that knows only the old one still passes.
	transition := 600
	rot, err := c.RotateWebhookSecret(ctx, wh.WebhookID, RotateWebhookSecretRequest{TransitionSeconds: &transition})
	if err != nil || rot.SecretVersion != 2 || rot.Secret == wh.Secret || rot.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotate: %+v %v", rot, err)
	}
	res, err = c.TestWebhook(ctx, wh.WebhookID)
	if err != nil || !res.Success {
		t.Fatalf("test send after the rotation: %+v %v", res, err)
	}
	td, ok := rc.find(func(d capturedDelivery) bool { return d.header.Get(HeaderWebhookID) == res.MsgID })
	if !ok || len(strings.Fields(td.header.Get(HeaderWebhookSignature))) != 2 {
		t.Fatalf("signature header during the rotation: %q", td.header.Get(HeaderWebhookSignature))
	}
	if err := VerifyWebhook(td.header, td.body, []string{string(rot.Secret)}); err != nil {
		t.Fatalf("the new secret does not verify: %v", err)
	}

	if err := c.DeleteWebhook(ctx, wh.WebhookID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetWebhook(ctx, wh.WebhookID)
	wantAPIError(t, err, 404, "webhook_not_found")
	err = c.DeleteWebhook(ctx, wh.WebhookID)
	wantAPIError(t, err, 404, "webhook_not_found")
}

func TestLiveDeadLetters(t *testing.T) {
	e := live(t)
	ctx := testCtx(t)
	c := e.admin(t)
	rc := newLiveReceiver(t)
	rc.status.Store(http.StatusInternalServerError)
	prefix := unique("godead")
	zero := 0
	wh, err := c.CreateWebhook(ctx, CreateWebhookRequest{URL: rc.url(), Events: []string{prefix + ".*"}, MaxRetries: &zero})
	if err != nil {
		t.Fatal(err)
	}
	rc.start(t, []string{string(wh.Secret)})
	since := time.Now().Add(-time.Minute)

	deadLetterOf := func(eventID string) *DeadLetter {
		var found *DeadLetter
		waitFor(ctx, t, "the dead letter of "+eventID, func() bool {
			for dl, err := range c.DeadLetters(ctx, DeadLetterParams{WebhookID: wh.WebhookID, Since: since, Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				if dl.EventID == eventID && dl.ReplayedAt == nil {
					found = &dl
					return true
				}
			}
			return false
		})
		return found
	}

	ev, err := c.CreateEvent(ctx, CreateEventRequest{Source: "go-sdk", EventType: prefix + ".failed", Payload: map[string]int{"n": 1}})
	if err != nil {
		t.Fatal(err)
	}
	dl := deadLetterOf(ev.EventID)
	if dl.Reason != ReasonRetriesExhausted || dl.Attempts != 1 || dl.LastStatusCode == nil || *dl.LastStatusCode != 500 ||
		dl.WebhookID != wh.WebhookID || dl.EventType != prefix+".failed" || dl.MsgID != "msg_"+strings.ReplaceAll(ev.EventID, "-", "") {
		t.Fatalf("dead letter %+v", dl)
	}
	// Filters: nothing before since-1h..since.
	if page, err := c.ListDeadLetters(ctx, DeadLetterParams{WebhookID: wh.WebhookID, Until: since}); err != nil || len(page.DeadLetters) != 0 {
		t.Fatalf("until filter: %+v %v", page, err)
	}

	// Fixed receiver: replay one.
	rc.status.Store(http.StatusNoContent)
	r, err := c.ReplayDeadLetter(ctx, dl.DeliveryID)
	if err != nil || !r.Replayed || r.DeliveryID != dl.DeliveryID {
		t.Fatalf("replay: %+v %v", r, err)
	}
	waitFor(ctx, t, "the replayed delivery", func() bool { return rc.count(ev.EventID) >= 2 })
	_, err = c.ReplayDeadLetter(ctx, dl.DeliveryID)
	wantAPIError(t, err, 409, "already_replayed")

	// Broken again: a second dead letter, replayed in bulk.
	rc.status.Store(http.StatusInternalServerError)
	ev2, err := c.CreateEvent(ctx, CreateEventRequest{Source: "go-sdk", EventType: prefix + ".failed", Payload: map[string]int{"n": 2}})
	if err != nil {
		t.Fatal(err)
	}
	deadLetterOf(ev2.EventID)
	rc.status.Store(http.StatusNoContent)
	until := time.Now().Add(time.Minute)
	bulk, err := c.ReplayDeadLetters(ctx, BulkReplayRequest{WebhookID: wh.WebhookID, Since: &since, Until: &until})
	if err != nil || bulk.WebhookID != wh.WebhookID || bulk.Replayed != 1 || bulk.Skipped != 1 || bulk.Truncated {
		t.Fatalf("bulk replay: %+v %v", bulk, err)
	}
	waitFor(ctx, t, "the bulk-replayed delivery", func() bool { return rc.count(ev2.EventID) >= 2 })

	// Inactive webhook: replay refused.
	inactive := false
	if _, err := c.UpdateWebhook(ctx, wh.WebhookID, UpdateWebhookRequest{IsActive: &inactive}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ReplayDeadLetters(ctx, BulkReplayRequest{WebhookID: wh.WebhookID})
	wantAPIError(t, err, 409, "webhook_inactive")
}
