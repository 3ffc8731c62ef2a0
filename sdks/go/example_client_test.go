package triggers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	triggers "github.com/zapier/triggers-api-go"
)

// The client examples need a running service, so they are compiled but not
// run; client_test.go runs the same calls against the real service.

func ExampleNewClient() {
	client, err := triggers.NewClient("http://127.0.0.1:8080", os.Getenv("TRIGGERS_API_KEY"),
		triggers.WithTimeout(10*time.Second),
		// Optional: sign every request (required for keys with require_signature).
		triggers.WithSigning(os.Getenv("TRIGGERS_KEY_ID"), []byte(os.Getenv("TRIGGERS_SIGNING_SECRET"))))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ev, err := client.CreateEvent(ctx, triggers.CreateEventRequest{
		Source:         "shop",
		EventType:      "order.created",
		Payload:        json.RawMessage(`{"order_id": 1, "total": 12.50}`),
		IdempotencyKey: "order-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ev.EventID, ev.Status)
}

func ExampleClient_Inbox() {
	client, _ := triggers.NewClient("http://127.0.0.1:8080", os.Getenv("TRIGGERS_API_KEY"))
	ctx := context.Background()
	// Every page, following next_cursor.
	for ev, err := range client.Inbox(ctx, triggers.InboxParams{Source: "shop", Limit: 100}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.EventType, string(ev.Payload))
		if _, err := client.AckEvent(ctx, ev.EventID); err != nil {
			log.Fatal(err)
		}
	}
}

func ExampleClient_CreateWebhook() {
	client, _ := triggers.NewClient("https://triggers.example.com", os.Getenv("TRIGGERS_ADMIN_KEY"))
	ctx := context.Background()
	wh, err := client.CreateWebhook(ctx, triggers.CreateWebhookRequest{
		URL:         "https://hooks.example.com/triggers",
		Events:      []string{"order.*"},
		Description: "orders to the ERP",
	})
	if err != nil {
		log.Fatal(err)
	}
	// The secret is returned once: store it with the receiver.
	// Printing it shows "[redacted]"; string(wh.Secret) is the value.
	fmt.Println(wh.WebhookID, wh.Secret)
}

func ExampleAPIError() {
	client, _ := triggers.NewClient("http://127.0.0.1:8080", os.Getenv("TRIGGERS_API_KEY"))
	_, err := client.GetEvent(context.Background(), "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b")
	var ae *triggers.APIError
	switch {
	case errors.As(err, &ae) && ae.Code == "not_found":
		fmt.Println("no such event")
	case errors.As(err, &ae):
		fmt.Println("HTTP", ae.StatusCode, ae.Code, "request", ae.RequestID)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Println("timed out")
	case err != nil:
		fmt.Println("network:", err)
	}
}

func ExampleNewSigningTransport() {
	secret := []byte("trgs_example")
	// A server verifying the signature (as the service does).
	v, _ := triggers.NewVerifier([][]byte{secret})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.RequestURI, r.Header.Get("X-Key-Id"), v.VerifyRequest(r, body))
	}))
	defer srv.Close()

	st, err := triggers.NewSigningTransport(http.DefaultTransport, "key_example", secret)
	if err != nil {
		panic(err)
	}
	hc := &http.Client{Transport: st}
	resp, err := hc.Post(srv.URL+"/v1/events/a%2fb?q=caf%C3%A9", "application/json", strings.NewReader(`{"x":1}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// /v1/events/a%2fb?q=caf%C3%A9 key_example <nil>
}

func ExampleWebhookHandler() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	h, err := triggers.WebhookHandler([]string{secret}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := triggers.WebhookFromContext(r.Context())
		ev, err := d.Event()
		if err != nil {
			http.Error(w, "not a Triggers event", http.StatusBadRequest)
			return
		}
		fmt.Println("verified", d.ID, ev.Type, string(ev.Data))
		w.WriteHeader(http.StatusNoContent)
	}))
	if err != nil {
		panic(err)
	}

	body := `{"id":"09269a97-891a-414a-906e-01bbd2520ea8","type":"order.created","source":"shop","timestamp":"2026-11-24T21:45:24.242811Z","data":{"total": 12.50}}`
	now := time.Now()
	sig, _ := triggers.SignWebhook("msg_09269a97891a414a906e01bbd2520ea8", now, []byte(body), secret)
	send := func(body string) {
		r := httptest.NewRequest(http.MethodPost, "/hooks/triggers", strings.NewReader(body))
		r.Header.Set("webhook-id", "msg_09269a97891a414a906e01bbd2520ea8")
		r.Header.Set("webhook-timestamp", triggers.WebhookTimestamp(now))
		r.Header.Set("webhook-signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(w.Code, " ", w.Body.String())))
	}
	send(body)
	send(strings.Replace(body, "12.50", "0.01", 1))
	// Output:
	// verified msg_09269a97891a414a906e01bbd2520ea8 order.created {"total": 12.50}
	// 204
	// 401 {"error":{"code":"signature_mismatch","message":"signature does not match"}}
}
