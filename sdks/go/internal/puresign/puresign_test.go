package puresign

import (
	"strconv"
	"testing"

	"github.com/zapier/triggers-api-go/internal/vectors"
)

// The baseline must be correct for the benchmark comparison to mean
// anything: it passes the same vectors as the SDK.
func TestPureGoSignsEveryVector(t *testing.T) {
	f, err := vectors.Load("../../../../triggers-signing/vectors/v1.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.RequestCases {
		body := vectors.Body(c.BodyBase64)
		canonical, err := Canonical(c.Method, c.Target, strconv.FormatUint(c.Timestamp, 10), body)
		if err != nil {
			t.Errorf("%s: canonical: %v", c.Name, err)
			continue
		}
		if canonical != c.Canonical {
			t.Errorf("%s: canonical\n got %q\nwant %q", c.Name, canonical, c.Canonical)
		}
		sig, err := Sign([]byte(c.Secret), c.Method, c.Target, c.Timestamp, body)
		if err != nil || sig != c.Signature {
			t.Errorf("%s: signature %q (%v), want %q", c.Name, sig, err, c.Signature)
		}
	}
	for _, c := range f.WebhookCases {
		sig, err := SignWebhook(c.ID, c.Timestamp, vectors.Body(c.BodyBase64), c.AllSecrets()...)
		if err != nil || sig != c.Signature {
			t.Errorf("%s: webhook signature %q (%v), want %q", c.Name, sig, err, c.Signature)
		}
	}
}

// The canonicalization errors of the invalid cases (the other codes belong
// to header checks, which this baseline does not implement).
func TestPureGoCanonicalizationErrors(t *testing.T) {
	f, err := vectors.Load("../../../../triggers-signing/vectors/v1.json")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range f.RequestInvalid {
		if c.Error != "bad_encoding" && c.Error != "invalid_method" {
			continue
		}
		checked++
		_, err := Canonical(c.Method, c.Target, "1", vectors.Body(c.BodyBase64))
		if err == nil || err.Error() != c.Error {
			t.Errorf("%s: got %v, want %s", c.Name, err, c.Error)
		}
	}
	if checked == 0 {
		t.Fatal("no canonicalization cases in the vectors")
	}
}
