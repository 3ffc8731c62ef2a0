package triggers

import (
	"bytes"
	"testing"
	"time"

	"github.com/zapier/triggers-api-go/internal/puresign"
)

// Benchmarks only (no timed assertions): the cgo call into the Rust core
// against a pure-Go crypto/hmac implementation of the same spec, 1 KiB body.
//
//	go test -run '^$' -bench . -benchmem

var (
	benchBody   = bytes.Repeat([]byte(`{"k":"0123456789abcdef"}`), 1024/24+1)[:1024]
	benchSecret = []byte("bench-signing-secret")
	benchTarget = "/v1/events?source=shop&event_type=order.created"
	benchTime   = time.Unix(1_700_000_000, 0)
	benchWhsec  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sink        string
)

func BenchmarkSignCgo(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h, err := Sign("POST", benchTarget, benchBody, benchSecret, benchTime)
		if err != nil {
			b.Fatal(err)
		}
		sink = h.Signature
	}
}

func BenchmarkSignPureGo(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sig, err := puresign.Sign(benchSecret, "POST", benchTarget, uint64(benchTime.Unix()), benchBody)
		if err != nil {
			b.Fatal(err)
		}
		sink = sig
	}
}

func BenchmarkSignWebhookCgo(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sig, err := SignWebhook("msg_p5jXN8AQM9LWM0D4loKWxJek", benchTime, benchBody, benchWhsec)
		if err != nil {
			b.Fatal(err)
		}
		sink = sig
	}
}

func BenchmarkSignWebhookPureGo(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sig, err := puresign.SignWebhook("msg_p5jXN8AQM9LWM0D4loKWxJek", uint64(benchTime.Unix()), benchBody, benchWhsec)
		if err != nil {
			b.Fatal(err)
		}
		sink = sig
	}
}

// Sanity for the comparison: both sides compute the same signature.
func TestBenchmarkSidesAgree(t *testing.T) {
	h, err := Sign("POST", benchTarget, benchBody, benchSecret, benchTime)
	if err != nil {
		t.Fatal(err)
	}
	pure, err := puresign.Sign(benchSecret, "POST", benchTarget, uint64(benchTime.Unix()), benchBody)
	if err != nil {
		t.Fatal(err)
	}
	if len(benchBody) != 1024 || h.Signature != pure {
		t.Fatalf("cgo %s, pure Go %s (body %d bytes)", h.Signature, pure, len(benchBody))
	}
}
