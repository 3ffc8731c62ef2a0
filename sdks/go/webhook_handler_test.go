package triggers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testWhsec    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	testWhsecOld = "whsec_dGhlIG9sZCBzZWNyZXQgb2YgdGhpcyB3ZWJob29r"
)

// receiver is a loopback server behind WebhookHandler that records what its
// next handler saw.
type receiver struct {
	*httptest.Server
	mu         sync.Mutex
	deliveries []*WebhookDelivery
	bodies     [][]byte
	refused    []error
}

func newReceiver(t *testing.T, secrets []string, opts ...WebhookHandlerOption) *receiver {
	t.Helper()
	rc := &receiver{}
	opts = append(opts, WithOnError(func(_ *http.Request, err error) {
		rc.mu.Lock()
		rc.refused = append(rc.refused, err)
		rc.mu.Unlock()
	}))
	h, err := WebhookHandler(secrets, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := WebhookFromContext(r.Context())
		body, _ := io.ReadAll(r.Body)
		if !ok {
			http.Error(w, "no delivery in the context", http.StatusInternalServerError)
			return
		}
		rc.mu.Lock()
		rc.deliveries = append(rc.deliveries, d)
		rc.bodies = append(rc.bodies, body)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}), opts...)
	if err != nil {
		t.Fatal(err)
	}
	rc.Server = httptest.NewServer(h)
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) snapshot() ([]*WebhookDelivery, [][]byte, []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*WebhookDelivery(nil), rc.deliveries...), append([][]byte(nil), rc.bodies...), append([]error(nil), rc.refused...)
}

// post sends body with the given webhook headers and decodes an error answer.
func post(t *testing.T, url string, h http.Header, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 400 {
		return resp.StatusCode, ""
	}
	var env struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Error.Message == "" ||
		resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("error answer %d is not the JSON envelope: %q (%v)", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, env.Error.Code
}

func webhookHeaders(t *testing.T, id string, ts time.Time, body []byte, secrets ...string) http.Header {
	t.Helper()
	sig, err := SignWebhook(id, ts, body, secrets...)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderWebhookID, id)
	h.Set(HeaderWebhookTimestamp, WebhookTimestamp(ts))
	h.Set(HeaderWebhookSignature, sig)
	return h
}

func TestWebhookHandlerPassesVerifiedDeliveries(t *testing.T) {
	rc := newReceiver(t, []string{testWhsec})
	body := []byte(`{"id":"0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b","type":"order.created","source":"shop","timestamp":"2026-11-24T21:45:24.242811Z","data":{"total": 12.50}}`)
	now := time.Now()
	status, code := post(t, rc.URL+"/hooks", webhookHeaders(t, "msg_1", now, body, testWhsec), body)
	if status != http.StatusNoContent {
		t.Fatalf("status %d %s", status, code)
	}
	ds, bodies, refused := rc.snapshot()
	if len(ds) != 1 || len(refused) != 0 {
		t.Fatalf("%d deliveries, %d refused", len(ds), len(refused))
	}
	d := ds[0]
	if d.ID != "msg_1" || d.Timestamp.Unix() != now.Unix() || !bytes.Equal(d.Body, body) || !bytes.Equal(bodies[0], body) {
		t.Fatalf("delivery %+v, restored body %q", d, bodies[0])
	}
	ev, err := d.Event()
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b" || ev.Type != "order.created" || ev.Source != "shop" ||
		string(ev.Data) != `{"total": 12.50}` || ev.Timestamp.Year() != 2026 {
		t.Fatalf("event %+v", ev)
	}
}

func TestWebhookHandlerAcceptsEitherSecretDuringARotation(t *testing.T) {
	body := []byte(`{}`)
	h := webhookHeaders(t, "msg_rot", time.Now(), body, testWhsec, testWhsecOld) // "v1,<new> v1,<old>"
	for _, secrets := range [][]string{{testWhsec}, {testWhsecOld}, {"whsec_" + strings.Repeat("A", 32), testWhsecOld}} {
		rc := newReceiver(t, secrets)
		if status, code := post(t, rc.URL, h, body); status != http.StatusNoContent {
			t.Fatalf("secrets %d: status %d %s", len(secrets), status, code)
		}
	}
}

func TestWebhookHandlerRefusals(t *testing.T) {
	body := []byte(`{"type":"order.created"}`)
	now := time.Now()
	good := webhookHeaders(t, "msg_2", now, body, testWhsec)
	without := func(name string) http.Header {
		h := good.Clone()
		h.Del(name)
		return h
	}
	cases := []struct {
		name   string
		h      http.Header
		body   []byte
		status int
		code   string
	}{
		{"tampered body", good, []byte(`{"type":"order.deleted"}`), 401, CodeSignatureMismatch},
		{"other secret", webhookHeaders(t, "msg_2", now, body, testWhsecOld), body, 401, CodeSignatureMismatch},
		{"other id", func() http.Header { h := good.Clone(); h.Set(HeaderWebhookID, "msg_3"); return h }(), body, 401, CodeSignatureMismatch},
		{"no signature", without(HeaderWebhookSignature), body, 401, CodeMissingHeader},
		{"no id", without(HeaderWebhookID), body, 401, CodeMissingHeader},
		{"stale", webhookHeaders(t, "msg_2", now.Add(-time.Hour), body, testWhsec), body, 401, CodeStaleTimestamp},
		{"future", webhookHeaders(t, "msg_2", now.Add(time.Hour), body, testWhsec), body, 401, CodeFutureTimestamp},
		{"v2 only", func() http.Header { h := good.Clone(); h.Set(HeaderWebhookSignature, "v2,abc"); return h }(), body, 401, CodeUnsupportedVersion},
		{"too large", good, bytes.Repeat([]byte("x"), 2048), 413, CodePayloadTooLarge},
	}
	rc := newReceiver(t, []string{testWhsec}, WithMaxBodyBytes(1024))
	for _, tc := range cases {
		status, code := post(t, rc.URL, tc.h, tc.body)
		if status != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, code, tc.status, tc.code)
		}
	}
	ds, _, refused := rc.snapshot()
	if len(ds) != 0 || len(refused) != len(cases) {
		t.Fatalf("next ran %d times, %d refusals reported", len(ds), len(refused))
	}
	var tooBig *http.MaxBytesError
	if !errors.As(refused[len(refused)-1], &tooBig) || !HasCode(refused[0], CodeSignatureMismatch) {
		t.Fatalf("reported errors: %v", refused)
	}
	// The same request is accepted when it is intact.
	if status, code := post(t, rc.URL, good, body); status != http.StatusNoContent {
		t.Fatalf("intact: %d %s", status, code)
	}
}

func TestWebhookHandlerClockAndTolerance(t *testing.T) {
	body := []byte(`{}`)
	signed := time.Unix(1_700_000_000, 0)
	h := webhookHeaders(t, "msg_c", signed, body, testWhsec)
	rc := newReceiver(t, []string{testWhsec}, WithVerifyOptions(
		WithClock(func() time.Time { return signed.Add(90 * time.Second) }), WithTolerance(time.Minute)))
	if status, code := post(t, rc.URL, h, body); status != 401 || code != CodeStaleTimestamp {
		t.Fatalf("90 s late with 60 s tolerance: %d %s", status, code)
	}
	rc2 := newReceiver(t, []string{testWhsec}, WithVerifyOptions(
		WithClock(func() time.Time { return signed.Add(90 * time.Second) }), WithTolerance(2*time.Minute)))
	if status, code := post(t, rc2.URL, h, body); status != http.StatusNoContent {
		t.Fatalf("90 s late with 120 s tolerance: %d %s", status, code)
	}
}

func TestWebhookHandlerConfigErrors(t *testing.T) {
	next := http.NotFoundHandler()
	for name, secrets := range map[string][]string{
		"none": nil, "empty": {""}, "not base64": {"whsec_!!!not-base64!!!"}, "one bad": {testWhsec, "whsec_%%%"},
	} {
		if _, err := WebhookHandler(secrets, next); !HasCode(err, CodeInvalidSecret) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := VerifyWebhooks(secrets); !HasCode(err, CodeInvalidSecret) {
			t.Errorf("%s (middleware): %v", name, err)
		}
	}
	if _, err := WebhookHandler([]string{testWhsec}, next, WithMaxBodyBytes(0)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("max body 0: %v", err)
	}
	mw, err := VerifyWebhooks([]string{testWhsec})
	if err != nil {
		t.Fatal(err)
	}
	// The middleware form refuses unsigned requests too.
	rec := httptest.NewRecorder()
	mw(next).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")))
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"code":"missing_header"`) {
		t.Fatalf("unsigned: %d %s", rec.Code, rec.Body)
	}
}
