package triggers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const (
	demoTarget = "/v1/events/a%2fb?source=shop&b=2&a=1&flag"
	demoSig    = "3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f"
)

var demoBody = []byte(`{"x":1}`)

func TestABIVersionAndConstants(t *testing.T) {
	if got := ABIVersion(); got != abiVersion {
		t.Fatalf("ABI version %d, want %d", got, abiVersion)
	}
	sig, ts, entry, tol := cConstants()
	if sig != signatureLen || ts != timestampMaxLen || entry != webhookEntryLen {
		t.Fatalf("header constants %d/%d/%d differ from the Go ones", sig, ts, entry)
	}
	if time.Duration(tol)*time.Second != DefaultTolerance {
		t.Fatalf("default tolerance %d s", tol)
	}
}

func TestErrorCodesAreTheLibrarys(t *testing.T) {
	want := map[int]string{
		0: "ok", 1: CodeMissingHeader, 2: CodeMalformedHeader, 3: CodeUnsupportedVersion,
		4: CodeStaleTimestamp, 5: CodeFutureTimestamp, 6: CodeBadEncoding, 7: CodeInvalidMethod,
		8: CodeInvalidSecret, 9: CodeSignatureMismatch, 100: "null_pointer", 101: CodeInvalidUTF8,
		102: "buffer_too_small", 103: "invalid_argument", 104: CodeInternal, 105: "unknown",
	}
	got := cCodes()
	for n, code := range want {
		if got[n] != code {
			t.Errorf("error %d: library says %q, Go says %q", n, got[n], code)
		}
	}
}

func TestWorkedExampleOfTheSpec(t *testing.T) {
	h, err := Sign("post", demoTarget, demoBody, []byte("demo-secret"), time.Unix(1_700_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if h != (Headers{Timestamp: "1700000000", Signature: demoSig, Version: "v1"}) {
		t.Fatalf("got %+v", h)
	}
}

func TestErrorsAsIsAndHasCode(t *testing.T) {
	v, err := NewVerifier([][]byte{[]byte("k")}, fixedClock(1000))
	if err != nil {
		t.Fatal(err)
	}
	err = v.Verify("GET", "/", nil, http.Header{})
	wrapped := fmt.Errorf("handling request: %w", err)

	var se *SignatureError
	if !errors.As(wrapped, &se) || se.Code != CodeMissingHeader || se.Message == "" {
		t.Fatalf("errors.As: %#v", se)
	}
	if !errors.Is(wrapped, &SignatureError{Code: CodeMissingHeader}) {
		t.Fatal("errors.Is with the same code")
	}
	if errors.Is(wrapped, &SignatureError{Code: CodeSignatureMismatch}) {
		t.Fatal("errors.Is with another code")
	}
	if !HasCode(wrapped, CodeMissingHeader) || HasCode(wrapped, CodeStaleTimestamp) || HasCode(nil, CodeMissingHeader) {
		t.Fatal("HasCode")
	}
	if got := err.Error(); got != "triggers: missing_header: a required signature header is absent" {
		t.Fatalf("Error() = %q", got)
	}
	// Each error is a fresh value: changing one changes no other.
	se.Message = "changed"
	err2 := v.Verify("GET", "/", nil, http.Header{})
	if !errors.As(err2, &se) || se.Message == "changed" {
		t.Fatal("errors share state")
	}
}

func TestSignRefusesBadInput(t *testing.T) {
	ts := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name, method, target string
		secret               []byte
		ts                   time.Time
		code                 string
	}{
		{"method not UTF-8", "G\xffT", "/", []byte("k"), ts, CodeInvalidUTF8},
		{"target not UTF-8", "GET", "/\xc3", []byte("k"), ts, CodeInvalidUTF8},
		{"empty method", "", "/", []byte("k"), ts, CodeInvalidMethod},
		{"method with a space", "GE T", "/", []byte("k"), ts, CodeInvalidMethod},
		{"bad escape", "GET", "/%G1", []byte("k"), ts, CodeBadEncoding},
		{"empty secret", "GET", "/", nil, ts, CodeInvalidSecret},
		{"before 1970", "GET", "/", []byte("k"), time.Unix(-1, 0), CodeMalformedHeader},
	}
	for _, c := range cases {
		_, err := Sign(c.method, c.target, nil, c.secret, c.ts)
		wantCode(t, err, c.code, c.name)
	}
	// Secrets are bytes: not UTF-8 is fine, and so is a body.
	if _, err := Sign("GET", "/", []byte{0xff, 0}, []byte{0xff, 0xfe}, ts); err != nil {
		t.Fatal(err)
	}
}

func TestEmbeddedNULIsSignedNotTruncated(t *testing.T) {
	ts := time.Unix(1, 0)
	a, err := Sign("GET", "/a\x00b", nil, []byte("k"), ts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Sign("GET", "/a", nil, []byte("k"), ts)
	if err != nil {
		t.Fatal(err)
	}
	if a.Signature == b.Signature {
		t.Fatal("a NUL in the target must not truncate it")
	}
}

func TestNewVerifierNeedsSecrets(t *testing.T) {
	_, err := NewVerifier(nil)
	wantCode(t, err, CodeInvalidSecret, "no secret")
	_, err = NewVerifier([][]byte{[]byte("k"), {}})
	wantCode(t, err, CodeInvalidSecret, "an empty secret")
}

func TestVerifierCopiesItsSecrets(t *testing.T) {
	secret := []byte("demo-secret")
	v, err := NewVerifier([][]byte{secret}, fixedClock(1_700_000_000))
	if err != nil {
		t.Fatal(err)
	}
	h, err := Sign("POST", demoTarget, demoBody, secret, time.Unix(1_700_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	copy(secret, "XXXXXXXXXXX")
	hdr := http.Header{}
	h.Apply(hdr)
	if err := v.Verify("POST", demoTarget, demoBody, hdr); err != nil {
		t.Fatalf("the verifier must keep its own copy: %v", err)
	}
}

func TestToleranceAndClock(t *testing.T) {
	h, err := Sign("GET", "/", nil, []byte("k"), time.Unix(1000, 0))
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{}
	h.Apply(hdr)
	check := func(now uint64, code string, opts ...Option) {
		t.Helper()
		v, err := NewVerifier([][]byte{[]byte("k")}, append(opts, fixedClock(now))...)
		if err != nil {
			t.Fatal(err)
		}
		err = v.Verify("GET", "/", nil, hdr)
		if code == "" {
			if err != nil {
				t.Fatalf("now=%d: %v", now, err)
			}
			return
		}
		wantCode(t, err, code, fmt.Sprintf("now=%d", now))
	}
	check(1300, "")
	check(700, "")
	check(1301, CodeStaleTimestamp)
	check(699, CodeFutureTimestamp)
	check(1010, "", WithTolerance(10*time.Second))
	check(1011, CodeStaleTimestamp, WithTolerance(10*time.Second))
	check(1001, CodeStaleTimestamp, WithTolerance(-time.Second))
	check(1301, "", WithTolerance(time.Hour))
}

func TestAbsentAndEmptyHeadersDiffer(t *testing.T) {
	h, err := Sign("GET", "/", nil, []byte("k"), time.Unix(1000, 0))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier([][]byte{[]byte("k")}, fixedClock(1000))
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{}
	h.Apply(hdr)
	if err := v.Verify("GET", "/", nil, hdr); err != nil {
		t.Fatal(err)
	}
	hdr[HeaderTimestamp] = []string{""}
	wantCode(t, v.Verify("GET", "/", nil, hdr), CodeMalformedHeader, "empty timestamp header")
	hdr.Del(HeaderTimestamp)
	wantCode(t, v.Verify("GET", "/", nil, hdr), CodeMissingHeader, "absent timestamp header")
}

func TestVerifyRequestFromNetHTTP(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	h, err := Sign("POST", demoTarget, demoBody, []byte("demo-secret"), now)
	if err != nil {
		t.Fatal(err)
	}
	// A server-side request value; no network involved.
	r := httptest.NewRequest(http.MethodPost, demoTarget, bytes.NewReader(demoBody))
	h.Apply(r.Header)
	v, err := NewVerifier([][]byte{[]byte("new"), []byte("demo-secret")},
		WithClock(func() time.Time { return now.Add(30 * time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyRequest(r, demoBody); err != nil {
		t.Fatal(err)
	}
	wantCode(t, v.VerifyRequest(r, []byte(`{"x":2}`)), CodeSignatureMismatch, "another body")
	r.RequestURI = ""
	if err := v.VerifyRequest(r, demoBody); err != nil {
		t.Fatalf("falls back to r.URL.RequestURI(): %v", err)
	}
}

func TestWebhookErrors(t *testing.T) {
	ts := time.Unix(1_614_265_330, 0)
	_, err := SignWebhook("msg_1", ts, nil)
	wantCode(t, err, CodeInvalidSecret, "no secret")
	_, err = SignWebhook("msg_1", ts, nil, "whsec_not base64!")
	wantCode(t, err, CodeInvalidSecret, "bad base64")
	_, err = SignWebhook("msg 1", ts, nil, "whsec_AAAA")
	wantCode(t, err, CodeMalformedHeader, "id with a space")
	_, err = SignWebhook("msg_\xff", ts, nil, "whsec_AAAA")
	wantCode(t, err, CodeInvalidUTF8, "id not UTF-8")

	sig, err := SignWebhook("msg_1", ts, []byte("{}"), "whsec_AAAA")
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{}
	hdr.Set(HeaderWebhookID, "msg_1")
	hdr.Set(HeaderWebhookTimestamp, WebhookTimestamp(ts))
	hdr.Set(HeaderWebhookSignature, sig)
	clock := WithClock(func() time.Time { return ts })
	wantCode(t, VerifyWebhook(hdr, []byte("{}"), nil, clock), CodeInvalidSecret, "no secrets")
	if err := VerifyWebhook(hdr, []byte("{}"), []string{"whsec_AAAA"}, clock); err != nil {
		t.Fatal(err)
	}
	// Default clock: the timestamp is years old.
	wantCode(t, VerifyWebhook(hdr, []byte("{}"), []string{"whsec_AAAA"}), CodeStaleTimestamp, "real clock")
	hdr.Set(HeaderWebhookSignature, "v2,abc")
	wantCode(t, VerifyWebhook(hdr, []byte("{}"), []string{"whsec_AAAA"}, clock), CodeUnsupportedVersion, "no v1 entry")
	hdr.Set(HeaderWebhookSignature, "v2,abc "+sig)
	if err := VerifyWebhook(hdr, []byte("{}"), []string{"whsec_AAAA"}, clock); err != nil {
		t.Fatalf("an unknown entry must not hide the v1 one: %v", err)
	}
	hdr.Del(HeaderWebhookID)
	wantCode(t, VerifyWebhook(hdr, []byte("{}"), []string{"whsec_AAAA"}, clock), CodeMissingHeader, "no id")
}

func TestWebhookRotationLength(t *testing.T) {
	secrets := []string{"whsec_AAAA", "whsec_AQID", "whsec_BAUG"}
	sig, err := SignWebhook("msg_1", time.Unix(5, 0), nil, secrets...)
	if err != nil {
		t.Fatal(err)
	}
	if len(sig) != len(secrets)*(webhookEntryLen+1)-1 {
		t.Fatalf("length %d", len(sig))
	}
}

// Run with -race: one Verifier, many goroutines.
func TestConcurrentUse(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	v, err := NewVerifier([][]byte{[]byte("demo-secret")}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				h, err := Sign("post", demoTarget, demoBody, []byte("demo-secret"), now)
				if err != nil || h.Signature != demoSig {
					errs <- fmt.Errorf("sign: %v %q", err, h.Signature)
					return
				}
				hdr := http.Header{}
				h.Apply(hdr)
				if err := v.Verify("POST", demoTarget, demoBody, hdr); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
