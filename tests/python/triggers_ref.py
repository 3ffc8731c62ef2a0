"""Independent reference implementation of the v1 request-signing spec.

Written from the normative spec only (not from the Rust sources), to
cross-check the test vectors produced by the `triggers-signing` crate.
Standard library only.
"""
import base64
import hashlib
import hmac

TOLERANCE_SECONDS = 300
TCHAR = set(b"!#$%&'*+-.^_`|~0123456789"
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
UNRESERVED = set(b"-._~0123456789"
                 b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
HEXDIGITS = set(b"0123456789abcdefABCDEF")


class SigningError(Exception):
    """Carries one of the spec's error codes in `.code`."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


# --- canonicalization ------------------------------------------------------

def canonical_method(method):
    """ASCII upper-case; must be a non-empty RFC 9110 token."""
    raw = method.encode("utf-8")
    if not raw or any(b not in TCHAR for b in raw):
        raise SigningError("invalid_method")
    # Only ASCII letters change; every byte is ASCII here anyway.
    return bytes(b - 32 if 0x61 <= b <= 0x7A else b for b in raw).decode("ascii")


def percent_decode(data):
    """Decode %XX (either case); '+' is left alone. Bytes in, bytes out."""
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x25:  # '%'
            pair = data[i + 1:i + 3]
            if len(pair) != 2 or any(c not in HEXDIGITS for c in pair):
                raise SigningError("bad_encoding")
            out.append(int(pair.decode("ascii"), 16))
            i += 3
        else:
            out.append(b)
            i += 1
    return bytes(out)


def percent_encode(data):
    """Every byte outside the unreserved set becomes %XX, upper-case hex."""
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in data)


def normalize(component):
    return percent_encode(percent_decode(component))


def canonical_path(path):
    if not path:
        return "/"
    return "/".join(normalize(seg) for seg in path.split(b"/"))


def canonical_query(query):
    pairs = []
    for piece in query.split(b"&"):
        if not piece:
            continue
        key, _, value = piece.partition(b"=")
        pairs.append((normalize(key), normalize(value)))
    pairs.sort()  # encoded strings are pure ASCII, so str order == byte order
    return "&".join("%s=%s" % kv for kv in pairs)


def canonical_string(method, target, timestamp, body):
    """The v1 string to sign. `target` is the path and query as sent."""
    raw = target.encode("utf-8") if isinstance(target, str) else target
    path, _, query = raw.partition(b"?")
    return "\n".join([
        canonical_method(method),
        canonical_path(path),
        canonical_query(query),
        str(timestamp),
        hashlib.sha256(body).hexdigest(),
    ])


def sign(secret, method, target, timestamp, body):
    """Lower-case hex HMAC-SHA256 of the string to sign."""
    msg = canonical_string(method, target, timestamp, body).encode("ascii")
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).hexdigest()


# --- verification ------------------------------------------------------------

def _header(headers, name):
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _valid_timestamp(value):
    if not value or len(value) > 19 or any(c not in "0123456789" for c in value):
        return False
    if len(value) > 1 and value[0] == "0":
        return False
    return int(value) <= 2**64 - 1


def verify(secret, method, target, body, headers, now):
    """Return None if the request verifies, else the spec's error code."""
    ts = _header(headers, "X-Signature-Timestamp")
    sig = _header(headers, "X-Signature")
    version = _header(headers, "X-Signature-Version")
    if ts is None or sig is None or version is None:
        return "missing_header"
    if version != "v1":
        return "unsupported_version"
    if not _valid_timestamp(ts):
        return "malformed_header"
    if len(sig) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sig):
        return "malformed_header"
    t = int(ts)
    if t > now + TOLERANCE_SECONDS:
        return "future_timestamp"
    if now > t + TOLERANCE_SECONDS:
        return "stale_timestamp"
    try:
        expected = sign(secret, method, target, ts, body)
    except SigningError as err:
        return err.code
    if not hmac.compare_digest(expected, sig.lower()):
        return "signature_mismatch"
    return None


# --- webhooks (Standard Webhooks v1) -----------------------------------------

def _webhook_key(secret):
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    return base64.b64decode(secret, validate=True)


def webhook_sign(secret, msg_id, timestamp, body):
    """One `v1,<base64>` entry for a single secret."""
    content = b"%s.%s.%s" % (msg_id.encode("utf-8"), str(timestamp).encode("ascii"), body)
    mac = hmac.new(_webhook_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def webhook_sign_all(secrets, msg_id, timestamp, body):
    """Header value during a rotation: one entry per secret, space-separated."""
    return " ".join(webhook_sign(s, msg_id, timestamp, body) for s in secrets)


def webhook_verify(secret, msg_id, timestamp, body, header_value):
    """True if any `v1,` entry of the header matches this secret."""
    expected = webhook_sign(secret, msg_id, timestamp, body)
    return any(
        entry.startswith("v1,") and hmac.compare_digest(entry.encode(), expected.encode())
        for entry in header_value.split(" ")
    )
