// Package puresign is a pure-Go (crypto/hmac) implementation of the v1
// request-signing spec (docs/SIGNING.md) and of Standard Webhooks v1
// signing. It is NOT the SDK: the SDK runs the Rust core through cgo so that
// every language signs with the same code. This package exists as a
// benchmark baseline (BenchmarkSignPureGo against BenchmarkSignCgo) and is
// checked against the same test vectors, so the comparison is between two
// correct implementations.
package puresign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// Error is a spec error code ("invalid_method", "bad_encoding", ...).
type Error string

func (e Error) Error() string { return string(e) }

const (
	errInvalidMethod   Error = "invalid_method"
	errBadEncoding     Error = "bad_encoding"
	errInvalidSecret   Error = "invalid_secret"
	errMalformedHeader Error = "malformed_header"
)

const maxTimestamp = 9_999_999_999_999_999_999

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// Method is the METHOD line: an RFC 9110 token, ASCII upper-cased.
func Method(m string) (string, error) {
	if m == "" {
		return "", errInvalidMethod
	}
	for i := 0; i < len(m); i++ {
		if !isTchar(m[i]) {
			return "", errInvalidMethod
		}
	}
	return strings.ToUpper(m), nil // the token is ASCII
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// normalize percent-decodes one component and re-encodes it (section 2.1),
// appending to b.
func normalize(b *strings.Builder, s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) {
				return errBadEncoding
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return errBadEncoding
			}
			c = hi<<4 | lo
			i += 2
		}
		if unreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	return nil
}

func normalized(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	if err := normalize(&b, s); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Path is the PATH line (section 2.3) of a path (the target before '?').
func Path(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	var b strings.Builder
	b.Grow(len(p) + 8)
	for i, seg := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if err := normalize(&b, seg); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// Query is the QUERY line (section 2.4) of a raw query (after the first '?').
func Query(q string) (string, error) {
	if q == "" {
		return "", nil
	}
	type pair struct{ k, v string }
	var pairs []pair
	for _, piece := range strings.Split(q, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		nk, err := normalized(k)
		if err != nil {
			return "", err
		}
		nv, err := normalized(v)
		if err != nil {
			return "", err
		}
		pairs = append(pairs, pair{nk, nv})
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// Canonical is the string to sign (section 2), checking the method, then the
// path, then the query.
func Canonical(method, target, timestamp string, body []byte) (string, error) {
	m, err := Method(method)
	if err != nil {
		return "", err
	}
	path, query, _ := strings.Cut(target, "?")
	p, err := Path(path)
	if err != nil {
		return "", err
	}
	q, err := Query(query)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(body)
	return m + "\n" + p + "\n" + q + "\n" + timestamp + "\n" + hex.EncodeToString(sum[:]), nil
}

// Sign returns the X-Signature value for a request.
func Sign(secret []byte, method, target string, ts uint64, body []byte) (string, error) {
	if len(secret) == 0 {
		return "", errInvalidSecret
	}
	if ts > maxTimestamp {
		return "", errMalformedHeader
	}
	canonical, err := Canonical(method, target, strconv.FormatUint(ts, 10), body)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(canonical))
	return hex.EncodeToString(mac.Sum(nil)), nil
}

// SignWebhook returns the webhook-signature value for one or more
// "whsec_<base64>" secrets.
func SignWebhook(id string, ts uint64, body []byte, secrets ...string) (string, error) {
	if len(secrets) == 0 {
		return "", errInvalidSecret
	}
	if id == "" {
		return "", errMalformedHeader
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return "", errMalformedHeader
		}
	}
	if ts > maxTimestamp {
		return "", errMalformedHeader
	}
	prefix := id + "." + strconv.FormatUint(ts, 10) + "."
	entries := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil || len(key) == 0 {
			return "", errInvalidSecret
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(prefix))
		mac.Write(body)
		entries = append(entries, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(entries, " "), nil
}
