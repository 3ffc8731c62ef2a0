// The Go side of the parity test: the Go SDK (cgo over bindings/ffi) signs
// every case.
//
//	(cd tests/parity/go && go run . ../cases.json)
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	triggers "github.com/zapier/triggers-api-go"
)

type requestCase struct {
	Secret    string `json:"secret"`
	Method    string `json:"method"`
	Target    string `json:"target"`
	Timestamp int64  `json:"timestamp"`
	Body      string `json:"body"`
}

type webhookCase struct {
	Secrets   []string `json:"secrets"`
	MsgID     string   `json:"msg_id"`
	Timestamp int64    `json:"timestamp"`
	Body      string   `json:"body"`
}

func outcome(sig string, err error) string {
	var se *triggers.SignatureError
	if errors.As(err, &se) {
		return "error:" + se.Code
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "parity:", err)
		os.Exit(1)
	}
	return sig
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: parity <cases.json>")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "parity:", err)
		os.Exit(1)
	}
	var cases struct {
		Requests []requestCase `json:"requests"`
		Webhooks []webhookCase `json:"webhooks"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		fmt.Fprintln(os.Stderr, "parity:", err)
		os.Exit(1)
	}
	out := struct {
		Requests []string `json:"requests"`
		Webhooks []string `json:"webhooks"`
	}{Requests: []string{}, Webhooks: []string{}}
	for _, c := range cases.Requests {
		body := decode(c.Body)
		h, err := triggers.Sign(c.Method, c.Target, body, []byte(c.Secret), time.Unix(c.Timestamp, 0))
		out.Requests = append(out.Requests, outcome(h.Signature, err))
	}
	for _, c := range cases.Webhooks {
		sig, err := triggers.SignWebhook(c.MsgID, time.Unix(c.Timestamp, 0), decode(c.Body), c.Secrets...)
		out.Webhooks = append(out.Webhooks, outcome(sig, err))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "parity:", err)
		os.Exit(1)
	}
}

func decode(b64 string) []byte {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parity: bad body:", err)
		os.Exit(1)
	}
	return b
}
