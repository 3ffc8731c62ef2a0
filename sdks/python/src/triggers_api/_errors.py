"""The exceptions of the SDK. None of them ever holds a secret."""
from __future__ import annotations

from typing import Optional, Tuple

#: Every code a :class:`SignatureError` can carry, in the order of
#: ``docs/SIGNING.md`` section 6 (read from the native core at import time).
SIGNATURE_ERROR_CODES: Tuple[str, ...] = (
    "missing_header",
    "malformed_header",
    "unsupported_version",
    "stale_timestamp",
    "future_timestamp",
    "bad_encoding",
    "invalid_method",
    "invalid_secret",
    "signature_mismatch",
)


class TriggersError(Exception):
    """Base class of every exception raised by ``triggers_api``."""


class SignatureError(TriggersError):
    """Signing or verifying failed.

    ``code`` is one of :data:`SIGNATURE_ERROR_CODES` (the stable machine codes
    of ``docs/SIGNING.md`` section 6, the same in every SDK); ``message`` is for
    humans and never contains a secret or a header value.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"SignatureError(code={self.code!r}, message={self.message!r})"


class ApiError(TriggersError):
    """The Triggers API answered with an error status.

    ``status`` is the HTTP status, ``code`` the machine code of the error
    envelope (``not_found``, ``signature_required``, …; see
    ``docs/openapi.json``), ``message`` the envelope's message and
    ``request_id`` the request id to quote when reporting a problem. When the
    body is not an error envelope (a proxy's page, say), ``code`` is
    ``"http_<status>"`` and ``message`` the start of the body.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(status, code, message, request_id)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id

    def __str__(self) -> str:
        rid = f" (request_id={self.request_id})" if self.request_id else ""
        return f"{self.status} {self.code}: {self.message}{rid}"

    def __repr__(self) -> str:
        return (
            f"ApiError(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class NetworkError(TriggersError):
    """No HTTP response arrived: the connection was refused or reset, the
    name did not resolve, TLS failed, or the timeout passed. The original
    exception is ``__cause__``. Whether the server acted on the request is
    unknown: retry only what is idempotent (events with an
    ``idempotency_key``, reads)."""

    def __init__(self, message: str, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        return f"{self.message}{where}"
