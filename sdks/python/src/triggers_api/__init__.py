"""The Python SDK of the Triggers API.

- Request signing (v1, ``docs/SIGNING.md``): :func:`sign_request`,
  :func:`verify_request`, :func:`canonical_string`.
- Webhook signatures (Standard Webhooks v1): :func:`sign_webhook`,
  :func:`verify_webhook` (verifies, then returns the parsed body),
  :func:`verify_webhook_signature`.
- The API client: :class:`Client`, one method per operation of
  ``docs/openapi.json``.
- Errors: :class:`SignatureError` (``.code``), :class:`ApiError`
  (``.status``, ``.code``, ``.message``, ``.request_id``),
  :class:`NetworkError`; all subclass :class:`TriggersError`.

Signing runs the Rust core ``triggers-signing`` (through uniffi, in
``triggers_api._native``), so it is byte for byte the same as in every other
SDK and in the service.
"""
from ._client import UNSET, Client
from ._errors import (
    SIGNATURE_ERROR_CODES,
    ApiError,
    NetworkError,
    SignatureError,
    TriggersError,
)
from ._signing import (
    DEFAULT_TOLERANCE,
    SignedRequest,
    SignedWebhook,
    VerifiedRequest,
    VerifiedWebhook,
    canonical_string,
    sign_request,
    sign_webhook,
    verify_request,
    verify_webhook,
    verify_webhook_signature,
)

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "Client",
    "DEFAULT_TOLERANCE",
    "NetworkError",
    "SIGNATURE_ERROR_CODES",
    "SignatureError",
    "SignedRequest",
    "SignedWebhook",
    "TriggersError",
    "UNSET",
    "VerifiedRequest",
    "VerifiedWebhook",
    "canonical_string",
    "sign_request",
    "sign_webhook",
    "verify_request",
    "verify_webhook",
    "verify_webhook_signature",
]
