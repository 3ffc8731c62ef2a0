package triggers

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests read docs/openapi.json, the service's contract, and check that
// the Go types and the client follow it: every schema has a Go type, every
// property a field with its json name (and a compatible type), and every
// operation a client method that sends the right method to the right path.

type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]schema `json:"schemas"`
	} `json:"components"`
}

type schema struct {
	Ref                  string            `json:"$ref"`
	Type                 any               `json:"type"` // "string" or ["string","null"]
	Format               string            `json:"format"`
	Enum                 []string          `json:"enum"`
	Required             []string          `json:"required"`
	Properties           map[string]schema `json:"properties"`
	AdditionalProperties any               `json:"additionalProperties"`
	Items                *schema           `json:"items"`
	AllOf                []schema          `json:"allOf"`
	AnyOf                []schema          `json:"anyOf"`
}

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	raw, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatalf("reading docs/openapi.json: %v", err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parsing docs/openapi.json: %v", err)
	}
	if len(doc.Components.Schemas) == 0 || len(doc.Paths) == 0 {
		t.Fatal("docs/openapi.json has no schemas or no paths")
	}
	return &doc
}

// The Go type of every object schema.
var objectSchemas = map[string]reflect.Type{
	"CreateEventRequest":         reflect.TypeFor[CreateEventRequest](),
	"Event":                      reflect.TypeFor[Event](),
	"EventList":                  reflect.TypeFor[EventList](),
	"ApiKey":                     reflect.TypeFor[APIKey](),
	"ApiKeyVersion":              reflect.TypeFor[APIKeyVersion](),
	"ApiKeyWithSecrets":          reflect.TypeFor[APIKeyWithSecrets](),
	"RotatedApiKey":              reflect.TypeFor[RotatedAPIKey](),
	"ApiKeyList":                 reflect.TypeFor[APIKeyList](),
	"ApiKeyVersionList":          reflect.TypeFor[APIKeyVersionList](),
	"CreateApiKeyRequest":        reflect.TypeFor[CreateAPIKeyRequest](),
	"RotateApiKeyRequest":        reflect.TypeFor[RotateAPIKeyRequest](),
	"Webhook":                    reflect.TypeFor[Webhook](),
	"WebhookWithSecret":          reflect.TypeFor[WebhookWithSecret](),
	"WebhookList":                reflect.TypeFor[WebhookList](),
	"CreateWebhookRequest":       reflect.TypeFor[CreateWebhookRequest](),
	"UpdateWebhookRequest":       reflect.TypeFor[UpdateWebhookRequest](),
	"RotateWebhookSecretRequest": reflect.TypeFor[RotateWebhookSecretRequest](),
	"Attempt":                    reflect.TypeFor[Attempt](),
	"AttemptList":                reflect.TypeFor[AttemptList](),
	"TestDeliveryResult":         reflect.TypeFor[TestDeliveryResult](),
	"DeadLetter":                 reflect.TypeFor[DeadLetter](),
	"DeadLetterList":             reflect.TypeFor[DeadLetterList](),
	"ReplayResult":               reflect.TypeFor[ReplayResult](),
	"BulkReplayRequest":          reflect.TypeFor[BulkReplayRequest](),
	"BulkReplayResult":           reflect.TypeFor[BulkReplayResult](),
	"Error":                      reflect.TypeFor[APIError](),
	"ErrorEnvelope":              reflect.TypeFor[errorEnvelope](),
	"Health":                     reflect.TypeFor[Health](),
	"OpenApiDocument":            reflect.TypeFor[OpenAPIDocument](),
	"AnalyticsFilter":            reflect.TypeFor[AnalyticsFilter](),
	"AnalyticsLatency":           reflect.TypeFor[AnalyticsLatency](),
	"AnalyticsSummary":           reflect.TypeFor[AnalyticsSummary](),
	"AnalyticsPoint":             reflect.TypeFor[AnalyticsPoint](),
	"AnalyticsTimeseries":        reflect.TypeFor[AnalyticsTimeseries](),
	"AnalyticsWebhookStats":      reflect.TypeFor[AnalyticsWebhookStats](),
	"AnalyticsBreakdownRow":      reflect.TypeFor[AnalyticsBreakdownRow](),
	"AnalyticsBreakdown":         reflect.TypeFor[AnalyticsBreakdown](),
	"AnalyticsExportRow":         reflect.TypeFor[AnalyticsExportRow](),
	"AnalyticsExport":            reflect.TypeFor[AnalyticsExport](),
}

// The Go constants of every enum schema.
var enumSchemas = map[string][]string{
	"EventStatus":         {string(EventPending), string(EventAcknowledged)},
	"ApiKeyRole":          {string(RoleAdmin), string(RoleStandard)},
	"ApiKeyStatus":        {string(KeyActive), string(KeyRevoked)},
	"ApiKeyVersionStatus": {string(VersionActive), string(VersionRotating), string(VersionExpired), string(VersionRevoked)},
	"AttemptFailure": {string(FailureTimeout), string(FailureDNS), string(FailureConnect), string(FailureTLS),
		string(FailureProtocol), string(FailureBlocked)},
	"DeadLetterReason": {string(ReasonRetriesExhausted), string(ReasonGone), string(ReasonBlocked), string(ReasonWebhookInactive)},
	"AnalyticsBucket":  {string(BucketMinute), string(BucketHour), string(BucketDay)},
	"AnalyticsMetric": {string(MetricEvents), string(MetricIngestLatencyP50), string(MetricIngestLatencyP90),
		string(MetricIngestLatencyP99), string(MetricAPIRequests), string(MetricAPIErrors), string(MetricAPIErrorRate),
		string(MetricDeliveryAttempts), string(MetricDeliveriesSucceeded), string(MetricDeliveryFailures),
		string(MetricRetries), string(MetricDeadLetters), string(MetricAttemptSuccessRate),
		string(MetricDeliverySuccessRate), string(MetricIngestToDeliveryP50), string(MetricIngestToDeliveryP90),
		string(MetricIngestToDeliveryP99)},
	"AnalyticsDimension": {string(DimensionSource), string(DimensionEventType), string(DimensionWebhook),
		string(DimensionAPIStatus), string(DimensionDeliveryOutcome), string(DimensionDeadLetterReason)},
}

// Constrained strings (and a list of them), carried as Go strings; the
// value is the JSON type the schema must have.
var scalarSchemas = map[string]string{
	"ApiKeyId":           "string",
	"WebhookId":          "string",
	"EventPattern":       "string",
	"EventPatterns":      "array",
	"WebhookUrl":         "string",
	"WebhookSecret":      "string",
	"WebhookDescription": "string",
}

// Nullable properties whose Go field is not a pointer: null decodes to "".
var nullAsEmpty = map[string]bool{"next_cursor": true}

func TestEverySchemaHasAGoType(t *testing.T) {
	doc := loadOpenAPI(t)
	for name, s := range doc.Components.Schemas {
		_, isObj := objectSchemas[name]
		_, isEnum := enumSchemas[name]
		_, isScalar := scalarSchemas[name]
		switch {
		case isObj:
		case isEnum:
			got, want := slices.Clone(s.Enum), slices.Clone(enumSchemas[name])
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("enum %s: spec %v, Go constants %v", name, got, want)
			}
		case isScalar:
			if typ, _ := nonNullType(s); typ != scalarSchemas[name] {
				t.Errorf("schema %s is %v, the Go side carries it as a %s", name, s.Type, scalarSchemas[name])
			}
		default:
			t.Errorf("schema %s has no Go type: add one to types.go and to the tables of this test", name)
		}
	}
	for _, table := range []map[string]bool{keys(objectSchemas), keys(enumSchemas), keys(scalarSchemas)} {
		for name := range table {
			if _, ok := doc.Components.Schemas[name]; !ok {
				t.Errorf("the test maps schema %s, which docs/openapi.json no longer has", name)
			}
		}
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func TestTypesMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	for name, goType := range objectSchemas {
		s, ok := doc.Components.Schemas[name]
		if !ok {
			continue // reported by TestEverySchemaHasAGoType
		}
		// A request schema refuses unknown fields: the Go side must not send
		// zero values of optional fields, which would override defaults.
		checkObject(t, doc, name, s, goType, s.AdditionalProperties == false)
	}
}

// checkObject checks the Go struct goType against an object schema: a field
// for every property, with a compatible type (nested inline objects
// included), and no field the schema does not have.
func checkObject(t *testing.T, doc *openAPIDoc, name string, s schema, goType reflect.Type, isRequest bool) {
	t.Helper()
	props, required := flatten(doc, s)
	if len(props) == 0 {
		t.Errorf("%s: no properties found in the spec", name)
		return
	}
	fields := jsonFields(goType)
	for prop, ps := range props {
		f, ok := fields[prop]
		if !ok {
			t.Errorf("%s.%s: no Go field of %s has the json name %q", name, prop, goType, prop)
			continue
		}
		where := name + "." + prop + " (" + goType.Name() + "." + f.name + ")"
		checkType(t, doc, where, ps, f.typ)
		_, nullable := nonNullType(ps)
		if isRequest && !required[prop] && !f.omitempty {
			t.Errorf("%s: optional request property without omitempty", where)
		}
		if !isRequest && nullable && !nullAsEmpty[prop] {
			switch f.typ.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			default:
				t.Errorf("%s: nullable, but the Go field %s cannot hold null", where, f.typ)
			}
		}
	}
	for jsonName, f := range fields {
		if _, ok := props[jsonName]; !ok {
			t.Errorf("%s: Go field %s.%s (json %q) is not in the spec", name, goType.Name(), f.name, jsonName)
		}
	}
}

// flatten collects the properties of a schema through $ref and allOf.
func flatten(doc *openAPIDoc, s schema) (map[string]schema, map[string]bool) {
	props, required := map[string]schema{}, map[string]bool{}
	var walk func(s schema)
	walk = func(s schema) {
		if s.Ref != "" {
			walk(resolve(doc, s.Ref))
			return
		}
		for _, sub := range s.AllOf {
			walk(sub)
		}
		for k, v := range s.Properties {
			props[k] = v
		}
		for _, r := range s.Required {
			required[r] = true
		}
	}
	walk(s)
	return props, required
}

func resolve(doc *openAPIDoc, ref string) schema {
	return doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
}

// nonNullType returns a schema's JSON type other than "null" and whether
// null is allowed (type list or anyOf with {"type":"null"}).
func nonNullType(s schema) (typ string, nullable bool) {
	switch v := s.Type.(type) {
	case string:
		return v, v == "null"
	case []any:
		for _, x := range v {
			if x == "null" {
				nullable = true
			} else {
				typ, _ = x.(string)
			}
		}
		return typ, nullable
	}
	for _, sub := range s.AnyOf {
		if sub.Type == "null" {
			nullable = true
		}
	}
	return "", nullable
}

type goField struct {
	name      string
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists a struct's JSON members as encoding/json sees them
// (embedded structs flattened, "-" skipped).
func jsonFields(t reflect.Type) map[string]goField {
	out := map[string]goField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				if _, shadowed := out[k]; !shadowed {
					out[k] = v
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = goField{name: f.Name, typ: f.Type, omitempty: strings.Contains(opts, "omitempty")}
	}
	return out
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// checkType checks that a Go type can carry a schema's values.
func checkType(t *testing.T, doc *openAPIDoc, where string, s schema, gt reflect.Type) {
	t.Helper()
	for gt.Kind() == reflect.Pointer {
		gt = gt.Elem()
	}
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		if want, ok := objectSchemas[name]; ok {
			if gt != want {
				t.Errorf("%s: refers to %s, Go type %s (want %s)", where, name, gt, want)
			}
			return
		}
		checkType(t, doc, where, resolve(doc, s.Ref), gt)
		return
	}
	for _, sub := range s.AnyOf {
		if sub.Type != "null" {
			checkType(t, doc, where, sub, gt)
		}
	}
	if len(s.AnyOf) > 0 {
		return
	}
	typ, _ := nonNullType(s)
	ok := true
	switch typ {
	case "string":
		if s.Format == "date-time" {
			ok = gt == timeType
		} else {
			ok = gt.Kind() == reflect.String
		}
	case "integer":
		ok = gt.Kind() >= reflect.Int && gt.Kind() <= reflect.Int64
	case "number":
		ok = gt.Kind() == reflect.Float64 || gt.Kind() == reflect.Float32
	case "boolean":
		ok = gt.Kind() == reflect.Bool
	case "array":
		ok = gt.Kind() == reflect.Slice && gt != rawType
		if ok && s.Items != nil {
			checkType(t, doc, where+"[]", *s.Items, gt.Elem())
		}
	case "object":
		ok = gt == rawType || gt.Kind() == reflect.Map || gt.Kind() == reflect.Interface || gt.Kind() == reflect.Struct
		if gt.Kind() == reflect.Struct && len(s.Properties) > 0 {
			// An inline object (not a named schema): its properties too.
			checkObject(t, doc, where, s, gt, false)
		}
	default:
		t.Errorf("%s: the test does not know the schema type %v", where, s.Type)
	}
	if !ok {
		t.Errorf("%s: JSON %s (format %q) in a Go %s", where, typ, s.Format, gt)
	}
}

// One client method per operation of docs/openapi.json, with a call of it
// (ids are "ID1"), used by TestEveryOperationHasAClientMethod.
var operations = map[string]struct {
	method string
	call   func(ctx context.Context, c *Client) error
}{
	"createEvent": {"CreateEvent", func(ctx context.Context, c *Client) error {
		_, err := c.CreateEvent(ctx, CreateEventRequest{Source: "s", EventType: "t", Payload: map[string]any{}})
		return err
	}},
	"getEvent": {"GetEvent", func(ctx context.Context, c *Client) error { _, err := c.GetEvent(ctx, "ID1"); return err }},
	"ackEvent": {"AckEvent", func(ctx context.Context, c *Client) error { _, err := c.AckEvent(ctx, "ID1"); return err }},
	"listInbox": {"ListInbox", func(ctx context.Context, c *Client) error {
		_, err := c.ListInbox(ctx, InboxParams{})
		return err
	}},
	"createApiKey": {"CreateAPIKey", func(ctx context.Context, c *Client) error {
		_, err := c.CreateAPIKey(ctx, CreateAPIKeyRequest{Name: "n"})
		return err
	}},
	"listApiKeys": {"ListAPIKeys", func(ctx context.Context, c *Client) error {
		_, err := c.ListAPIKeys(ctx, ListParams{})
		return err
	}},
	"getApiKey":    {"GetAPIKey", func(ctx context.Context, c *Client) error { _, err := c.GetAPIKey(ctx, "ID1"); return err }},
	"revokeApiKey": {"RevokeAPIKey", func(ctx context.Context, c *Client) error { _, err := c.RevokeAPIKey(ctx, "ID1"); return err }},
	"rotateApiKey": {"RotateAPIKey", func(ctx context.Context, c *Client) error {
		_, err := c.RotateAPIKey(ctx, "ID1", RotateAPIKeyRequest{})
		return err
	}},
	"listApiKeyVersions": {"ListAPIKeyVersions", func(ctx context.Context, c *Client) error {
		_, err := c.ListAPIKeyVersions(ctx, "ID1")
		return err
	}},
	"createWebhook": {"CreateWebhook", func(ctx context.Context, c *Client) error {
		_, err := c.CreateWebhook(ctx, CreateWebhookRequest{URL: "http://127.0.0.1:1/"})
		return err
	}},
	"listWebhooks": {"ListWebhooks", func(ctx context.Context, c *Client) error {
		_, err := c.ListWebhooks(ctx, ListParams{})
		return err
	}},
	"getWebhook": {"GetWebhook", func(ctx context.Context, c *Client) error { _, err := c.GetWebhook(ctx, "ID1"); return err }},
	"updateWebhook": {"UpdateWebhook", func(ctx context.Context, c *Client) error {
		_, err := c.UpdateWebhook(ctx, "ID1", UpdateWebhookRequest{})
		return err
	}},
	"deleteWebhook": {"DeleteWebhook", func(ctx context.Context, c *Client) error { return c.DeleteWebhook(ctx, "ID1") }},
	"testWebhook":   {"TestWebhook", func(ctx context.Context, c *Client) error { _, err := c.TestWebhook(ctx, "ID1"); return err }},
	"rotateWebhookSecret": {"RotateWebhookSecret", func(ctx context.Context, c *Client) error {
		_, err := c.RotateWebhookSecret(ctx, "ID1", RotateWebhookSecretRequest{})
		return err
	}},
	"listWebhookDeliveries": {"ListWebhookDeliveries", func(ctx context.Context, c *Client) error {
		_, err := c.ListWebhookDeliveries(ctx, "ID1", ListParams{})
		return err
	}},
	"listDeadLetters": {"ListDeadLetters", func(ctx context.Context, c *Client) error {
		_, err := c.ListDeadLetters(ctx, DeadLetterParams{})
		return err
	}},
	"replayDeadLetters": {"ReplayDeadLetters", func(ctx context.Context, c *Client) error {
		_, err := c.ReplayDeadLetters(ctx, BulkReplayRequest{WebhookID: "ID1"})
		return err
	}},
	"replayDeadLetter": {"ReplayDeadLetter", func(ctx context.Context, c *Client) error {
		_, err := c.ReplayDeadLetter(ctx, "ID1")
		return err
	}},
	"getAnalyticsSummary": {"GetAnalyticsSummary", func(ctx context.Context, c *Client) error {
		_, err := c.GetAnalyticsSummary(ctx, AnalyticsSummaryParams{})
		return err
	}},
	"getAnalyticsTimeseries": {"GetAnalyticsTimeseries", func(ctx context.Context, c *Client) error {
		_, err := c.GetAnalyticsTimeseries(ctx, AnalyticsTimeseriesParams{})
		return err
	}},
	"getAnalyticsBreakdown": {"GetAnalyticsBreakdown", func(ctx context.Context, c *Client) error {
		_, err := c.GetAnalyticsBreakdown(ctx, AnalyticsBreakdownParams{By: DimensionSource})
		return err
	}},
	"exportAnalytics": {"ExportAnalytics", func(ctx context.Context, c *Client) error {
		_, err := c.ExportAnalytics(ctx, AnalyticsExportParams{})
		return err
	}},
	"getOpenApi": {"OpenAPI", func(ctx context.Context, c *Client) error { _, err := c.OpenAPI(ctx); return err }},
	"health":     {"Health", func(ctx context.Context, c *Client) error { _, err := c.Health(ctx); return err }},
}

// TestEveryOperationHasAClientMethod checks the table against the spec and
// runs each call against a loopback server that records the method and
// path, which must be the operation's.
func TestEveryOperationHasAClientMethod(t *testing.T) {
	doc := loadOpenAPI(t)
	type route struct{ method, path string }
	want := map[string]route{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			var op struct {
				OperationID string `json:"operationId"`
			}
			if json.Unmarshal(raw, &op) != nil || op.OperationID == "" {
				continue
			}
			want[op.OperationID] = route{strings.ToUpper(method), path}
		}
	}
	if len(want) < 20 {
		t.Fatalf("only %d operations found in docs/openapi.json", len(want))
	}

	var (
		mu   sync.Mutex
		last route
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = route{r.Method, r.URL.EscapedPath()}
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/webhooks/") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, "trgk_test")
	if err != nil {
		t.Fatal(err)
	}
	clientType := reflect.TypeFor[*Client]()
	ctxType := reflect.TypeFor[context.Context]()
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	for id, r := range want {
		op, ok := operations[id]
		if !ok {
			t.Errorf("operation %s (%s %s) has no client method in the table", id, r.method, r.path)
			continue
		}
		m, ok := clientType.MethodByName(op.method)
		if !ok {
			t.Errorf("operation %s: *Client has no method %s", id, op.method)
			continue
		}
		if m.Type.NumIn() < 2 || m.Type.In(1) != ctxType {
			t.Errorf("operation %s: %s does not take a context.Context first", id, op.method)
		}
		if err := op.call(context.Background(), c); err != nil {
			t.Errorf("operation %s: %s: %v", id, op.method, err)
			continue
		}
		mu.Lock()
		got := last
		mu.Unlock()
		if wantRoute := (route{r.method, param.ReplaceAllString(r.path, "ID1")}); got != wantRoute {
			t.Errorf("operation %s: %s sent %s %s, the spec says %s %s", id, op.method, got.method, got.path, wantRoute.method, wantRoute.path)
		}
	}
	for id := range operations {
		if _, ok := want[id]; !ok {
			t.Errorf("the table has operation %s, which docs/openapi.json no longer has", id)
		}
	}
}
