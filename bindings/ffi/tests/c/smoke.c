/*
 * Smoke test of the C ABI from C: compiled with gcc against the static
 * library and include/triggers.h by tests/c/run.sh. Prints one line per check
 * (never a secret) and exits non-zero on the first failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triggers.h"

static int failures = 0;

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (cond) {                                                            \
            printf("ok   %s\n", what);                                         \
        } else {                                                               \
            printf("FAIL %s (line %d)\n", what, __LINE__);                     \
            failures++;                                                        \
        }                                                                      \
    } while (0)

#define BYTES(s) (const uint8_t *)(s), strlen(s)

static int check_rc(int32_t rc, int32_t expected, const char *what) {
    if (rc != expected) {
        printf("FAIL %s: got %d (%s: %s), expected %d (%s)\n", what, rc,
               triggers_error_code(rc), triggers_error_message(rc), expected,
               triggers_error_code(expected));
        failures++;
        return 0;
    }
    printf("ok   %s (%s)\n", what, triggers_error_code(rc));
    return 1;
}

int main(void) {
    CHECK(triggers_ffi_abi_version() == TRIGGERS_FFI_ABI_VERSION,
          "ABI version of the library matches the header");

    /* docs/SIGNING.md section 9, the worked example. */
    const char *method = "post";
    const char *target = "/v1/events/a%2fb?source=shop&b=2&a=1&flag";
    const char *body = "{\"x\":1}";
    const char *secret = "demo-secret";
    uint8_t ts[TRIGGERS_TIMESTAMP_MAX_LEN];
    uint8_t sig[TRIGGERS_SIGNATURE_LEN];
    size_t ts_len = sizeof ts, sig_len = sizeof sig;
    int32_t rc = triggers_sign_request(BYTES(method), BYTES(target), BYTES(body),
                                       BYTES(secret), 1700000000u, ts, &ts_len,
                                       sig, &sig_len);
    if (check_rc(rc, TRIGGERS_OK, "sign the worked example")) {
        CHECK(ts_len == 10 && memcmp(ts, "1700000000", 10) == 0,
              "X-Signature-Timestamp is 1700000000");
        CHECK(sig_len == 64 &&
                  memcmp(sig,
                         "3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f",
                         64) == 0,
              "X-Signature is the spec's value");
    }

    /* Verify it, the secret second of two (a rotation). */
    const char *secrets = "new-secret" "demo-secret";
    size_t lens[2] = {strlen("new-secret"), strlen("demo-secret")};
    size_t index = 99;
    rc = triggers_verify_request(BYTES(method), BYTES(target), BYTES(body), ts,
                                 ts_len, sig, sig_len, (const uint8_t *)"v1", 2,
                                 (const uint8_t *)secrets, lens, 2,
                                 TRIGGERS_DEFAULT_TOLERANCE_SECS, 1700000100u,
                                 &index);
    check_rc(rc, TRIGGERS_OK, "verify with a rotation");
    CHECK(index == 1, "the second secret matched");

    /* A tampered body. */
    rc = triggers_verify_request(BYTES(method), BYTES(target), BYTES("{\"x\":2}"), ts,
                                 ts_len, sig, sig_len, (const uint8_t *)"v1", 2,
                                 (const uint8_t *)secrets, lens, 2,
                                 TRIGGERS_DEFAULT_TOLERANCE_SECS, 1700000100u, NULL);
    check_rc(rc, TRIGGERS_ERR_SIGNATURE_MISMATCH, "a tampered body is refused");
    CHECK(strcmp(triggers_error_code(rc), "signature_mismatch") == 0,
          "error code string");

    /* Missing header (NULL = absent), stale timestamp. */
    rc = triggers_verify_request(BYTES(method), BYTES(target), BYTES(body), NULL, 0,
                                 sig, sig_len, (const uint8_t *)"v1", 2,
                                 (const uint8_t *)secrets, lens, 2, 300, 1700000000u,
                                 NULL);
    check_rc(rc, TRIGGERS_ERR_MISSING_HEADER, "an absent timestamp header");
    rc = triggers_verify_request(BYTES(method), BYTES(target), BYTES(body), ts,
                                 ts_len, sig, sig_len, (const uint8_t *)"v1", 2,
                                 (const uint8_t *)secrets, lens, 2, 300, 1700000301u,
                                 NULL);
    check_rc(rc, TRIGGERS_ERR_STALE_TIMESTAMP, "301 s late");

    /* Buffer too small, then a size query. */
    uint8_t small[8];
    size_t small_len = sizeof small;
    ts_len = sizeof ts;
    rc = triggers_sign_request(BYTES(method), BYTES(target), BYTES(body), BYTES(secret),
                               1700000000u, ts, &ts_len, small, &small_len);
    check_rc(rc, TRIGGERS_ERR_BUFFER_TOO_SMALL, "an 8-byte signature buffer");
    CHECK(small_len == TRIGGERS_SIGNATURE_LEN, "needed length reported");

    /* NULL where a length says there are bytes. */
    ts_len = sizeof ts;
    sig_len = sizeof sig;
    rc = triggers_sign_request(NULL, 4, BYTES(target), NULL, 0, BYTES(secret), 1u, ts,
                               &ts_len, sig, &sig_len);
    check_rc(rc, TRIGGERS_ERR_NULL_POINTER, "a NULL method");

    /* Invalid UTF-8 in the method. */
    rc = triggers_sign_request((const uint8_t *)"P\xffST", 4, BYTES(target), NULL, 0,
                               BYTES(secret), 1u, ts, &ts_len, sig, &sig_len);
    check_rc(rc, TRIGGERS_ERR_INVALID_UTF8, "a method that is not UTF-8");

    /* The Standard Webhooks example. */
    const char *whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const char *msg_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const char *wbody = "{\"test\": 2432232314}";
    size_t whsec_len = strlen(whsec);
    size_t need = 0;
    rc = triggers_sign_webhook(BYTES(msg_id), 1614265330u, BYTES(wbody),
                               (const uint8_t *)whsec, &whsec_len, 1, NULL, &need);
    check_rc(rc, TRIGGERS_ERR_BUFFER_TOO_SMALL, "webhook size query");
    CHECK(need == TRIGGERS_WEBHOOK_SIGNATURE_ENTRY_LEN, "one entry: 47 bytes");
    char *wsig = malloc(need);
    size_t wsig_len = need;
    rc = triggers_sign_webhook(BYTES(msg_id), 1614265330u, BYTES(wbody),
                               (const uint8_t *)whsec, &whsec_len, 1,
                               (uint8_t *)wsig, &wsig_len);
    if (check_rc(rc, TRIGGERS_OK, "sign the Standard Webhooks example")) {
        const char *expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        CHECK(wsig_len == strlen(expected) && memcmp(wsig, expected, wsig_len) == 0,
              "webhook-signature is the spec's value");
        rc = triggers_verify_webhook(BYTES(msg_id), BYTES("1614265330"),
                                     (const uint8_t *)wsig, wsig_len, BYTES(wbody),
                                     (const uint8_t *)whsec, &whsec_len, 1,
                                     TRIGGERS_DEFAULT_TOLERANCE_SECS, 1614265340u);
        check_rc(rc, TRIGGERS_OK, "verify the webhook");
        rc = triggers_verify_webhook(BYTES(msg_id), BYTES("1614265330"),
                                     (const uint8_t *)wsig, wsig_len, BYTES("{}"),
                                     (const uint8_t *)whsec, &whsec_len, 1,
                                     TRIGGERS_DEFAULT_TOLERANCE_SECS, 1614265340u);
        check_rc(rc, TRIGGERS_ERR_SIGNATURE_MISMATCH, "a webhook with another body");
    }
    free(wsig);

    CHECK(strcmp(triggers_error_code(12345), "unknown") == 0, "unknown error number");

    if (failures) {
        printf("%d check(s) FAILED\n", failures);
        return 1;
    }
    printf("all C smoke checks passed\n");
    return 0;
}
