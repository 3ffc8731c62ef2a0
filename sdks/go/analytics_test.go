package triggers

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The analytics methods against loopback servers (httptest): the query they
// send, what they decode, their errors, and the CSV export read as it
// arrives. Against the real service: TestLiveAnalytics.

const summaryJSON = `{
  "from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z",
  "events": {"total": 3, "ingest_latency": {"count": 3, "min_us": 100, "max_us": 900, "mean_us": 400.5,
             "p50_us": 301.2, "p90_us": 880.1, "p99_us": 899.9}},
  "api": {"requests": 5, "by_class": {"1xx": 0, "2xx": 4, "3xx": 0, "4xx": 1, "5xx": 0}, "errors": 1,
          "error_rate": 0.2, "client_error_rate": 0.2, "server_error_rate": 0},
  "deliveries": {"attempts": 0, "first_attempts": 0, "retries": 0, "succeeded": 0, "failed": 0, "dead_lettered": 0,
    "attempt_success_rate": null, "delivery_success_rate": null,
    "by_outcome": {"1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "other_status": 0, "timeout": 2, "dns": 0,
                   "connect": 0, "tls": 0, "protocol": 0, "blocked": 0},
    "dead_letters_by_reason": {"retries_exhausted": 1, "gone": 0, "blocked": 0, "webhook_inactive": 0},
    "ingest_to_delivery": {"count": 0, "min_us": null, "max_us": null, "mean_us": null, "p50_us": null,
                           "p90_us": null, "p99_us": null}}
}`

const (
	csvHeader = "start,end,events,ingest_latency_p50_us,ingest_latency_p90_us,ingest_latency_p99_us,api_requests,api_2xx,api_4xx,api_5xx,delivery_attempts,deliveries_succeeded,delivery_failures,retries,dead_letters,ingest_to_delivery_p50_us,ingest_to_delivery_p90_us,ingest_to_delivery_p99_us"
	csvRow1   = "2026-11-24T10:00:00Z,2026-11-24T11:00:00Z,1200,812.4,1530.9,4102.2,1250,1240,10,0,2400,2390,10,10,0,20311.8,35120.5,48001.2"
	csvRow2   = "2026-11-24T11:00:00Z,2026-11-24T12:00:00Z,7,,,,0,0,0,0,0,0,0,0,0,,,"
)

// recorder is a loopback server that records each request's URI and Accept
// header and answers with handle.
type recorder struct {
	*httptest.Server
	mu     sync.Mutex
	seen   []string // "RequestURI Accept"
	handle http.HandlerFunc
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen = append(r.seen, req.RequestURI+" "+req.Header.Get("Accept"))
		h := r.handle
		r.mu.Unlock()
		h(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) answer(status int, contentType, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handle = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Request-Id", "rid-analytics")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func (r *recorder) last(t *testing.T) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) == 0 {
		t.Fatal("nothing was sent")
	}
	return r.seen[len(r.seen)-1]
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func TestAnalyticsRequests(t *testing.T) {
	srv := newRecorder(t)
	c, err := NewClient(srv.URL+"/base", "trgk_k")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	berlin := time.FixedZone("CET", 3600)
	from := time.Date(2026, 11, 24, 1, 0, 0, 0, berlin) // 00:00 UTC
	to := time.Date(2026, 11, 25, 0, 0, 0, 250_000_000, time.UTC)

	srv.answer(200, "application/json", summaryJSON)
	s, err := c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{AnalyticsRange{From: from, To: to}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := srv.last(t), "/base/v1/analytics/summary?from=2026-11-24T00%3A00%3A00Z&to=2026-11-25T00%3A00%3A00.25Z application/json"; got != want {
		t.Errorf("sent %q, want %q", got, want)
	}
	if _, err := c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{}); err != nil {
		t.Fatal(err)
	}
	if got := srv.last(t); got != "/base/v1/analytics/summary application/json" {
		t.Errorf("no range: sent %q", got)
	}
	// Decoded: counts, rates, nulls as nil, the nested objects.
	if !s.From.Equal(from) || s.Events.Total != 3 || s.Events.IngestLatency.Count != 3 || *s.Events.IngestLatency.MinUS != 100 ||
		*s.Events.IngestLatency.P99US != 899.9 || s.API.ByClass.Class2xx != 4 || s.API.ByClass.Class4xx != 1 ||
		*s.API.ErrorRate != 0.2 || *s.API.ServerErrorRate != 0 || s.Deliveries.AttemptSuccessRate != nil ||
		s.Deliveries.ByOutcome.Timeout != 2 || s.Deliveries.DeadLettersByReason.RetriesExhausted != 1 ||
		s.Deliveries.IngestToDelivery.P50US != nil || s.Deliveries.IngestToDelivery.MinUS != nil {
		t.Errorf("decoded %+v", s)
	}

	srv.answer(200, "application/json", `{"metric":"events","bucket":"minute","from":"2026-11-24T10:00:00Z",
		"to":"2026-11-24T10:02:00Z","filter":{"source":"a b&c","event_type":null},
		"points":[{"start":"2026-11-24T10:00:00Z","value":2,"exact":true},{"start":"2026-11-24T10:01:00Z","value":null,"exact":false}]}`)
	ts, err := c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{
		AnalyticsRange: AnalyticsRange{From: from},
		Metric:         MetricEvents, Bucket: BucketMinute, Source: "a b&c=d/é",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := srv.last(t), "/base/v1/analytics/timeseries?bucket=minute&from=2026-11-24T00%3A00%3A00Z&metric=events&source=a+b%26c%3Dd%2F%C3%A9 application/json"; got != want {
		t.Errorf("sent %q, want %q", got, want)
	}
	if ts.Metric != MetricEvents || ts.Bucket != BucketMinute || *ts.Filter.Source != "a b&c" || ts.Filter.EventType != nil ||
		len(ts.Points) != 2 || *ts.Points[0].Value != 2 || !ts.Points[0].Exact || ts.Points[1].Value != nil || ts.Points[1].Exact {
		t.Errorf("decoded %+v", ts)
	}

	srv.answer(200, "application/json", `{"by":"webhook","from":"2026-11-24T00:00:00Z","to":"2026-11-25T00:00:00Z",
		"filter":{"source":null,"event_type":null},"total":9,"total_exact":true,"other":1,
		"rows":[{"key":"wh-1","count":8,"exact":true,"webhook":{"attempts":8,"succeeded":6,"retries":2,"dead_lettered":1}}]}`)
	b, err := c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{By: DimensionWebhook, Limit: 1, EventType: "order.created"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := srv.last(t), "/base/v1/analytics/breakdown?by=webhook&event_type=order.created&limit=1 application/json"; got != want {
		t.Errorf("sent %q, want %q", got, want)
	}
	if b.By != DimensionWebhook || b.Total != 9 || b.Other != 1 || len(b.Rows) != 1 || b.Rows[0].Webhook == nil ||
		b.Rows[0].Webhook.Succeeded != 6 || b.Rows[0].Webhook.DeadLettered != 1 {
		t.Errorf("decoded %+v", b)
	}
	n := srv.count()
	if _, err := c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{Limit: 5}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("breakdown without By: %v", err)
	}
	if srv.count() != n {
		t.Error("a breakdown without By was sent")
	}

	srv.answer(200, "application/json", `{"bucket":"day","from":"2026-11-24T00:00:00Z","to":"2026-11-26T00:00:00Z",
		"rows":[{"start":"2026-11-24T00:00:00Z","end":"2026-11-25T00:00:00Z","events":3,"ingest_latency_p50_us":12.5,
		"ingest_latency_p90_us":null,"ingest_latency_p99_us":null,"api_requests":4,"api_2xx":4,"api_4xx":0,"api_5xx":0,
		"delivery_attempts":0,"deliveries_succeeded":0,"delivery_failures":0,"retries":0,"dead_letters":0,
		"ingest_to_delivery_p50_us":null,"ingest_to_delivery_p90_us":null,"ingest_to_delivery_p99_us":null}]}`)
	e, err := c.ExportAnalytics(ctx, AnalyticsExportParams{Bucket: BucketDay, AnalyticsRange: AnalyticsRange{To: to}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := srv.last(t), "/base/v1/analytics/export?bucket=day&format=json&to=2026-11-25T00%3A00%3A00.25Z application/json"; got != want {
		t.Errorf("sent %q, want %q", got, want)
	}
	if e.Bucket != BucketDay || len(e.Rows) != 1 || e.Rows[0].Events != 3 || *e.Rows[0].IngestLatencyP50US != 12.5 ||
		e.Rows[0].IngestLatencyP90US != nil || e.Rows[0].API2xx != 4 || !e.Rows[0].End.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("decoded %+v", e)
	}
}

func TestAnalyticsErrors(t *testing.T) {
	srv := newRecorder(t)
	c, _ := NewClient(srv.URL, "trgk_k")
	ctx := context.Background()
	srv.answer(400, "application/json", `{"error":{"code":"too_many_points","message":"the range has 525600 minute buckets; at most 10000 points","request_id":"rid-body"}}`)
	_, err := c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{Bucket: BucketMinute})
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != "too_many_points" || ae.RequestID != "rid-body" ||
		!strings.Contains(ae.Message, "at most 10000 points") {
		t.Fatalf("timeseries: %v", err)
	}

	srv.answer(403, "application/json", `{"error":{"code":"forbidden","message":"admin keys only","request_id":"r"}}`)
	calls := map[string]func() error{
		"summary": func() error { _, err := c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{}); return err },
		"breakdown": func() error {
			_, err := c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{By: DimensionSource})
			return err
		},
		"export":     func() error { _, err := c.ExportAnalytics(ctx, AnalyticsExportParams{}); return err },
		"export csv": func() error { _, err := c.ExportAnalyticsCSV(ctx, AnalyticsExportParams{}); return err },
	}
	for name, call := range calls {
		if err := call(); !HasAPICode(err, "forbidden") {
			t.Errorf("%s: %v", name, err)
		}
	}

	// A success that does not decode.
	srv.answer(200, "text/html", "<html>login</html>")
	if _, err := c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{}); err == nil || !strings.Contains(err.Error(), "decoding the 200 response") {
		t.Errorf("summary from an HTML page: %v", err)
	}
	// A CSV export answered with something else is an error, not a stream.
	srv.answer(200, "application/json", `{"rows":[]}`)
	if body, err := c.ExportAnalyticsCSV(ctx, AnalyticsExportParams{}); err == nil || !strings.Contains(err.Error(), "not text/csv") {
		if body != nil {
			body.Close()
		}
		t.Errorf("CSV export answered with JSON: %v", err)
	}
}

// The CSV export is read as it arrives: the test reads the first records
// while the server still holds the rest back.
func TestExportAnalyticsCSVStreams(t *testing.T) {
	srv := newRecorder(t)
	release := make(chan struct{})
	srv.handle = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="analytics.csv"`)
		_, _ = io.WriteString(w, csvHeader+"\r\n"+csvRow1+"\r\n")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, csvRow2+"\r\n")
	}
	c, _ := NewClient(srv.URL, "trgk_k", WithTimeout(time.Minute))
	from := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	body, err := c.ExportAnalyticsCSV(context.Background(), AnalyticsExportParams{Bucket: BucketHour, AnalyticsRange: AnalyticsRange{From: from}})
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer body.Close()
	if got, want := srv.last(t), "/v1/analytics/export?bucket=hour&format=csv&from=2026-11-24T10%3A00%3A00Z text/csv"; got != want {
		t.Errorf("sent %q, want %q", got, want)
	}
	r := csv.NewReader(body)
	var records [][]string
	for i := 0; i < 2; i++ {
		rec, err := r.Read()
		if err != nil {
			close(release)
			t.Fatal(err)
		}
		records = append(records, rec)
	}
	close(release) // only now does the server send the last record
	rest, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	records = append(records, rest...)
	want := [][]string{strings.Split(csvHeader, ","), strings.Split(csvRow1, ","), strings.Split(csvRow2, ",")}
	if !slices.EqualFunc(records, want, slices.Equal[[]string]) {
		t.Fatalf("records %q, want %q", records, want)
	}
	if err := body.Close(); err != nil {
		t.Fatal(err)
	}
}

// Closing the body early ends the download, and cancelling the context (or
// WithTimeout's deadline) ends a read in progress.
func TestExportAnalyticsCSVCloseAndCancel(t *testing.T) {
	srv := newRecorder(t)
	gone := make(chan struct{}, 4)
	srv.handle = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = io.WriteString(w, csvHeader+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // never finishes on its own
		gone <- struct{}{}
	}

	c, _ := NewClient(srv.URL, "trgk_k")
	body, err := c.ExportAnalyticsCSV(context.Background(), AnalyticsExportParams{})
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(body).ReadString('\n')
	if err != nil || line != csvHeader+"\n" {
		t.Fatalf("first line %q %v", line, err)
	}
	body.Close()
	waitGone(t, gone, "closing the body")

	ctx, cancel := context.WithCancel(context.Background())
	body, err = c.ExportAnalyticsCSV(ctx, AnalyticsExportParams{})
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(body)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(br); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	body.Close()
	waitGone(t, gone, "cancelling the context")

	c, _ = NewClient(srv.URL, "trgk_k", WithTimeout(200*time.Millisecond))
	body, err = c.ExportAnalyticsCSV(context.Background(), AnalyticsExportParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(body); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read past WithTimeout: %v", err)
	}
	body.Close()
	waitGone(t, gone, "the deadline")
}

func waitGone(t *testing.T, gone <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-gone:
	case <-time.After(30 * time.Second): // a safety net, not a timing assertion
		t.Fatalf("the server's request did not end after %s", what)
	}
}

// Every query parameter of the analytics operations in docs/openapi.json is
// sent by the Go client when its field is set, and no other.
func TestAnalyticsQueryParametersMatchOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	specQuery := func(path string) []string {
		var op struct{ Parameters []param }
		if err := json.Unmarshal(doc.Paths[path]["get"], &op); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		var names []string
		for _, p := range op.Parameters {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		sort.Strings(names)
		return names
	}

	srv := newRecorder(t)
	srv.answer(200, "application/json", `{}`)
	c, _ := NewClient(srv.URL, "trgk_k")
	ctx := context.Background()
	rng := AnalyticsRange{From: time.Unix(1_700_000_000, 0), To: time.Unix(1_700_086_400, 0)}
	calls := map[string]func() error{
		"/v1/analytics/summary": func() error {
			_, err := c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{rng})
			return err
		},
		"/v1/analytics/timeseries": func() error {
			_, err := c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{rng, MetricEvents, BucketDay, "s", "t"})
			return err
		},
		"/v1/analytics/breakdown": func() error {
			_, err := c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{rng, DimensionSource, 3, "s", "t"})
			return err
		},
		"/v1/analytics/export": func() error {
			_, err := c.ExportAnalytics(ctx, AnalyticsExportParams{rng, BucketDay})
			return err
		},
	}
	for path, call := range calls {
		want := specQuery(path)
		if len(want) == 0 {
			t.Errorf("%s: no query parameters in docs/openapi.json", path)
			continue
		}
		if err := call(); err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		target, _, _ := strings.Cut(srv.last(t), " ")
		u, err := url.Parse(target)
		if err != nil || u.Path != path {
			t.Errorf("%s: sent %q", path, target)
			continue
		}
		var got []string
		for k := range u.Query() {
			got = append(got, k)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: sent the query parameters %v, docs/openapi.json has %v", path, got, want)
		}
	}
	for path := range doc.Paths {
		if _, ok := calls[path]; strings.HasPrefix(path, "/v1/analytics/") && !ok {
			t.Errorf("%s: an analytics path this test does not call", path)
		}
	}
}

// TestLiveAnalytics: a fresh account ingests a few events, and the summary,
// timeseries, breakdown and export (JSON and streamed CSV) count exactly
// those. The fold is asynchronous: the first check polls, with a bound.
func TestLiveAnalytics(t *testing.T) {
	e := live(t)
	if e.bin == "" || e.dataDir == "" {
		t.Fatal("TRIGGERS_TEST_SERVICE_BIN and TRIGGERS_TEST_DATA_DIR are needed")
	}
	ctx := testCtx(t)
	// A fresh account: every count below is this test's alone.
	out, err := exec.CommandContext(ctx, e.bin, "keys", "create", "--name", "go-analytics", "--account", unique("acct_go_analytics_"),
		"--admin", "--data-dir", e.dataDir).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	m := regexp.MustCompile(`(?m)^api_key:\s+(trgk_\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatal("keys create printed no api_key line")
	}
	c := e.client(t, string(m[1]))

	start := time.Now()
	for _, ev := range [][2]string{{"shop", "order.created"}, {"shop", "order.paid"}, {"crm", "contact.added"}} {
		if _, err := c.CreateEvent(ctx, CreateEventRequest{Source: ev[0], EventType: ev[1], Payload: map[string]int{"n": 1}}); err != nil {
			t.Fatal(err)
		}
	}
	rng := AnalyticsRange{From: start.Add(-5 * time.Minute), To: start.Add(10 * time.Minute)}

	var s *AnalyticsSummary
	pollCtx, cancel := context.WithTimeout(ctx, 20*time.Second) // a bound, not a timing assertion
	defer cancel()
	waitFor(pollCtx, t, "the summary to count the 3 events and their 3 requests", func() bool {
		s, err = c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{rng})
		if err != nil {
			t.Fatal(err)
		}
		return s.Events.Total >= 3 && s.API.ByClass.Class2xx >= 3
	})
	lat := s.Events.IngestLatency
	if s.Events.Total != 3 || lat.Count != 3 || lat.P50US == nil || *lat.P50US <= 0 || lat.MinUS == nil || lat.MaxUS == nil || *lat.MinUS > *lat.MaxUS {
		t.Errorf("events %+v (latency %+v)", s.Events, lat)
	}
	if s.API.Errors != s.API.ByClass.Class4xx+s.API.ByClass.Class5xx || s.API.Requests < 3 || s.API.ErrorRate == nil {
		t.Errorf("api %+v", s.API)
	}
	if s.Deliveries.Attempts != 0 || s.Deliveries.AttemptSuccessRate != nil || s.Deliveries.IngestToDelivery.P99US != nil {
		t.Errorf("deliveries of an account without webhooks: %+v", s.Deliveries)
	}
	if !s.From.Equal(rng.From.Truncate(time.Minute)) || s.To.Before(rng.To) || s.To.Sub(rng.To) >= time.Minute {
		t.Errorf("range read %v..%v, asked %v..%v", s.From, s.To, rng.From, rng.To)
	}

	ts, err := c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{AnalyticsRange: rng, Metric: MetricEvents, Bucket: BucketMinute})
	if err != nil {
		t.Fatal(err)
	}
	if sum := sumPoints(ts.Points); sum != 3 || len(ts.Points) != int(ts.To.Sub(ts.From)/time.Minute) || ts.Filter.Source != nil {
		t.Errorf("timeseries: sum %v, %d points over %v..%v, filter %+v", sum, len(ts.Points), ts.From, ts.To, ts.Filter)
	}
	ts, err = c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{AnalyticsRange: rng, Bucket: BucketMinute, Source: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if sum := sumPoints(ts.Points); sum != 2 || ts.Filter.Source == nil || *ts.Filter.Source != "shop" {
		t.Errorf("timeseries of source shop: sum %v, filter %+v", sum, ts.Filter)
	}
	_, err = c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{AnalyticsRange: rng, Metric: MetricAPIRequests, Source: "shop"})
	wantAPIError(t, err, 400, "filter_not_supported")
	_, err = c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{Bucket: BucketMinute, AnalyticsRange: AnalyticsRange{From: time.Now().Add(-30 * 24 * time.Hour)}})
	wantAPIError(t, err, 400, "too_many_points")

	b, err := c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{AnalyticsRange: rng, By: DimensionSource})
	if err != nil {
		t.Fatal(err)
	}
	if got := breakdownRows(b); b.Total != 3 || b.Other != 0 || got != "shop=2 crm=1" {
		t.Errorf("breakdown by source: %s, total %d, other %d", got, b.Total, b.Other)
	}
	b, err = c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{AnalyticsRange: rng, By: DimensionSource, Limit: 1})
	if err != nil || breakdownRows(b) != "shop=2" || b.Other != 1 {
		t.Errorf("breakdown, limit 1: %+v %v", b, err)
	}
	b, err = c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{AnalyticsRange: rng, By: DimensionEventType, Source: "shop"})
	if err != nil || breakdownRows(b) != "order.created=1 order.paid=1" || b.Total != 2 {
		t.Errorf("breakdown by type of source shop: %+v %v", b, err)
	}

	// The export, as JSON and as streamed CSV, with the columns of the spec.
	exp, err := c.ExportAnalytics(ctx, AnalyticsExportParams{AnalyticsRange: rng, Bucket: BucketHour})
	if err != nil {
		t.Fatal(err)
	}
	var events int64
	for _, r := range exp.Rows {
		events += r.Events
	}
	if exp.Bucket != BucketHour || len(exp.Rows) < 1 || len(exp.Rows) > 2 || events != 3 {
		t.Errorf("export: %d rows, %d events", len(exp.Rows), events)
	}
	body, err := c.ExportAnalyticsCSV(ctx, AnalyticsExportParams{AnalyticsRange: rng, Bucket: BucketHour})
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(body).ReadAll()
	body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct{ Required []string } `json:"schemas"`
		} `json:"components"`
	}
	raw, _ := os.ReadFile("../../docs/openapi.json")
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	columns := spec.Components.Schemas["AnalyticsExportRow"].Required
	if len(records) != len(exp.Rows)+1 || !slices.Equal(records[0], columns) {
		t.Fatalf("CSV: %d records, header %q; want %d and %q", len(records), records[0], len(exp.Rows)+1, columns)
	}
	for i, r := range exp.Rows {
		if records[i+1][0] == "" || records[i+1][2] != strconv.FormatInt(r.Events, 10) {
			t.Errorf("CSV record %d %q, JSON row %+v", i, records[i+1], r)
		}
	}

	_, err = c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{AnalyticsRange{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Errorf("an empty range: %v", err)
	}
	_, err = c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{By: "colour"})
	wantAPIError(t, err, 400, "invalid_query")
	std, err := c.CreateAPIKey(ctx, CreateAPIKeyRequest{Name: unique("go-analytics-std-"), Role: RoleStandard})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client(t, std.Key.Reveal()).GetAnalyticsSummary(ctx, AnalyticsSummaryParams{})
	wantAPIError(t, err, 403, "forbidden")
	_, err = e.client(t, std.Key.Reveal()).ExportAnalyticsCSV(ctx, AnalyticsExportParams{})
	wantAPIError(t, err, 403, "forbidden")
}

func sumPoints(points []AnalyticsPoint) float64 {
	var sum float64
	for _, p := range points {
		if p.Value != nil {
			sum += *p.Value
		}
	}
	return sum
}

func breakdownRows(b *AnalyticsBreakdown) string {
	var parts []string
	for _, r := range b.Rows {
		parts = append(parts, r.Key+"="+strconv.FormatInt(r.Count, 10))
	}
	return strings.Join(parts, " ")
}
