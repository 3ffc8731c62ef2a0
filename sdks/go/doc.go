// Package triggers is the Go SDK of the Triggers API: an HTTP client of the
// service (docs/openapi.json), v1 request signing (docs/SIGNING.md) as a
// function and as an http.RoundTripper, and Standard Webhooks v1 signatures
// with a verifying net/http middleware for webhook receivers.
//
// The signatures are computed by the Rust core triggers-signing through its
// C ABI (bindings/ffi, linked statically with cgo), so Go signs byte for byte
// like every other SDK. Build the native library first: sdks/go/build.sh.
//
// # Calling the API
//
// NewClient takes the base URL and an API key ("trgk_…"); WithSigning adds
// v1 signatures to every request (required for keys created with
// require_signature). Every method takes a context first and maps to one
// operation of docs/openapi.json; list methods have an iterator that follows
// next_cursor:
//
//	client, err := triggers.NewClient("https://triggers.example.com", apiKey,
//		triggers.WithSigning(keyID, signingSecret), triggers.WithTimeout(10*time.Second))
//	ev, err := client.CreateEvent(ctx, triggers.CreateEventRequest{
//		Source: "shop", EventType: "order.created", Payload: json.RawMessage(`{"order_id":1}`)})
//	for ev, err := range client.Inbox(ctx, triggers.InboxParams{Source: "shop"}) { ... }
//
// Errors: *APIError when the service answered 400 or above (switch on Code,
// the stable code of the error envelope); an error wrapping
// ErrInvalidArgument for arguments refused before sending; otherwise the
// transport's error, wrapped, so errors.Is(err, context.DeadlineExceeded)
// and errors.As(err, **net.OpError) work.
//
// # Signing requests yourself
//
//	h, err := triggers.Sign("POST", "/v1/events?source=shop", body, secret, time.Now())
//	h.Apply(req.Header) // X-Signature-Timestamp, X-Signature, X-Signature-Version
//
// or let NewSigningTransport sign every request of any http.Client, with the
// target exactly as it goes on the request line. Verify with NewVerifier and
// Verifier.Verify.
//
// # Receiving webhooks
//
// WebhookHandler (or the middleware form VerifyWebhooks) verifies each
// delivery against the webhook's "whsec_…" secrets before your handler runs,
// answers 401 with a JSON error otherwise, and passes the verified delivery
// in the context (WebhookFromContext). SignWebhook and VerifyWebhook are the
// underlying functions. Signature errors are *SignatureError values whose
// Code is one of the Code* constants.
//
// # Secrets
//
// Secrets returned by the service have the type Secret, and the Client, the
// SigningTransport and the webhook handler hold theirs privately: fmt prints
// "[redacted]" for all of them, so logging a value never leaks one.
package triggers
