package triggers

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The Go types of the schemas of docs/openapi.json (components.schemas).
// TestTypesMatchOpenAPI checks that every property of every schema has a
// field with that json name here, so the two cannot drift apart.
//
// Conventions: timestamps are time.Time (RFC 3339 on the wire); a property
// that may be null is a pointer (nil = null); optional request properties
// are omitted when zero (omitempty) or nil. Fields that hold a secret have
// the type Secret, which never prints its value.

// Secret is a secret string as issued by the service (an API key "trgk_…",
// a signing secret "trgs_…" or a webhook secret "whsec_…"). It marshals to
// and from JSON as a plain string, but fmt never prints it: %v, %s, %q, %#v
// and every other verb give "[redacted]", so logging a struct that holds one
// does not leak it. Convert it with string(s) (or Reveal) where the value is
// needed.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]" (or "" for an empty secret), never the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return `triggers.Secret("` + s.String() + `")` }

// Format prints String for every verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

func (s Secret) redacted() Secret { return Secret(s.String()) }

// formatAs prints v with the caller's verb and flags. The Format methods of
// the types that hold secrets print a copy whose secrets are replaced, as a
// type without the Format method; so even fmt's error paths (a bad verb for
// a pointer in a container, say), which skip Format methods, never reach a
// secret's value.
func formatAs(f fmt.State, verb rune, v any) { fmt.Fprintf(f, fmt.FormatString(f, verb), v) }

// ---- events and the inbox ----

// EventStatus is an event's place in the inbox (schema EventStatus).
type EventStatus string

// The values of EventStatus.
const (
	EventPending      EventStatus = "pending"
	EventAcknowledged EventStatus = "acknowledged"
)

// CreateEventRequest is the body of CreateEvent (schema CreateEventRequest).
type CreateEventRequest struct {
	// Source names the system the event comes from (1 to 255 bytes of UTF-8
	// without control characters).
	Source string `json:"source"`
	// EventType is matched against webhook patterns, e.g. "order.created".
	EventType string `json:"event_type"`
	// Payload must marshal to a JSON object (at most 256 KiB): a map, a
	// struct, or a json.RawMessage (sent byte for byte, and delivered to
	// webhooks byte for byte).
	Payload any `json:"payload"`
	// IdempotencyKey, when set, makes a retry within 24 hours with the same
	// content return the original event (Event.IdempotentReplay).
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// Event is an ingested event (schema Event).
type Event struct {
	EventID   string `json:"event_id"`
	Source    string `json:"source"`
	EventType string `json:"event_type"`
	// Payload is the JSON object as ingested, byte for byte.
	Payload        json.RawMessage `json:"payload"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"`
	ReceivedAt     time.Time       `json:"received_at"`
	Status         EventStatus     `json:"status"`
	// AckedAt is set once the event is acknowledged.
	AckedAt *time.Time `json:"acked_at,omitempty"`

	// IdempotentReplay is true when CreateEvent returned an event created
	// earlier with the same idempotency key (HTTP 200 and the
	// Idempotent-Replayed header instead of 201). Not part of the JSON.
	IdempotentReplay bool `json:"-"`
}

// EventList is one page of the inbox (schema EventList).
type EventList struct {
	Events []Event `json:"events"`
	// NextCursor is the cursor of the next page; empty on the last page
	// (null on the wire).
	NextCursor string `json:"next_cursor"`
}

// ---- API keys ----

// APIKeyRole is the role of an API key (schema ApiKeyRole).
type APIKeyRole string

// The values of APIKeyRole.
const (
	RoleAdmin    APIKeyRole = "admin"
	RoleStandard APIKeyRole = "standard"
)

// APIKeyStatus is the status of an API key (schema ApiKeyStatus).
type APIKeyStatus string

// The values of APIKeyStatus.
const (
	KeyActive  APIKeyStatus = "active"
	KeyRevoked APIKeyStatus = "revoked"
)

// APIKeyVersionStatus is the status of one version of an API key (schema
// ApiKeyVersionStatus).
type APIKeyVersionStatus string

// The values of APIKeyVersionStatus.
const (
	VersionActive   APIKeyVersionStatus = "active"
	VersionRotating APIKeyVersionStatus = "rotating"
	VersionExpired  APIKeyVersionStatus = "expired"
	VersionRevoked  APIKeyVersionStatus = "revoked"
)

// APIKey is an API key, without its secrets (schema ApiKey).
type APIKey struct {
	// KeyID is the public id, "key_…" (schema ApiKeyId).
	KeyID            string       `json:"key_id"`
	Name             string       `json:"name"`
	Role             APIKeyRole   `json:"role"`
	RequireSignature bool         `json:"require_signature"`
	Status           APIKeyStatus `json:"status"`
	CurrentVersion   int          `json:"current_version"`
	CreatedAt        time.Time    `json:"created_at"`
	RevokedAt        *time.Time   `json:"revoked_at"`
}

// APIKeyVersion is one version of an API key (schema ApiKeyVersion).
type APIKeyVersion struct {
	Version         int                 `json:"version"`
	PreviousVersion *int                `json:"previous_version"`
	CreatedAt       time.Time           `json:"created_at"`
	RotatedAt       *time.Time          `json:"rotated_at"`
	ExpiresAt       *time.Time          `json:"expires_at"`
	Status          APIKeyVersionStatus `json:"status"`
}

// APIKeyWithSecrets is a new API key or version with its secrets, returned
// once by CreateAPIKey (schema ApiKeyWithSecrets).
type APIKeyWithSecrets struct {
	APIKey
	// Key is the API key string, "trgk_…": the bearer token.
	Key Secret `json:"api_key"`
	// SigningSecret is the v1 request signing secret, "trgs_…" (WithSigning).
	SigningSecret Secret        `json:"signing_secret"`
	Version       APIKeyVersion `json:"version"`
}

// Format prints k with its secrets redacted.
func (k APIKeyWithSecrets) Format(f fmt.State, verb rune) {
	type apiKeyWithSecrets APIKeyWithSecrets
	k.Key, k.SigningSecret = k.Key.redacted(), k.SigningSecret.redacted()
	formatAs(f, verb, apiKeyWithSecrets(k))
}

// RotatedAPIKey is the result of RotateAPIKey (schema RotatedApiKey): the
// new version with its secrets and the earlier versions.
type RotatedAPIKey struct {
	APIKeyWithSecrets
	PreviousVersions []APIKeyVersion `json:"previous_versions"`
}

// Format prints r with its secrets redacted.
func (r RotatedAPIKey) Format(f fmt.State, verb rune) {
	formatAs(f, verb, struct {
		APIKeyWithSecrets APIKeyWithSecrets
		PreviousVersions  []APIKeyVersion
	}{r.APIKeyWithSecrets, r.PreviousVersions})
}

// APIKeyList is one page of API keys (schema ApiKeyList).
type APIKeyList struct {
	APIKeys []APIKey `json:"api_keys"`
	// NextCursor is empty on the last page (null on the wire).
	NextCursor string `json:"next_cursor"`
}

// APIKeyVersionList lists every version of a key (schema ApiKeyVersionList).
type APIKeyVersionList struct {
	KeyID    string          `json:"key_id"`
	Versions []APIKeyVersion `json:"versions"`
}

// CreateAPIKeyRequest is the body of CreateAPIKey (schema
// CreateApiKeyRequest).
type CreateAPIKeyRequest struct {
	Name string `json:"name"`
	// Role defaults to the service's default (standard) when empty.
	Role APIKeyRole `json:"role,omitempty"`
	// RequireSignature makes the service refuse unsigned requests made with
	// the key (401 signature_required).
	RequireSignature bool `json:"require_signature,omitempty"`
}

// RotateAPIKeyRequest is the body of RotateAPIKey (schema
// RotateApiKeyRequest).
type RotateAPIKeyRequest struct {
	// TransitionSeconds is how long the old version stays valid (nil: the
	// service's default, 7 days; 0: it expires at once; at most 30 days).
	TransitionSeconds *int `json:"transition_seconds,omitempty"`
}

// ---- webhooks ----

// Webhook is a registered webhook, without its secret (schema Webhook).
type Webhook struct {
	WebhookID string `json:"webhook_id"`
	URL       string `json:"url"`
	// Events are the event-type patterns ("*", "order.created", "order.*").
	Events   []string `json:"events"`
	IsActive bool     `json:"is_active"`
	// Description is empty when none was given.
	Description string `json:"description"`
	// MaxRetries is nil when the deployment's default applies.
	MaxRetries              *int       `json:"max_retries"`
	SecretVersion           int        `json:"secret_version"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
}

// WebhookWithSecret is a webhook with its signing secret, returned once by
// CreateWebhook and RotateWebhookSecret (schema WebhookWithSecret).
type WebhookWithSecret struct {
	Webhook
	// Secret is "whsec_…": give it to the receiver (WebhookHandler).
	Secret Secret `json:"secret"`
}

// Format prints w with its secret redacted.
func (w WebhookWithSecret) Format(f fmt.State, verb rune) {
	type webhookWithSecret WebhookWithSecret
	w.Secret = w.Secret.redacted()
	formatAs(f, verb, webhookWithSecret(w))
}

// WebhookList is one page of webhooks (schema WebhookList).
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
	// NextCursor is empty on the last page (null on the wire).
	NextCursor string `json:"next_cursor"`
}

// CreateWebhookRequest is the body of CreateWebhook (schema
// CreateWebhookRequest). Zero fields are left out, so the service's
// defaults apply.
type CreateWebhookRequest struct {
	URL string `json:"url"`
	// Events defaults to ["*"].
	Events      []string `json:"events,omitempty"`
	Description string   `json:"description,omitempty"`
	// IsActive defaults to true.
	IsActive *bool `json:"is_active,omitempty"`
	// MaxRetries defaults to the deployment's (0 to 20).
	MaxRetries *int `json:"max_retries,omitempty"`
	// Secret brings your own "whsec_…" secret (default: 32 random bytes).
	Secret Secret `json:"secret,omitempty"`
}

// Format prints r with its secret redacted.
func (r CreateWebhookRequest) Format(f fmt.State, verb rune) {
	type createWebhookRequest CreateWebhookRequest
	r.Secret = r.Secret.redacted()
	formatAs(f, verb, createWebhookRequest(r))
}

// UpdateWebhookRequest is the body of UpdateWebhook, a partial update
// (schema UpdateWebhookRequest): nil fields keep their value.
type UpdateWebhookRequest struct {
	URL *string `json:"url,omitempty"`
	// Events replaces the whole list when non-nil.
	Events      []string `json:"events,omitempty"`
	Description *string  `json:"description,omitempty"`
	IsActive    *bool    `json:"is_active,omitempty"`
	MaxRetries  *int     `json:"max_retries,omitempty"`
	// DefaultMaxRetries sends "max_retries": null, which returns the webhook
	// to the deployment's default. It excludes MaxRetries.
	DefaultMaxRetries bool `json:"-"`
}

// MarshalJSON sends "max_retries": null when DefaultMaxRetries is set.
func (r UpdateWebhookRequest) MarshalJSON() ([]byte, error) {
	type plain UpdateWebhookRequest
	if !r.DefaultMaxRetries {
		return json.Marshal(plain(r))
	}
	if r.MaxRetries != nil {
		return nil, fmt.Errorf("%w: UpdateWebhookRequest sets both MaxRetries and DefaultMaxRetries", ErrInvalidArgument)
	}
	return json.Marshal(struct {
		plain
		MaxRetries *int `json:"max_retries"`
	}{plain: plain(r)})
}

// RotateWebhookSecretRequest is the body of RotateWebhookSecret (schema
// RotateWebhookSecretRequest).
type RotateWebhookSecretRequest struct {
	// Secret brings your own new "whsec_…" secret (default: random).
	Secret Secret `json:"secret,omitempty"`
	// TransitionSeconds is how long the old secret still signs too (nil:
	// the default; 0: not at all; at most 7 days).
	TransitionSeconds *int `json:"transition_seconds,omitempty"`
}

// Format prints r with its secret redacted.
func (r RotateWebhookSecretRequest) Format(f fmt.State, verb rune) {
	type rotateWebhookSecretRequest RotateWebhookSecretRequest
	r.Secret = r.Secret.redacted()
	formatAs(f, verb, rotateWebhookSecretRequest(r))
}

// AttemptFailure says why an attempt got no HTTP response (schema
// AttemptFailure).
type AttemptFailure string

// The values of AttemptFailure.
const (
	FailureTimeout  AttemptFailure = "timeout"
	FailureDNS      AttemptFailure = "dns"
	FailureConnect  AttemptFailure = "connect"
	FailureTLS      AttemptFailure = "tls"
	FailureProtocol AttemptFailure = "protocol"
	FailureBlocked  AttemptFailure = "blocked"
)

// Attempt is one delivery attempt (schema Attempt).
type Attempt struct {
	DeliveryID string `json:"delivery_id"`
	Attempt    int    `json:"attempt"`
	// StatusCode is nil when there was no response (see Failure).
	StatusCode *int            `json:"status_code"`
	Failure    *AttemptFailure `json:"failure"`
	Success    bool            `json:"success"`
	LatencyMS  int64           `json:"latency_ms"`
	Error      *string         `json:"error"`
	// ResponseExcerpt is the first 1 KiB of the response body.
	ResponseExcerpt *string   `json:"response_excerpt"`
	AttemptedAt     time.Time `json:"attempted_at"`
}

// AttemptList is one page of a webhook's attempt log (schema AttemptList).
type AttemptList struct {
	WebhookID string    `json:"webhook_id"`
	Attempts  []Attempt `json:"attempts"`
	// NextCursor is empty on the last page (null on the wire).
	NextCursor string `json:"next_cursor"`
}

// TestDeliveryResult is what the receiver answered to TestWebhook (schema
// TestDeliveryResult).
type TestDeliveryResult struct {
	MsgID           string          `json:"msg_id"`
	Success         bool            `json:"success"`
	StatusCode      *int            `json:"status_code"`
	Failure         *AttemptFailure `json:"failure"`
	LatencyMS       int64           `json:"latency_ms"`
	ResponseExcerpt *string         `json:"response_excerpt"`
	Error           *string         `json:"error"`
}

// ---- dead letters ----

// DeadLetterReason says why a delivery was given up (schema
// DeadLetterReason).
type DeadLetterReason string

// The values of DeadLetterReason.
const (
	ReasonRetriesExhausted DeadLetterReason = "retries_exhausted"
	ReasonGone             DeadLetterReason = "gone"
	ReasonBlocked          DeadLetterReason = "blocked"
	ReasonWebhookInactive  DeadLetterReason = "webhook_inactive"
)

// DeadLetter is a delivery that was given up (schema DeadLetter).
type DeadLetter struct {
	DeliveryID     string           `json:"delivery_id"`
	WebhookID      string           `json:"webhook_id"`
	EventID        string           `json:"event_id"`
	EventType      string           `json:"event_type"`
	MsgID          string           `json:"msg_id"`
	Attempts       int              `json:"attempts"`
	LastStatusCode *int             `json:"last_status_code"`
	LastFailure    *AttemptFailure  `json:"last_failure"`
	Reason         DeadLetterReason `json:"reason"`
	DeadAt         time.Time        `json:"dead_at"`
	ReplayedAt     *time.Time       `json:"replayed_at"`
}

// DeadLetterList is one page of dead letters (schema DeadLetterList).
type DeadLetterList struct {
	DeadLetters []DeadLetter `json:"dead_letters"`
	// NextCursor is empty on the last page (null on the wire).
	NextCursor string `json:"next_cursor"`
}

// ReplayResult is the result of ReplayDeadLetter (schema ReplayResult).
type ReplayResult struct {
	DeliveryID string `json:"delivery_id"`
	Replayed   bool   `json:"replayed"`
}

// BulkReplayRequest is the body of ReplayDeadLetters (schema
// BulkReplayRequest): the webhook's dead letters with
// Since <= dead_at < Until (nil: unbounded).
type BulkReplayRequest struct {
	WebhookID string     `json:"webhook_id"`
	Since     *time.Time `json:"since,omitempty"`
	Until     *time.Time `json:"until,omitempty"`
}

// BulkReplayResult is the result of ReplayDeadLetters (schema
// BulkReplayResult). Truncated means more are left: call again.
type BulkReplayResult struct {
	WebhookID string `json:"webhook_id"`
	Replayed  int    `json:"replayed"`
	Skipped   int    `json:"skipped"`
	Truncated bool   `json:"truncated"`
}

// ---- analytics ----

// AnalyticsBucket is a bucket width, UTC-aligned (schema AnalyticsBucket).
type AnalyticsBucket string

// The values of AnalyticsBucket.
const (
	BucketMinute AnalyticsBucket = "minute"
	BucketHour   AnalyticsBucket = "hour"
	BucketDay    AnalyticsBucket = "day"
)

// AnalyticsMetric is what a timeseries plots (schema AnalyticsMetric):
// counts, rates (0 to 1, nil without a denominator) or latency percentiles
// in microseconds within 1% (nil without samples).
type AnalyticsMetric string

// The values of AnalyticsMetric.
const (
	MetricEvents              AnalyticsMetric = "events"
	MetricIngestLatencyP50    AnalyticsMetric = "ingest_latency_p50"
	MetricIngestLatencyP90    AnalyticsMetric = "ingest_latency_p90"
	MetricIngestLatencyP99    AnalyticsMetric = "ingest_latency_p99"
	MetricAPIRequests         AnalyticsMetric = "api_requests"
	MetricAPIErrors           AnalyticsMetric = "api_errors" // 4xx + 5xx
	MetricAPIErrorRate        AnalyticsMetric = "api_error_rate"
	MetricDeliveryAttempts    AnalyticsMetric = "delivery_attempts"
	MetricDeliveriesSucceeded AnalyticsMetric = "deliveries_succeeded" // 2xx attempts
	MetricDeliveryFailures    AnalyticsMetric = "delivery_failures"
	MetricRetries             AnalyticsMetric = "retries" // attempts after the first
	MetricDeadLetters         AnalyticsMetric = "dead_letters"
	// MetricAttemptSuccessRate is succeeded / attempts.
	MetricAttemptSuccessRate AnalyticsMetric = "attempt_success_rate"
	// MetricDeliverySuccessRate is succeeded / (succeeded + dead letters).
	MetricDeliverySuccessRate AnalyticsMetric = "delivery_success_rate"
	MetricIngestToDeliveryP50 AnalyticsMetric = "ingest_to_delivery_p50"
	MetricIngestToDeliveryP90 AnalyticsMetric = "ingest_to_delivery_p90"
	MetricIngestToDeliveryP99 AnalyticsMetric = "ingest_to_delivery_p99"
)

// AnalyticsDimension is what a breakdown groups by (schema
// AnalyticsDimension).
type AnalyticsDimension string

// The values of AnalyticsDimension.
const (
	// DimensionSource groups events by source.
	DimensionSource AnalyticsDimension = "source"
	// DimensionEventType groups events by event type.
	DimensionEventType AnalyticsDimension = "event_type"
	// DimensionWebhook groups delivery attempts by webhook (rows carry
	// AnalyticsBreakdownRow.Webhook).
	DimensionWebhook AnalyticsDimension = "webhook"
	// DimensionAPIStatus groups API requests by status code.
	DimensionAPIStatus AnalyticsDimension = "api_status"
	// DimensionDeliveryOutcome groups attempts by status class or failure
	// kind.
	DimensionDeliveryOutcome AnalyticsDimension = "delivery_outcome"
	// DimensionDeadLetterReason groups dead letters by reason.
	DimensionDeadLetterReason AnalyticsDimension = "dead_letter_reason"
)

// AnalyticsFilter is the filters a timeseries or breakdown applied (schema
// AnalyticsFilter); nil: none.
type AnalyticsFilter struct {
	Source    *string `json:"source"`
	EventType *string `json:"event_type"`
}

// AnalyticsLatency is a latency distribution in microseconds (schema
// AnalyticsLatency): exact count, min, max and mean, and percentiles from a
// DDSketch within 1% relative error. Every field but Count is nil without
// samples.
type AnalyticsLatency struct {
	Count  int64    `json:"count"`
	MinUS  *int64   `json:"min_us"`
	MaxUS  *int64   `json:"max_us"`
	MeanUS *float64 `json:"mean_us"`
	P50US  *float64 `json:"p50_us"`
	P90US  *float64 `json:"p90_us"`
	P99US  *float64 `json:"p99_us"`
}

// AnalyticsSummary is the account's totals, rates and latency percentiles
// over a range (schema AnalyticsSummary), the answer of
// GetAnalyticsSummary.
type AnalyticsSummary struct {
	// From is the start of the range read (inclusive, minute-aligned).
	From time.Time `json:"from"`
	// To is the end of the range read (exclusive, minute-aligned).
	To         time.Time               `json:"to"`
	Events     AnalyticsEventTotals    `json:"events"`
	API        AnalyticsAPITotals      `json:"api"`
	Deliveries AnalyticsDeliveryTotals `json:"deliveries"`
}

// AnalyticsEventTotals is AnalyticsSummary.Events.
type AnalyticsEventTotals struct {
	// Total counts the events ingested, each once (idempotent replays
	// excluded).
	Total         int64            `json:"total"`
	IngestLatency AnalyticsLatency `json:"ingest_latency"`
}

// AnalyticsAPITotals is AnalyticsSummary.API: authenticated API requests
// answered.
type AnalyticsAPITotals struct {
	Requests int64 `json:"requests"`
	// ByClass counts the requests by status class.
	ByClass AnalyticsStatusClasses `json:"by_class"`
	// Errors is 4xx + 5xx.
	Errors int64 `json:"errors"`
	// ErrorRate is Errors / Requests; nil without requests (as the other
	// rates).
	ErrorRate       *float64 `json:"error_rate"`
	ClientErrorRate *float64 `json:"client_error_rate"` // 4xx / requests
	ServerErrorRate *float64 `json:"server_error_rate"` // 5xx / requests
}

// AnalyticsStatusClasses counts by HTTP status class.
type AnalyticsStatusClasses struct {
	Class1xx int64 `json:"1xx"`
	Class2xx int64 `json:"2xx"`
	Class3xx int64 `json:"3xx"`
	Class4xx int64 `json:"4xx"`
	Class5xx int64 `json:"5xx"`
}

// AnalyticsDeliveryTotals is AnalyticsSummary.Deliveries.
type AnalyticsDeliveryTotals struct {
	// Attempts is the delivery attempts made; FirstAttempts the deliveries
	// started; Retries the attempts after the first.
	Attempts      int64 `json:"attempts"`
	FirstAttempts int64 `json:"first_attempts"`
	Retries       int64 `json:"retries"`
	// Succeeded is the attempts answered 2xx (deliveries completed); Failed
	// is Attempts - Succeeded; DeadLettered the deliveries given up.
	Succeeded    int64 `json:"succeeded"`
	Failed       int64 `json:"failed"`
	DeadLettered int64 `json:"dead_lettered"`
	// AttemptSuccessRate is Succeeded / Attempts (nil without attempts).
	AttemptSuccessRate *float64 `json:"attempt_success_rate"`
	// DeliverySuccessRate is Succeeded / (Succeeded + DeadLettered): of the
	// deliveries that finished in the range, the share delivered.
	DeliverySuccessRate *float64                   `json:"delivery_success_rate"`
	ByOutcome           AnalyticsDeliveryOutcomes  `json:"by_outcome"`
	DeadLettersByReason AnalyticsDeadLetterReasons `json:"dead_letters_by_reason"`
	// IngestToDelivery is the time from ingest to the successful delivery.
	IngestToDelivery AnalyticsLatency `json:"ingest_to_delivery"`
}

// AnalyticsDeliveryOutcomes counts attempts by outcome: the status class of
// an answer, or why there was none (the AttemptFailure values).
type AnalyticsDeliveryOutcomes struct {
	Class1xx    int64 `json:"1xx"`
	Class2xx    int64 `json:"2xx"`
	Class3xx    int64 `json:"3xx"`
	Class4xx    int64 `json:"4xx"`
	Class5xx    int64 `json:"5xx"`
	OtherStatus int64 `json:"other_status"`
	Timeout     int64 `json:"timeout"`
	DNS         int64 `json:"dns"`
	Connect     int64 `json:"connect"`
	TLS         int64 `json:"tls"`
	Protocol    int64 `json:"protocol"`
	Blocked     int64 `json:"blocked"`
}

// AnalyticsDeadLetterReasons counts dead letters by reason (the
// DeadLetterReason values).
type AnalyticsDeadLetterReasons struct {
	RetriesExhausted int64 `json:"retries_exhausted"`
	Gone             int64 `json:"gone"`
	Blocked          int64 `json:"blocked"`
	WebhookInactive  int64 `json:"webhook_inactive"`
}

// AnalyticsPoint is one bucket of a timeseries (schema AnalyticsPoint).
type AnalyticsPoint struct {
	// Start is the start of the bucket.
	Start time.Time `json:"start"`
	// Value is a count, a rate (0 to 1) or microseconds; nil for a rate or a
	// percentile without data.
	Value *float64 `json:"value"`
	// Exact is false when a filtered count could not be told apart from the
	// bucket's other sources or types: Value is then a lower bound.
	Exact bool `json:"exact"`
}

// AnalyticsTimeseries is one point per bucket of the range, oldest first,
// empty buckets included (schema AnalyticsTimeseries).
type AnalyticsTimeseries struct {
	Metric AnalyticsMetric  `json:"metric"`
	Bucket AnalyticsBucket  `json:"bucket"`
	From   time.Time        `json:"from"`
	To     time.Time        `json:"to"`
	Filter AnalyticsFilter  `json:"filter"`
	Points []AnalyticsPoint `json:"points"`
}

// AnalyticsWebhookStats is a webhook's counters in a breakdown by webhook
// (schema AnalyticsWebhookStats).
type AnalyticsWebhookStats struct {
	Attempts     int64 `json:"attempts"`
	Succeeded    int64 `json:"succeeded"` // 2xx attempts
	Retries      int64 `json:"retries"`   // attempts after the first
	DeadLettered int64 `json:"dead_lettered"`
}

// AnalyticsBreakdownRow is one group of a breakdown (schema
// AnalyticsBreakdownRow).
type AnalyticsBreakdownRow struct {
	// Key is the source, event type, webhook id, status code, outcome or
	// reason.
	Key   string `json:"key"`
	Count int64  `json:"count"`
	// Exact is false when part of this key's count may sit in Other (a
	// bucket tracks a bounded number of keys).
	Exact bool `json:"exact"`
	// Webhook holds the webhook's counters with DimensionWebhook; nil
	// otherwise.
	Webhook *AnalyticsWebhookStats `json:"webhook"`
}

// AnalyticsBreakdown is the largest groups first (ties by key), at most the
// limit, and the rest summed in Other (schema AnalyticsBreakdown).
type AnalyticsBreakdown struct {
	By     AnalyticsDimension `json:"by"`
	From   time.Time          `json:"from"`
	To     time.Time          `json:"to"`
	Filter AnalyticsFilter    `json:"filter"`
	// Total is everything counted in the range for this dimension.
	Total      int64                   `json:"total"`
	TotalExact bool                    `json:"total_exact"`
	Rows       []AnalyticsBreakdownRow `json:"rows"`
	// Other is Total minus the rows shown.
	Other int64 `json:"other"`
}

// AnalyticsExportRow is one bucket of an export (schema
// AnalyticsExportRow); a CSV export has the same columns in this order
// (empty cells for nil).
type AnalyticsExportRow struct {
	Start                 time.Time `json:"start"`
	End                   time.Time `json:"end"`
	Events                int64     `json:"events"`
	IngestLatencyP50US    *float64  `json:"ingest_latency_p50_us"`
	IngestLatencyP90US    *float64  `json:"ingest_latency_p90_us"`
	IngestLatencyP99US    *float64  `json:"ingest_latency_p99_us"`
	APIRequests           int64     `json:"api_requests"`
	API2xx                int64     `json:"api_2xx"`
	API4xx                int64     `json:"api_4xx"`
	API5xx                int64     `json:"api_5xx"`
	DeliveryAttempts      int64     `json:"delivery_attempts"`
	DeliveriesSucceeded   int64     `json:"deliveries_succeeded"`
	DeliveryFailures      int64     `json:"delivery_failures"`
	Retries               int64     `json:"retries"`
	DeadLetters           int64     `json:"dead_letters"`
	IngestToDeliveryP50US *float64  `json:"ingest_to_delivery_p50_us"`
	IngestToDeliveryP90US *float64  `json:"ingest_to_delivery_p90_us"`
	IngestToDeliveryP99US *float64  `json:"ingest_to_delivery_p99_us"`
}

// AnalyticsExport is every non-empty bucket of a range, oldest first
// (schema AnalyticsExport), the answer of ExportAnalytics.
type AnalyticsExport struct {
	Bucket AnalyticsBucket      `json:"bucket"`
	From   time.Time            `json:"from"`
	To     time.Time            `json:"to"`
	Rows   []AnalyticsExportRow `json:"rows"`
}

// ---- service ----

// Health is the answer of Health (schema Health): Status "ok".
type Health struct {
	Status string `json:"status"`
}

// OpenAPIDocument is the service's OpenAPI document (schema
// OpenApiDocument); Raw holds it whole.
type OpenAPIDocument struct {
	OpenAPI string          `json:"openapi"`
	Info    json.RawMessage `json:"info"`
	Paths   json.RawMessage `json:"paths"`
	// Raw is the whole document as received.
	Raw json.RawMessage `json:"-"`
}

// errorEnvelope is the body of every error response (schema ErrorEnvelope);
// its "error" member is schema Error, decoded into APIError.
type errorEnvelope struct {
	Error *APIError `json:"error"`
}

// ErrInvalidArgument is wrapped by the errors of bad arguments detected
// before any request is sent (an unusable base URL, an empty id, …):
// errors.Is(err, triggers.ErrInvalidArgument).
var ErrInvalidArgument = errors.New("triggers: invalid argument")
