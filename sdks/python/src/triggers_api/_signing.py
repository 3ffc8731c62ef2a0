"""v1 request signatures and Standard Webhooks v1 signatures.

Every function runs the Rust core (``triggers-signing``) through the uniffi
module ``triggers_api._native``, so Python signs byte for byte like every
other SDK. The normative spec is ``docs/SIGNING.md``.
"""
from __future__ import annotations

import json
import time
from email.message import Message
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._errors import SIGNATURE_ERROR_CODES, SignatureError

__all__ = [
    "DEFAULT_TOLERANCE",
    "SignedRequest",
    "VerifiedRequest",
    "SignedWebhook",
    "VerifiedWebhook",
    "sign_request",
    "verify_request",
    "canonical_string",
    "sign_webhook",
    "verify_webhook",
    "verify_webhook_signature",
]

#: The accepted clock skew, in seconds, either way, unless told otherwise.
DEFAULT_TOLERANCE: int = int(_native.default_tolerance_secs())

_U64_MAX = (1 << 64) - 1

#: Text or bytes (text is taken as its UTF-8 bytes).
Bytes = Union[bytes, bytearray, memoryview, str]
#: One secret or several (during a rotation: the new one first).
Secrets = Union[Bytes, Sequence[Bytes]]
#: Received headers: a dict (looked up case-insensitively), an
#: ``email.message.Message`` (``http.server``'s ``self.headers``,
#: ``http.client.HTTPResponse.headers``) or any iterable of ``(name, value)``.
HeadersLike = Union[Mapping[str, Any], Message, Iterable[Tuple[str, Any]]]

# Native error variants -> SignatureError.
_NativeError = _native.SigningError

if tuple(_native.error_codes()) != SIGNATURE_ERROR_CODES:  # pragma: no cover
    raise ImportError(
        "triggers_api: the native library's error codes differ from this "
        "package's; reinstall the wheel"
    )


def _raise_native(e: Exception) -> "SignatureError":
    code = getattr(e, "code", None) or "internal_error"
    message = getattr(e, "message", None) or "signing failed"
    return SignatureError(str(code), str(message))


def _call(fn, *args):
    try:
        return fn(*args)
    except _NativeError as e:  # every variant subclasses SigningError
        raise _raise_native(e) from None


# ----------------------------------------------------------------- inputs


def _bytes(value: Optional[Bytes], what: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{what} is not valid Unicode (lone surrogate)") from None
    raise TypeError(f"{what} must be bytes or str, not {type(value).__name__}")


def _text(value: Any, what: str, code: str) -> str:
    """A str the native layer can encode as UTF-8; else SignatureError(code)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError(code, f"the {what} is not UTF-8") from None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise SignatureError(code, f"the {what} is not valid Unicode") from None
    return value


def _utf8(value: Any, what: str, code: str) -> bytes:
    """UTF-8 bytes of a str (bytes pass through; the native layer checks
    them); a str that cannot be encoded is SignatureError(code)."""
    if type(value) is str:
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:
            raise SignatureError(code, f"the {what} is not valid Unicode") from None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be str, not {type(value).__name__}")


def _secret_list(secrets: Secrets, what: str) -> list:
    if isinstance(secrets, (str, bytes, bytearray, memoryview)):
        return [secrets]
    if secrets is None:
        raise SignatureError("invalid_secret", f"no {what} given")
    try:
        items = list(secrets)
    except TypeError:
        raise TypeError(
            f"{what} must be a str or bytes, or a list of them, not {type(secrets).__name__}"
        ) from None
    return items


def _unix(value: Any, what: str, default_now: bool = True) -> int:
    if value is None and default_now:
        return int(time.time())
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int (Unix seconds), not {type(value).__name__}")
    return value


def _seconds(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int number of seconds, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative")
    return min(value, _U64_MAX)


def _clock(now: Any) -> int:
    n = _unix(now, "now")
    if n < 0:
        raise ValueError("now must not be negative")
    return min(n, _U64_MAX)


def _sign_timestamp(timestamp: Any, header: str) -> int:
    if timestamp is None:
        return int(time.time())
    if type(timestamp) is not int:
        timestamp = _unix(timestamp, "timestamp")
    ts = timestamp
    if ts < 0 or ts > _U64_MAX:
        raise SignatureError(
            "malformed_header",
            f"malformed header `{header}`: timestamp out of range (0 to 19 digits)",
        )
    return ts


def _header(headers: HeadersLike, name: str) -> Optional[str]:
    """The first value of a header, looked up case-insensitively; None when absent."""
    if headers is None:
        return None
    value: Any = None
    found = False
    if isinstance(headers, Message):
        values = headers.get_all(name)
        if values:
            value, found = values[0], True
    elif isinstance(headers, Mapping):
        if name in headers:
            value, found = headers[name], True
        else:
            lname = name.lower()
            for key in headers:
                if isinstance(key, (str, bytes)) and _lower(key) == lname:
                    value, found = headers[key], True
                    break
    else:
        lname = name.lower()
        for pair in headers:
            try:
                key, v = pair
            except (TypeError, ValueError):
                raise TypeError("headers must be a mapping or (name, value) pairs") from None
            if isinstance(key, (str, bytes)) and _lower(key) == lname:
                value, found = v, True
                break
    if not found:
        return None
    if isinstance(value, (list, tuple)):
        if not value:
            return None
        value = value[0]
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        # Header bytes as http.client reads them; a non-ASCII value is
        # refused by the checks anyway.
        return bytes(value).decode("latin-1")
    if isinstance(value, str):
        # A value that cannot be UTF-8 cannot be a valid header either: keep
        # it invalid (U+FFFD) instead of failing in the native layer.
        return value.encode("utf-8", "replace").decode("utf-8")
    raise TypeError(f"header {name} must be str or bytes, not {type(value).__name__}")


def _lower(key: Union[str, bytes]) -> str:
    if isinstance(key, bytes):
        return key.decode("latin-1").lower()
    return key.lower()


# ----------------------------------------------------------------- requests


class SignedRequest:
    """The three header values of a signed v1 request.

    ``headers`` is a dict ready to merge into a request's headers. ``repr``
    shows only the start of the signature.
    """

    __slots__ = ("timestamp", "signature", "version")

    def __init__(self, timestamp: str, signature: str, version: str) -> None:
        self.timestamp = timestamp  #: ``X-Signature-Timestamp``: decimal Unix seconds
        self.signature = signature  #: ``X-Signature``: 64 lower-case hex digits
        self.version = version  #: ``X-Signature-Version``: ``v1``

    @property
    def headers(self) -> dict:
        """``{"X-Signature-Timestamp": …, "X-Signature": …, "X-Signature-Version": "v1"}``"""
        return {
            "X-Signature-Timestamp": self.timestamp,
            "X-Signature": self.signature,
            "X-Signature-Version": self.version,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SignedRequest):
            return NotImplemented
        return (self.timestamp, self.signature, self.version) == (
            other.timestamp,
            other.signature,
            other.version,
        )

    def __hash__(self) -> int:
        return hash((self.timestamp, self.signature, self.version))

    def __repr__(self) -> str:
        return (
            f"SignedRequest(timestamp={self.timestamp!r}, "
            f"signature='{self.signature[:8]}…', version={self.version!r})"
        )


class VerifiedRequest:
    """What a successful :func:`verify_request` established."""

    __slots__ = ("timestamp", "secret_index")

    def __init__(self, timestamp: int, secret_index: int) -> None:
        self.timestamp = timestamp  #: the signed timestamp (Unix seconds)
        #: index in ``secrets`` of the secret that matched: tells whether a
        #: client still signs with an old secret during a rotation
        self.secret_index = secret_index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VerifiedRequest):
            return NotImplemented
        return (self.timestamp, self.secret_index) == (other.timestamp, other.secret_index)

    def __repr__(self) -> str:
        return f"VerifiedRequest(timestamp={self.timestamp}, secret_index={self.secret_index})"


def sign_request(
    secret: Bytes,
    method: str,
    target: str,
    body: Optional[Bytes] = b"",
    timestamp: Optional[int] = None,
) -> SignedRequest:
    """Signs a v1 request.

    ``secret`` is the signing secret as issued (``trgs_…``; a str is taken as
    its UTF-8 bytes), ``method`` the HTTP method (``post`` is signed as
    ``POST``), ``target`` the path and query exactly as sent on the request
    line (``/v1/events?source=shop``, not a full URL), ``body`` the raw bytes
    sent (a str is UTF-8 encoded), ``timestamp`` the Unix seconds to sign
    (default: now).

    Raises :class:`SignatureError` with code ``invalid_secret`` (empty),
    ``invalid_method``, ``bad_encoding`` (an invalid ``%`` escape in the
    target) or ``malformed_header`` (a timestamp outside 0 to 19 digits).
    """
    # The hot path of every signed client request: everything goes to the
    # native layer as bytes, zero-copy (UTF-8 is checked there).
    key = secret if type(secret) is bytes else _bytes(secret, "secret")
    m = _utf8(method, "method", "invalid_method")
    t = _utf8(target, "target", "bad_encoding")
    b = body if type(body) is bytes else _bytes(body, "body")
    ts = _sign_timestamp(timestamp, "x-signature-timestamp")
    try:
        signature = _native.sign_request_signature(key, m, t, b, ts)
    except _NativeError as e:
        raise _raise_native(e) from None
    return SignedRequest(str(ts), signature, "v1")


def verify_request(
    secrets: Secrets,
    method: str,
    target: str,
    body: Optional[Bytes],
    headers: HeadersLike,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: Optional[int] = None,
) -> VerifiedRequest:
    """Verifies a signed v1 request as received.

    ``secrets``: the candidate secret, or a list (during a rotation: the new
    one first, then the old one). ``method`` and ``target`` as received (the
    request line's path and query), ``body`` the raw bytes before any
    parsing, ``headers`` the request's headers (a dict, looked up
    case-insensitively, or an ``email.message.Message`` such as
    ``http.server``'s ``self.headers``). ``tolerance`` is the accepted clock
    skew in seconds either way, ``now`` the verifier's clock (default: now).

    Raises :class:`SignatureError` with the code of the first failing check,
    in the spec's order: ``invalid_secret`` (no secret, or an empty one),
    ``missing_header``, ``unsupported_version``, ``malformed_header``,
    ``future_timestamp`` / ``stale_timestamp``, ``invalid_method`` /
    ``bad_encoding``, ``signature_mismatch``.

    Replay protection (refusing a signature accepted before within the
    window) is the caller's: key a cache on ``X-Signature``.
    """
    keys = [_bytes(s, "secret") for s in _secret_list(secrets, "secret")]
    m = _text(method, "method", "invalid_method")
    t = _text(target, "target", "bad_encoding")
    b = _bytes(body, "body")
    tol = _seconds(tolerance, "tolerance")
    clock = _clock(now)
    verified = _call(
        _native.verify_request,
        keys,
        m,
        t,
        b,
        _header(headers, "X-Signature-Timestamp"),
        _header(headers, "X-Signature"),
        _header(headers, "X-Signature-Version"),
        tol,
        clock,
    )
    return VerifiedRequest(int(verified.timestamp), int(verified.secret_index))


def canonical_string(
    method: str,
    target: str,
    timestamp: int,
    body: Optional[Bytes] = b"",
) -> str:
    """The v1 string to sign (``METHOD\\nPATH\\nQUERY\\nTIMESTAMP\\nBODY_HASH``).

    Compare both sides' strings to debug a ``signature_mismatch``; it
    contains no secret. Raises :class:`SignatureError` (``invalid_method``,
    ``bad_encoding``, ``malformed_header``).
    """
    m = _text(method, "method", "invalid_method")
    t = _text(target, "target", "bad_encoding")
    ts = _sign_timestamp(timestamp, "x-signature-timestamp")
    return _call(_native.canonical_string, m, t, ts, _bytes(body, "body"))


# ----------------------------------------------------------------- webhooks


class SignedWebhook:
    """The three headers of a signed webhook delivery (Standard Webhooks v1)."""

    __slots__ = ("id", "timestamp", "signature")

    def __init__(self, id: str, timestamp: str, signature: str) -> None:
        self.id = id  #: ``webhook-id``
        self.timestamp = timestamp  #: ``webhook-timestamp``
        #: ``webhook-signature``: ``v1,<base64>``, one space-separated entry per secret
        self.signature = signature

    @property
    def headers(self) -> dict:
        """``{"webhook-id": …, "webhook-timestamp": …, "webhook-signature": …}``"""
        return {
            "webhook-id": self.id,
            "webhook-timestamp": self.timestamp,
            "webhook-signature": self.signature,
        }

    def __repr__(self) -> str:
        return (
            f"SignedWebhook(id={self.id!r}, timestamp={self.timestamp!r}, "
            f"signature='{self.signature[:8]}…')"
        )


class VerifiedWebhook:
    """What :func:`verify_webhook_signature` established."""

    __slots__ = ("id", "timestamp")

    def __init__(self, id: str, timestamp: int) -> None:
        self.id = id  #: the ``webhook-id``: deduplicate deliveries on it
        self.timestamp = timestamp  #: the signed timestamp (Unix seconds)

    def __repr__(self) -> str:
        return f"VerifiedWebhook(id={self.id!r}, timestamp={self.timestamp})"


def _webhook_secrets(secrets: Secrets) -> list:
    out = []
    for s in _secret_list(secrets, "webhook secret"):
        if isinstance(s, (bytes, bytearray, memoryview)):
            try:
                s = bytes(s).decode("ascii")
            except UnicodeDecodeError:
                raise SignatureError(
                    "invalid_secret", "the secret is empty or not validly encoded"
                ) from None
        out.append(_text(s, "webhook secret", "invalid_secret"))
    return out


def sign_webhook(
    secrets: Secrets,
    msg_id: str,
    body: Bytes,
    timestamp: Optional[int] = None,
) -> SignedWebhook:
    """Signs one webhook delivery attempt (Standard Webhooks v1).

    ``secrets``: a ``whsec_…`` secret (the prefix may be omitted), or several
    during a rotation (each signs: one entry per secret). ``msg_id`` is the
    ``webhook-id`` (the same on every retry), ``body`` the raw bytes,
    ``timestamp`` the attempt's Unix seconds (default: now).

    Raises :class:`SignatureError`: ``invalid_secret`` (none, empty, not
    base64), ``malformed_header`` (an id that is not non-empty visible ASCII,
    a timestamp out of range).
    """
    keys = _webhook_secrets(secrets)
    mid = _text(msg_id, "message id", "malformed_header")
    ts = _sign_timestamp(timestamp, "webhook-timestamp")
    sig = _call(_native.sign_webhook, mid, ts, _bytes(body, "body"), keys)
    return SignedWebhook(mid, str(ts), sig)


def verify_webhook_signature(
    secrets: Secrets,
    headers: HeadersLike,
    body: Bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: Optional[int] = None,
) -> VerifiedWebhook:
    """Verifies a webhook delivery's signature without parsing its body.

    Accepts when any ``v1`` entry of ``webhook-signature`` matches any of
    ``secrets``. Raises :class:`SignatureError`: ``invalid_secret``,
    ``missing_header``, ``malformed_header``, ``future_timestamp`` /
    ``stale_timestamp``, ``unsupported_version`` (no ``v1`` entry),
    ``signature_mismatch``.
    """
    keys = _webhook_secrets(secrets)
    msg_id = _header(headers, "webhook-id")
    ts = _header(headers, "webhook-timestamp")
    sig = _header(headers, "webhook-signature")
    signed = _call(
        _native.verify_webhook,
        keys,
        msg_id,
        ts,
        sig,
        _bytes(body, "body"),
        _seconds(tolerance, "tolerance"),
        _clock(now),
    )
    # Verified: the id header is present.
    return VerifiedWebhook(msg_id or "", int(signed))


def verify_webhook(
    secrets: Secrets,
    headers: HeadersLike,
    body: Bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: Optional[int] = None,
) -> Any:
    """Verifies a webhook delivery, then returns its parsed JSON body.

    ``secrets``: the webhook's ``whsec_…`` secret, or a list of them while it
    rotates. ``headers`` are the delivery's headers (a dict, looked up
    case-insensitively, or ``http.server``'s ``self.headers``), ``body`` the
    raw bytes exactly as received: verify before parsing.

    For a Triggers delivery the result is the envelope ``{"id", "type",
    "source", "timestamp", "data"}``; deduplicate on the ``webhook-id``
    header (see :func:`verify_webhook_signature`).

    Raises :class:`SignatureError` (see :func:`verify_webhook_signature`), or
    ``ValueError`` when a correctly signed body is not JSON.
    """
    verify_webhook_signature(secrets, headers, body, tolerance=tolerance, now=now)
    raw = _bytes(body, "body")
    try:
        return json.loads(raw)
    except ValueError as e:
        raise ValueError(f"the webhook body is signed but is not JSON: {e}") from None
