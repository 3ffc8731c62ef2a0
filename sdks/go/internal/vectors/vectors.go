// Package vectors reads triggers-signing/vectors/v1.json, the cross-language
// test vectors (format: triggers-signing/vectors/README.md). Tests only.
package vectors

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
)

// File is v1.json.
type File struct {
	Version        string        `json:"version"`
	RequestCases   []RequestCase `json:"request_cases"`
	RequestInvalid []InvalidCase `json:"request_invalid"`
	WebhookCases   []WebhookCase `json:"webhook_cases"`
}

// RequestCase: signing must give Canonical and Signature; verifying at
// now = Timestamp must pass.
type RequestCase struct {
	Name       string `json:"name"`
	Secret     string `json:"secret"`
	Method     string `json:"method"`
	Target     string `json:"target"`
	BodyBase64 string `json:"body_base64"`
	Timestamp  uint64 `json:"timestamp"`
	Canonical  string `json:"canonical"`
	Signature  string `json:"signature"`
}

// InvalidCase: verifying at Now with Headers (absent = missing) must fail
// with Error.
type InvalidCase struct {
	Name       string            `json:"name"`
	Secret     string            `json:"secret"`
	Method     string            `json:"method"`
	Target     string            `json:"target"`
	BodyBase64 string            `json:"body_base64"`
	Timestamp  uint64            `json:"timestamp"`
	Now        uint64            `json:"now"`
	Headers    map[string]string `json:"headers"`
	Error      string            `json:"error"`
}

// WebhookCase: signing with Secrets (or Secret) must give Signature.
type WebhookCase struct {
	Name       string   `json:"name"`
	Secret     string   `json:"secret"`
	Secrets    []string `json:"secrets,omitempty"`
	ID         string   `json:"id"`
	Timestamp  uint64   `json:"timestamp"`
	BodyBase64 string   `json:"body_base64"`
	Signature  string   `json:"signature"`
}

// AllSecrets is Secrets when present (a rotation), else just Secret.
func (c WebhookCase) AllSecrets() []string {
	if len(c.Secrets) > 0 {
		return c.Secrets
	}
	return []string{c.Secret}
}

// Body decodes a body_base64 value.
func Body(b64 string) []byte {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		panic(fmt.Sprintf("body_base64 %q: %v", b64, err))
	}
	return b
}

// Load reads and strictly decodes the vectors file at path.
func Load(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Version != "v1" || len(f.RequestCases) == 0 || len(f.RequestInvalid) == 0 || len(f.WebhookCases) == 0 {
		return nil, fmt.Errorf("%s: not a complete v1 vectors file", path)
	}
	return &f, nil
}
