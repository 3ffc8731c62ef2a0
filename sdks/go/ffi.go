package triggers

/*
#cgo CFLAGS: -I${SRCDIR}/lib
#cgo LDFLAGS: -L${SRCDIR}/lib -ltriggers_ffi -lpthread -ldl -lm
#include "triggers.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// This file is the only one that talks to C. Every call passes Go memory
// that holds no Go pointers (string and []byte data, []C.size_t), which the
// C side reads during the call only; outputs are Go arrays sized by the ABI's
// constants. The C functions never retain a pointer and never panic across
// the boundary.

// abiVersion is the C ABI version this package was written against.
const abiVersion = 1

func init() {
	// The header and the library come from the same build (build.sh);
	// a mismatch means a broken build, which must not sign anything.
	if v := uint32(C.triggers_ffi_abi_version()); v != abiVersion || C.TRIGGERS_FFI_ABI_VERSION != abiVersion {
		panic(fmt.Sprintf("triggers: libtriggers_ffi ABI version %d, header %d, package %d: rebuild with sdks/go/build.sh",
			v, C.TRIGGERS_FFI_ABI_VERSION, abiVersion))
	}
}

// ABIVersion reports the version of the C ABI of the linked libtriggers_ffi.
func ABIVersion() uint32 { return uint32(C.triggers_ffi_abi_version()) }

var (
	errTableOnce sync.Once
	errTable     map[C.int32_t]*SignatureError
)

// errorFor turns a return code into nil or a *SignatureError (a fresh copy,
// so callers may keep or modify it).
func errorFor(rc C.int32_t) error {
	if rc == C.TRIGGERS_OK {
		return nil
	}
	errTableOnce.Do(func() {
		errTable = make(map[C.int32_t]*SignatureError)
		for n := C.int32_t(1); n <= 9; n++ {
			errTable[n] = describe(n)
		}
		for n := C.int32_t(100); n <= 104; n++ {
			errTable[n] = describe(n)
		}
	})
	if e, ok := errTable[rc]; ok {
		c := *e
		return &c
	}
	return describe(rc)
}

func describe(rc C.int32_t) *SignatureError {
	return &SignatureError{
		Code:    C.GoString(C.triggers_error_code(rc)),
		Message: C.GoString(C.triggers_error_message(rc)),
	}
}

// emptyByte gives a present-but-empty header a non-NULL pointer.
var emptyByte [1]byte

func strIn(s string) (*C.uint8_t, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

func bytesIn(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// headerIn passes a received header: NULL when absent, a non-NULL pointer
// (possibly with length 0) when present.
func headerIn(value string, present bool) (*C.uint8_t, C.size_t) {
	if !present {
		return nil, 0
	}
	if len(value) == 0 {
		return (*C.uint8_t)(unsafe.Pointer(&emptyByte[0])), 0
	}
	return strIn(value)
}

// secretList is the C ABI's secret list: every secret back to back, and
// their lengths.
type secretList struct {
	data []byte
	lens []C.size_t
}

func newSecretList[S ~string | ~[]byte](secrets []S) secretList {
	total := 0
	for _, s := range secrets {
		total += len(s)
	}
	l := secretList{data: make([]byte, 0, total), lens: make([]C.size_t, len(secrets))}
	for i, s := range secrets {
		l.data = append(l.data, s...)
		l.lens[i] = C.size_t(len(s))
	}
	return l
}

func (l secretList) in() (*C.uint8_t, *C.size_t, C.size_t) {
	data, _ := bytesIn(l.data)
	if len(l.lens) == 0 {
		return data, nil, 0
	}
	return data, &l.lens[0], C.size_t(len(l.lens))
}

// wipe overwrites the copied secrets (best effort: the garbage collector may
// have copied them already).
func (l secretList) wipe() { clear(l.data) }

func ffiSignRequest(method, target string, body, secret []byte, ts uint64) (timestamp, signature string, err error) {
	// One allocation for every output (it escapes to C).
	out := &struct {
		ts     [timestampMaxLen]byte
		sig    [signatureLen]byte
		tsLen  C.size_t
		sigLen C.size_t
	}{tsLen: timestampMaxLen, sigLen: signatureLen}
	m, ml := strIn(method)
	t, tl := strIn(target)
	b, bl := bytesIn(body)
	s, sl := bytesIn(secret)
	rc := C.triggers_sign_request(m, ml, t, tl, b, bl, s, sl, C.uint64_t(ts),
		(*C.uint8_t)(unsafe.Pointer(&out.ts[0])), &out.tsLen,
		(*C.uint8_t)(unsafe.Pointer(&out.sig[0])), &out.sigLen)
	if err := errorFor(rc); err != nil {
		return "", "", err
	}
	return string(out.ts[:out.tsLen]), string(out.sig[:out.sigLen]), nil
}

type rawHeader struct {
	value   string
	present bool
}

func ffiVerifyRequest(method, target string, body []byte, ts, sig, ver rawHeader, secrets secretList, tolerance, now uint64) error {
	m, ml := strIn(method)
	t, tl := strIn(target)
	b, bl := bytesIn(body)
	ht, htl := headerIn(ts.value, ts.present)
	hs, hsl := headerIn(sig.value, sig.present)
	hv, hvl := headerIn(ver.value, ver.present)
	sd, sls, sn := secrets.in()
	rc := C.triggers_verify_request(m, ml, t, tl, b, bl, ht, htl, hs, hsl, hv, hvl,
		sd, sls, sn, C.uint64_t(tolerance), C.uint64_t(now), nil)
	return errorFor(rc)
}

func ffiSignWebhook(id string, ts uint64, body []byte, secrets secretList) (string, error) {
	i, il := strIn(id)
	b, bl := bytesIn(body)
	sd, sls, sn := secrets.in()
	// One "v1,<base64>" entry per secret, space-separated.
	size := len(secrets.lens)*(webhookEntryLen+1) - 1
	if size < 1 {
		size = 1
	}
	for {
		out := make([]byte, size)
		outLen := C.size_t(len(out))
		rc := C.triggers_sign_webhook(i, il, C.uint64_t(ts), b, bl, sd, sls, sn,
			(*C.uint8_t)(unsafe.Pointer(&out[0])), &outLen)
		if rc == C.TRIGGERS_ERR_BUFFER_TOO_SMALL && int(outLen) > size {
			size = int(outLen)
			continue
		}
		if err := errorFor(rc); err != nil {
			return "", err
		}
		return string(out[:outLen]), nil
	}
}

func ffiVerifyWebhook(id, ts, sig rawHeader, body []byte, secrets secretList, tolerance, now uint64) error {
	hi, hil := headerIn(id.value, id.present)
	ht, htl := headerIn(ts.value, ts.present)
	hs, hsl := headerIn(sig.value, sig.present)
	b, bl := bytesIn(body)
	sd, sls, sn := secrets.in()
	rc := C.triggers_verify_webhook(hi, hil, ht, htl, hs, hsl, b, bl, sd, sls, sn,
		C.uint64_t(tolerance), C.uint64_t(now))
	return errorFor(rc)
}

// The ABI's size constants, as Go constants (checked against the header in
// the tests).
const (
	signatureLen    = 64
	timestampMaxLen = 19
	webhookEntryLen = 47
)

// cConstants exposes the header's values to the tests (cgo cannot be used
// in _test.go files).
func cConstants() (sig, ts, entry, tolerance int) {
	return C.TRIGGERS_SIGNATURE_LEN, C.TRIGGERS_TIMESTAMP_MAX_LEN,
		C.TRIGGERS_WEBHOOK_SIGNATURE_ENTRY_LEN, C.TRIGGERS_DEFAULT_TOLERANCE_SECS
}

// cCodes exposes every error number's code string to the tests.
func cCodes() map[int]string {
	m := make(map[int]string)
	for _, n := range []C.int32_t{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 101, 102, 103, 104, 105} {
		m[int(n)] = C.GoString(C.triggers_error_code(n))
	}
	return m
}
