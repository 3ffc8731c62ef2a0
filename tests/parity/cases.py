"""Generates the cross-language parity cases (deterministic for a seed).

    python3 tests/parity/cases.py [--count 1000] [--webhooks 200] [--seed N] > cases.json

Request cases: random methods (every case and odd tokens), paths with unicode,
reserved and percent-encoded characters (either hex case, encoded slashes,
empty and dot segments), queries with repeated keys, empty values, flags, `+`
and `=` inside values, and binary bodies from empty to 192 KiB. About one case
in twenty is invalid on purpose (a bad percent-escape or an invalid method):
every language must then fail with the same error code. Webhook cases: random
message ids, timestamps, binary bodies and one or two `whsec_` secrets.

Secrets are text (their UTF-8 bytes are the key), as every SDK takes them;
bodies are base64 in the JSON.
"""
import argparse
import base64
import json
import random

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
           "get", "post", "Put", "pAtCh", "PURGE", "m-search", "X!#$%&'*+-.^_`|~9"]
BAD_METHODS = ["GE T", "", "PO\nST", "POST:", "(GET)", "G\u00e9T"]
WORDS = ["v1", "events", "a", "caf\u00e9", "\U0001f600", "\u4e2d\u6587", "stra\u00dfe", "x-y_z.~",
         "", ".", "..", "hello world", "a+b", "a=b", "@user", ":colon", "$amp&", "'q'",
         "(p)", "*", ",", ";", "!", "\u00a0", "tab\tx"]
HEXCASE = "0123456789abcdefABCDEF"


def pct(rng):
    """A percent-escape of a random byte, in either hex case."""
    b = rng.randrange(256)
    text = "%%%02x" % b
    return text if rng.random() < 0.5 else text.upper()


def component(rng, allow_slash_escape=True):
    parts = []
    for _ in range(rng.randrange(0, 4)):
        r = rng.random()
        if r < 0.45:
            parts.append(rng.choice(WORDS))
        elif r < 0.75:
            parts.append(pct(rng))
        elif r < 0.85 and allow_slash_escape:
            parts.append(rng.choice(["%2F", "%2f", "%3F", "%26", "%3D", "%25", "%20"]))
        else:
            parts.append("".join(chr(rng.choice([rng.randrange(0x21, 0x7F), rng.randrange(0xA0, 0x3000)]))
                                 for _ in range(rng.randrange(1, 4))))
    # '?', '#' and '&' would change the structure of the target; '%' alone
    # would be an invalid escape (invalid cases are made on purpose below).
    return "".join(parts).replace("?", "%3F").replace("#", "%23").replace("&", "%26")


def clean(text):
    """Escapes every raw '%' that does not start a valid escape (the valid
    cases stay valid; invalid ones are made on purpose in request_case)."""
    out = []
    i = 0
    while i < len(text):
        pair = text[i + 1:i + 3]
        if text[i] == "%" and not (len(pair) == 2 and all(c in HEXCASE for c in pair)):
            out.append("%25")
        else:
            out.append(text[i])
        i += 1
    return "".join(out)


def target(rng):
    segments = [clean(component(rng)) for _ in range(rng.randrange(0, 6))]
    path = "/" + "/".join(segments) if segments or rng.random() < 0.9 else ""
    if rng.random() < 0.3:
        return path
    keys = ["a", "b", "source", "type", "A", "caf\u00e9", "k%20y", ""]
    pairs = []
    for _ in range(rng.randrange(0, 7)):
        key = rng.choice(keys)
        r = rng.random()
        if r < 0.15:
            pairs.append(clean(key))  # a flag: no '='
        elif r < 0.25:
            pairs.append("")  # an empty pair: '&&'
        else:
            value = clean(component(rng)).replace("=", rng.choice(["=", "%3D"]))
            if rng.random() < 0.2:
                value += "+" + rng.choice(["", "x", "%2B"])
            pairs.append(clean(key) + "=" + value)
    return path + "?" + "&".join(pairs)


def body(rng):
    r = rng.random()
    if r < 0.1:
        n = 0
    elif r < 0.6:
        n = rng.randrange(1, 256)
    elif r < 0.97:
        n = rng.randrange(256, 8192)
    else:
        n = rng.randrange(64 * 1024, 192 * 1024)
    return rng.randbytes(n)


def secret(rng):
    alphabet = [chr(c) for c in range(0x21, 0x7F)] + ["\u00e9", "\u20ac", "\U0001f511"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 65)))


def timestamp(rng):
    return rng.choice([0, 1, 9_999_999_999, 1_700_000_000, rng.randrange(0, 2**40), rng.randrange(0, 2**62)])


def request_case(rng, i):
    method = rng.choice(METHODS)
    tgt = target(rng)
    expect_error = None
    r = rng.random()
    if r < 0.025:
        method = rng.choice(BAD_METHODS)
        expect_error = "invalid_method"
    elif r < 0.05:
        bad = rng.choice(["%G1", "%4", "%", "%zz"])
        if "?" in tgt and rng.random() < 0.5:
            tgt = tgt + "&k=" + bad  # in a query value
        else:
            path, sep, query = tgt.partition("?")
            tgt = path + "/" + bad + ("/" if bad != "%" and bad != "%4" else "") + sep + query
        expect_error = "bad_encoding"
    return {
        "id": i,
        "secret": secret(rng),
        "method": method,
        "target": tgt,
        "timestamp": timestamp(rng),
        "body": base64.b64encode(body(rng)).decode("ascii"),
        "expect_error": expect_error,
    }


def webhook_case(rng, i):
    secrets = ["whsec_" + base64.b64encode(rng.randbytes(rng.choice([24, 32]))).decode("ascii")
               for _ in range(rng.choice([1, 1, 2]))]
    msg_id = rng.choice(["msg_", "evt_", ""]) + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") for _ in range(rng.randrange(1, 40)))
    return {
        "id": i,
        "secrets": secrets,
        "msg_id": msg_id,
        "timestamp": rng.randrange(0, 2**40),
        "body": base64.b64encode(body(rng)).decode("ascii"),
    }


def generate(count, webhooks, seed):
    rng = random.Random(seed)
    return {
        "seed": seed,
        "requests": [request_case(rng, i) for i in range(count)],
        "webhooks": [webhook_case(rng, i) for i in range(webhooks)],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--webhooks", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20261124)
    args = ap.parse_args()
    json.dump(generate(args.count, args.webhooks, args.seed), __import__("sys").stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
