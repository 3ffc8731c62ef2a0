// Command triggers-go-example walks through the Go SDK against a running
// Triggers service: it starts a webhook receiver on 127.0.0.1 that verifies
// signatures (triggers.WebhookHandler), registers it as a webhook, sends an
// event, waits for the verified delivery, lists the webhook's delivery
// attempts, reads the account's analytics of the last hour, and cleans up. With a signing secret, every API request is
// signed (v1 request signing).
//
//	TRIGGERS_BASE_URL=http://127.0.0.1:8080 \
//	TRIGGERS_API_KEY=trgk_… \
//	TRIGGERS_KEY_ID=key_… TRIGGERS_SIGNING_SECRET=trgs_… \
//	go run .
//
// The service must allow webhooks to loopback addresses
// (serve --webhooks-allow-local true). See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	triggers "github.com/zapier/triggers-api-go"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("example: ")
	if err := run(); err != nil {
		var ae *triggers.APIError
		if errors.As(err, &ae) {
			log.Fatalf("the service refused a request: HTTP %d %s: %s (request id %s)", ae.StatusCode, ae.Code, ae.Message, ae.RequestID)
		}
		log.Fatal(err)
	}
}

func run() error {
	baseURL := envOr("TRIGGERS_BASE_URL", "http://127.0.0.1:8080")
	apiKey := os.Getenv("TRIGGERS_API_KEY") // an admin key: webhooks need one
	if apiKey == "" {
		return errors.New("set TRIGGERS_API_KEY to an admin API key (trgk_…)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// 1. The client. With a signing secret, every request is signed.
	opts := []triggers.ClientOption{triggers.WithTimeout(15 * time.Second)}
	if secret := os.Getenv("TRIGGERS_SIGNING_SECRET"); secret != "" {
		opts = append(opts, triggers.WithSigning(os.Getenv("TRIGGERS_KEY_ID"), []byte(secret)))
		fmt.Println("signing requests with key", os.Getenv("TRIGGERS_KEY_ID"))
	}
	client, err := triggers.NewClient(baseURL, apiKey, opts...)
	if err != nil {
		return err
	}
	health, err := client.Health(ctx)
	if err != nil {
		return fmt.Errorf("is the service running at %s? %w", baseURL, err)
	}
	fmt.Println("service:", health.Status)

	// 2. A loopback port for the receiver, so the webhook URL is known
	// before the webhook (and so its secret) exists.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hookURL := "http://" + ln.Addr().String() + "/hooks/triggers"

	// 3. Register the webhook. Its secret is in this response only.
	wh, err := client.CreateWebhook(ctx, triggers.CreateWebhookRequest{
		URL:         hookURL,
		Events:      []string{"example.*"},
		Description: "Go SDK example",
	})
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		if err := client.DeleteWebhook(context.Background(), wh.WebhookID); err != nil {
			log.Printf("deleting the webhook: %v", err)
		}
	}()
	fmt.Println("webhook:", wh.WebhookID, "->", wh.URL, "secret:", wh.Secret) // prints [redacted]

	// 4. The receiver: WebhookHandler verifies each delivery before the
	// handler runs (401 otherwise) and hands it over in the context.
	delivered := make(chan *triggers.WebhookEvent, 4)
	var seen sync.Map // webhook-id → true: deliveries are at least once
	onEvent := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := triggers.WebhookFromContext(r.Context())
		if _, dup := seen.LoadOrStore(d.ID, true); dup {
			w.WriteHeader(http.StatusNoContent) // already processed
			return
		}
		ev, err := d.Event()
		if err != nil {
			http.Error(w, "not a Triggers event", http.StatusBadRequest)
			return
		}
		delivered <- ev
		w.WriteHeader(http.StatusNoContent)
	})
	verified, err := triggers.WebhookHandler([]string{string(wh.Secret)}, onEvent,
		triggers.WithOnError(func(r *http.Request, err error) { log.Printf("refused a delivery: %v", err) }))
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/triggers", verified)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown(context.Background())

	// 5. Send an event that the webhook's pattern matches.
	ev, err := client.CreateEvent(ctx, triggers.CreateEventRequest{
		Source:    "go-example",
		EventType: "example.order.created",
		Payload:   json.RawMessage(`{"order_id": 1001, "total": 12.50}`),
	})
	if err != nil {
		return err
	}
	fmt.Println("event:", ev.EventID, ev.EventType, ev.Status)

	// 6. Wait for the verified delivery.
	for got := false; !got; {
		select {
		case d := <-delivered:
			if d.ID == ev.EventID {
				fmt.Printf("delivered and verified: %s %s data=%s\n", d.ID, d.Type, d.Data)
				got = true
			}
		case <-ctx.Done():
			return fmt.Errorf("no delivery of event %s: %w", ev.EventID, ctx.Err())
		}
	}

	// 7. The webhook's attempt log, newest first, every page (the attempt
	// is logged once the receiver has answered: poll briefly).
	var attempts []triggers.Attempt
	for len(attempts) == 0 {
		for a, err := range client.WebhookDeliveries(ctx, wh.WebhookID, triggers.ListParams{Limit: 20}) {
			if err != nil {
				return err
			}
			attempts = append(attempts, a)
		}
		if len(attempts) == 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("the attempt log stays empty: %w", ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	for _, a := range attempts {
		status := "no response"
		if a.StatusCode != nil {
			status = fmt.Sprint(*a.StatusCode)
		}
		fmt.Printf("attempt %d of delivery %s: success=%t status=%s latency=%dms\n",
			a.Attempt, a.DeliveryID, a.Success, status, a.LatencyMS)
	}

	// 8. Acknowledge the event: it leaves the inbox.
	if _, err := client.AckEvent(ctx, ev.EventID); err != nil {
		return err
	}
	fmt.Println("acknowledged", ev.EventID)

	// 9. The account's analytics of the last hour (counted asynchronously:
	// the newest event may take a moment to show).
	lastHour := triggers.AnalyticsRange{From: time.Now().Add(-time.Hour), To: time.Now()}
	sum, err := client.GetAnalyticsSummary(ctx, triggers.AnalyticsSummaryParams{AnalyticsRange: lastHour})
	if err != nil {
		return err
	}
	fmt.Printf("last hour: %d events, %d API requests, delivery success %s, ingest to delivery p99 %s\n",
		sum.Events.Total, sum.API.Requests, percent(sum.Deliveries.DeliverySuccessRate), millis(sum.Deliveries.IngestToDelivery.P99US))
	top, err := client.GetAnalyticsBreakdown(ctx, triggers.AnalyticsBreakdownParams{
		AnalyticsRange: lastHour, By: triggers.DimensionEventType, Limit: 3,
	})
	if err != nil {
		return err
	}
	for _, r := range top.Rows {
		fmt.Printf("event type %s: %d\n", r.Key, r.Count)
	}
	return nil
}

// percent formats a rate (nil: no data).
func percent(rate *float64) string {
	if rate == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *rate*100)
}

// millis formats microseconds as milliseconds (nil: no samples).
func millis(us *float64) string {
	if us == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f ms", *us/1000)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
