package triggers_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	triggers "github.com/zapier/triggers-api-go"
)

func ExampleSign() {
	body := []byte(`{"x":1}`)
	h, err := triggers.Sign("POST", "/v1/events/a%2fb?source=shop&b=2&a=1&flag", body,
		[]byte("demo-secret"), time.Unix(1_700_000_000, 0))
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080/v1/events/a%2fb?source=shop&b=2&a=1&flag", nil)
	h.Apply(req.Header)
	fmt.Println(req.Header.Get("X-Signature-Timestamp"))
	fmt.Println(req.Header.Get("X-Signature"))
	fmt.Println(req.Header.Get("X-Signature-Version"))
	// Output:
	// 1700000000
	// 3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f
	// v1
}

func ExampleVerifier_Verify() {
	body := []byte(`{"x":1}`)
	signedAt := time.Unix(1_700_000_000, 0)
	h, _ := triggers.Sign("POST", "/v1/events", body, []byte("old-secret"), signedAt)
	hdr := http.Header{}
	h.Apply(hdr)

	// During a rotation, both secrets are candidates.
	v, err := triggers.NewVerifier([][]byte{[]byte("new-secret"), []byte("old-secret")},
		triggers.WithTolerance(5*time.Minute),
		triggers.WithClock(func() time.Time { return signedAt.Add(time.Minute) }))
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Verify("POST", "/v1/events", body, hdr))

	err = v.Verify("POST", "/v1/events", []byte(`{"x":2}`), hdr)
	var se *triggers.SignatureError
	if errors.As(err, &se) {
		fmt.Println(se.Code)
	}
	// Output:
	// <nil>
	// signature_mismatch
}

func ExampleVerifyWebhook() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	ts := time.Unix(1614265330, 0)
	sig, err := triggers.SignWebhook("msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body, secret)
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)

	hdr := http.Header{}
	hdr.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	hdr.Set("webhook-timestamp", triggers.WebhookTimestamp(ts))
	hdr.Set("webhook-signature", sig)
	clock := triggers.WithClock(func() time.Time { return ts.Add(10 * time.Second) })
	fmt.Println(triggers.VerifyWebhook(hdr, body, []string{secret}, clock))
	fmt.Println(triggers.HasCode(triggers.VerifyWebhook(hdr, []byte("{}"), []string{secret}, clock),
		triggers.CodeSignatureMismatch))
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// <nil>
	// true
}
