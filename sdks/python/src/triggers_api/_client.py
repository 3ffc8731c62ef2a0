"""A thin client of the Triggers API on the standard library (urllib).

One method per operation of ``docs/openapi.json`` (named after its
``operationId`` in snake case), ``iter_*`` generators that follow
``next_cursor``, and v1 request signing of the exact bytes and target sent.
"""
from __future__ import annotations

import datetime as _dt
import http.client
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._errors import ApiError, NetworkError
from ._signing import Bytes, sign_request

__all__ = ["Client", "UNSET"]

_VERSION = "0.1.0"


class _Unset:
    """The default of optional fields whose ``None`` means something (JSON
    ``null``): an argument left at ``UNSET`` is not sent at all."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: Marks an argument as not sent (see :meth:`Client.update_webhook`).
UNSET: Any = _Unset()

JSON = Any
Query = Sequence[Tuple[str, Any]]


_NETWORK_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,
    socket.timeout,
    ssl.SSLError,
    OSError,
)

#: A time of an analytics range: an aware :class:`datetime.datetime`, or an
#: RFC 3339 string sent as given.
Time = Union[_dt.datetime, str]


def _rfc3339(value: Optional[Time], name: str) -> Optional[str]:
    """An analytics range bound as RFC 3339 (UTC for a datetime)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(
                f"{name} must be a timezone-aware datetime (e.g. datetime.now(timezone.utc)), "
                "not a naive one"
            )
        text = value.astimezone(_dt.timezone.utc).isoformat()
        return text[: -len("+00:00")] + "Z"
    raise TypeError(f"{name} must be a datetime or an RFC 3339 str, not {type(value).__name__}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would change the signed target and could carry the API key
    # to another host: surface it as an ApiError instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


def _fields(**kwargs: Any) -> Dict[str, Any]:
    """The JSON object of the arguments that are not UNSET."""
    return {k: v for k, v in kwargs.items() if v is not UNSET}


def _path_param(value: str, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    # Every reserved character escaped: an id can never add a path segment.
    return urllib.parse.quote(value, safe="")


class Client:
    """A client of the Triggers API.

    ``base_url``: the service's address (``http://127.0.0.1:8080``; a path
    prefix is kept). ``api_key``: the ``trgk_…`` key, sent as
    ``Authorization: Bearer``. ``signing``: ``(key_id, signing_secret)`` to
    sign every request (v1, ``docs/SIGNING.md``) and send ``X-Key-Id``; needed
    for keys created with ``require_signature``. ``timeout``: seconds per
    request (connect and each read).

    Every method returns the response's JSON (dicts and lists, as documented
    in ``docs/openapi.json``) and raises :class:`ApiError` on an error status
    and :class:`NetworkError` when no response arrives. ``request_id`` (every
    method) is sent as ``X-Request-Id`` and comes back in errors.

    Redirects are not followed, and nothing is retried: a ``create_event``
    with an ``idempotency_key`` is safe to retry.
    """

    def __init__(
        self,
        base_url: str,
        api_key: Optional[str] = None,
        *,
        signing: Optional[Tuple[str, Bytes]] = None,
        timeout: float = 30.0,
        user_agent: Optional[str] = None,
    ) -> None:
        if not isinstance(base_url, str):
            raise TypeError("base_url must be str")
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an http:// or https:// URL with a host")
        if parts.query or parts.fragment:
            raise ValueError("base_url must not have a query or a fragment")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._prefix = parts.path.rstrip("/")
        self.base_url = self._origin + self._prefix
        if api_key is not None and not isinstance(api_key, str):
            raise TypeError("api_key must be str")
        if api_key is not None and (not api_key or any(c in api_key for c in "\r\n")):
            raise ValueError("api_key must be a non-empty single-line string")
        self._api_key = api_key
        self._key_id: Optional[str] = None
        self._secret: Optional[Bytes] = None
        if signing is not None:
            try:
                key_id, secret = signing
            except (TypeError, ValueError):
                raise TypeError("signing must be a (key_id, signing_secret) pair") from None
            if not isinstance(key_id, str) or not key_id or any(c in key_id for c in "\r\n"):
                raise ValueError("the signing key id must be a non-empty single-line str")
            if not isinstance(secret, (str, bytes, bytearray)) or not secret:
                raise ValueError("the signing secret must be a non-empty str or bytes")
            self._key_id, self._secret = key_id, secret
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.timeout = float(timeout)
        self.user_agent = user_agent or f"triggers-api-python/{_VERSION}"
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        return (
            f"Client(base_url={self.base_url!r}, api_key={'<set>' if self._api_key else None}, "
            f"signed={self._key_id is not None})"
        )

    # ------------------------------------------------------------ transport

    def _target(self, path: str, query: Optional[Query]) -> str:
        target = self._prefix + path
        pairs = [(k, v) for k, v in (query or ()) if v is not None and v is not UNSET]
        if pairs:
            enc = []
            for k, v in pairs:
                if isinstance(v, bool):
                    v = "true" if v else "false"
                enc.append((k, str(v)))
            target += "?" + urllib.parse.urlencode(enc, quote_via=urllib.parse.quote)
        return target

    def _open(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Query] = None,
        json_body: Any = UNSET,
        raw_json: Optional[bytes] = None,
        request_id: Optional[str] = None,
        auth: bool = True,
        accept: str = "application/json",
    ) -> Any:
        """Sends one request and returns the open response of a success
        (status below 400), its body unread: the caller closes it. An error
        status raises :class:`ApiError`; no response, :class:`NetworkError`."""
        target = self._target(path, query)
        url = self._origin + target
        headers = {"Accept": accept, "User-Agent": self.user_agent}
        body: Optional[bytes] = raw_json
        if json_body is not UNSET:
            body = _dumps(json_body)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth and self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if request_id is not None:
            headers["X-Request-Id"] = str(request_id)
        if auth and self._key_id is not None and self._secret is not None:
            # The exact target of the request line and the exact body bytes.
            signed = sign_request(self._secret, method, target, body or b"")
            headers["X-Key-Id"] = self._key_id
            headers.update(signed.headers)
        # urllib sends `url` minus the origin, `target`, on the request line.
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            return self._opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            try:
                raw = e.read()
            except (OSError, http.client.HTTPException):
                raw = b""
            finally:
                e.close()
            raise self._api_error(e.code, e.headers, raw) from None
        except _NETWORK_ERRORS as e:
            reason = getattr(e, "reason", None) or e
            raise NetworkError(f"no response: {reason}", method, url) from e

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Query] = None,
        json_body: Any = UNSET,
        raw_json: Optional[bytes] = None,
        request_id: Optional[str] = None,
        auth: bool = True,
    ) -> JSON:
        resp = self._open(
            method,
            path,
            query=query,
            json_body=json_body,
            raw_json=raw_json,
            request_id=request_id,
            auth=auth,
        )
        with resp:
            status = resp.status
            resp_headers = resp.headers
            raw = self._read(resp, method)
        if status == 204 or not raw:
            return None
        ctype = resp_headers.get("Content-Type", "") if resp_headers is not None else ""
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(
                status,
                "invalid_response",
                f"expected JSON, got {ctype or 'no content type'}: {_excerpt(raw)}",
                resp_headers.get("X-Request-Id") if resp_headers is not None else None,
            ) from None

    def _read(self, resp: Any, method: str) -> bytes:
        """The whole body of an open response (a failure midway is a
        :class:`NetworkError`)."""
        try:
            return resp.read()
        except _NETWORK_ERRORS as e:
            raise NetworkError(f"the response broke off: {e}", method, resp.geturl()) from e

    def _open_csv(self, query: Query, request_id: Optional[str]) -> Any:
        """``GET /v1/analytics/export?format=csv``, open; a success that is
        not ``text/csv`` raises ``ApiError("invalid_response")``."""
        resp = self._open(
            "GET", "/v1/analytics/export", query=query, request_id=request_id, accept="text/csv"
        )
        ctype = resp.headers.get("Content-Type", "") or ""
        if ctype.split(";")[0].strip().lower() != "text/csv":
            status, rid = resp.status, resp.headers.get("X-Request-Id")
            resp.close()
            raise ApiError(
                status,
                "invalid_response",
                f"expected text/csv, got {ctype or 'no content type'}",
                rid,
            )
        return resp

    @staticmethod
    def _api_error(status: int, headers: Any, raw: bytes) -> ApiError:
        request_id = headers.get("X-Request-Id") if headers is not None else None
        try:
            err = json.loads(raw)["error"]
            code, message = err["code"], err["message"]
            if not isinstance(code, str) or not isinstance(message, str):
                raise TypeError
            return ApiError(status, code, message, err.get("request_id") or request_id)
        except (ValueError, KeyError, TypeError, AttributeError):
            return ApiError(status, f"http_{status}", _excerpt(raw) or "no body", request_id)

    def _pages(self, list_fn, items_key: str, limit: Optional[int], **kwargs) -> Iterator[Any]:
        cursor = None
        while True:
            page = list_fn(limit=limit, cursor=cursor, **kwargs)
            yield from page.get(items_key) or ()
            cursor = page.get("next_cursor")
            if not cursor:
                return

    # ------------------------------------------------------------ service

    def health(self, *, request_id: Optional[str] = None) -> JSON:
        """``GET /healthz`` (no API key needed): ``{"status": "ok"}``."""
        return self._request("GET", "/healthz", request_id=request_id, auth=False)

    def get_open_api(self, *, request_id: Optional[str] = None) -> JSON:
        """``GET /openapi.json`` (no API key needed): the OpenAPI 3.1 document."""
        return self._request("GET", "/openapi.json", request_id=request_id, auth=False)

    # ------------------------------------------------------------ events

    def create_event(
        self,
        source: str,
        event_type: str,
        payload: Union[Mapping[str, Any], bytes],
        *,
        idempotency_key: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``POST /v1/events``: stores an event; returns the Event.

        ``payload``: a dict (serialized compactly, keys in order), or
        ``bytes`` holding the JSON object exactly as it must be stored and
        delivered (numbers such as ``12.50``, key order and spacing kept).
        With an ``idempotency_key``, a retry within 24 hours with the same
        content returns the original event instead of a duplicate.
        """
        head = {"source": source, "event_type": event_type}
        if idempotency_key is not None:
            head["idempotency_key"] = idempotency_key
        if isinstance(payload, (bytes, bytearray, memoryview)):
            # {"source":…,"event_type":…,"payload":<the bytes as given>}
            raw = _dumps(head)[:-1] + b',"payload":' + bytes(payload) + b"}"
            return self._request("POST", "/v1/events", raw_json=raw, request_id=request_id)
        if not isinstance(payload, Mapping):
            raise TypeError("payload must be a dict or the bytes of a JSON object")
        return self._request(
            "POST", "/v1/events", json_body={**head, "payload": payload}, request_id=request_id
        )

    def get_event(self, event_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``GET /v1/events/{event_id}``: the Event."""
        return self._request(
            "GET", f"/v1/events/{_path_param(event_id, 'event_id')}", request_id=request_id
        )

    def ack_event(self, event_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``POST /v1/events/{event_id}/ack``: removes it from the inbox; the Event."""
        return self._request(
            "POST", f"/v1/events/{_path_param(event_id, 'event_id')}/ack", request_id=request_id
        )

    def list_inbox(
        self,
        *,
        source: Optional[str] = None,
        event_type: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/inbox``: one page ``{"events": […], "next_cursor": …}``."""
        query = [("source", source), ("event_type", event_type), ("limit", limit), ("cursor", cursor)]
        return self._request("GET", "/v1/inbox", query=query, request_id=request_id)

    def iter_inbox(
        self,
        *,
        source: Optional[str] = None,
        event_type: Optional[str] = None,
        page_size: Optional[int] = None,
    ) -> Iterator[JSON]:
        """Every unacknowledged event, oldest first, page after page."""
        return self._pages(
            self.list_inbox, "events", page_size, source=source, event_type=event_type
        )

    # ------------------------------------------------------------ API keys

    def create_api_key(
        self,
        name: str,
        *,
        role: Optional[str] = None,
        require_signature: Optional[bool] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``POST /v1/api-keys`` (admin): the key with its ``api_key`` and
        ``signing_secret``, shown once."""
        body: Dict[str, Any] = {"name": name}
        if role is not None:
            body["role"] = role
        if require_signature is not None:
            body["require_signature"] = require_signature
        return self._request("POST", "/v1/api-keys", json_body=body, request_id=request_id)

    def list_api_keys(
        self,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/api-keys`` (admin): ``{"api_keys": […], "next_cursor": …}``."""
        return self._request(
            "GET",
            "/v1/api-keys",
            query=[("limit", limit), ("cursor", cursor)],
            request_id=request_id,
        )

    def iter_api_keys(self, *, page_size: Optional[int] = None) -> Iterator[JSON]:
        """Every API key of the account, page after page."""
        return self._pages(self.list_api_keys, "api_keys", page_size)

    def get_api_key(self, key_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``GET /v1/api-keys/{key_id}`` (admin): the ApiKey."""
        return self._request(
            "GET", f"/v1/api-keys/{_path_param(key_id, 'key_id')}", request_id=request_id
        )

    def revoke_api_key(self, key_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``DELETE /v1/api-keys/{key_id}`` (admin): the revoked ApiKey."""
        return self._request(
            "DELETE", f"/v1/api-keys/{_path_param(key_id, 'key_id')}", request_id=request_id
        )

    def rotate_api_key(
        self,
        key_id: str,
        *,
        transition_seconds: Optional[int] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``POST /v1/api-keys/{key_id}/rotate`` (admin): a new version with new
        secrets (shown once); the previous one stays valid for
        ``transition_seconds`` (default 7 days)."""
        body = UNSET if transition_seconds is None else {"transition_seconds": transition_seconds}
        return self._request(
            "POST",
            f"/v1/api-keys/{_path_param(key_id, 'key_id')}/rotate",
            json_body=body,
            request_id=request_id,
        )

    def list_api_key_versions(self, key_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``GET /v1/api-keys/{key_id}/versions`` (admin): ``{"key_id", "versions"}``."""
        return self._request(
            "GET", f"/v1/api-keys/{_path_param(key_id, 'key_id')}/versions", request_id=request_id
        )

    # ------------------------------------------------------------ webhooks

    def create_webhook(
        self,
        url: str,
        *,
        events: Optional[List[str]] = None,
        description: Optional[str] = None,
        is_active: Optional[bool] = None,
        max_retries: Optional[int] = None,
        secret: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``POST /v1/webhooks`` (admin): the Webhook with its ``secret``
        (``whsec_…``), shown once. ``events``: patterns such as
        ``["order.*"]`` (default every event)."""
        body: Dict[str, Any] = {"url": url}
        for k, v in (
            ("events", events),
            ("description", description),
            ("is_active", is_active),
            ("max_retries", max_retries),
            ("secret", secret),
        ):
            if v is not None:
                body[k] = v
        return self._request("POST", "/v1/webhooks", json_body=body, request_id=request_id)

    def list_webhooks(
        self,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/webhooks`` (admin): ``{"webhooks": […], "next_cursor": …}``."""
        return self._request(
            "GET",
            "/v1/webhooks",
            query=[("limit", limit), ("cursor", cursor)],
            request_id=request_id,
        )

    def iter_webhooks(self, *, page_size: Optional[int] = None) -> Iterator[JSON]:
        """Every webhook of the account, page after page."""
        return self._pages(self.list_webhooks, "webhooks", page_size)

    def get_webhook(self, webhook_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``GET /v1/webhooks/{webhook_id}`` (admin): the Webhook (without secret)."""
        return self._request(
            "GET", f"/v1/webhooks/{_path_param(webhook_id, 'webhook_id')}", request_id=request_id
        )

    def update_webhook(
        self,
        webhook_id: str,
        *,
        url: Any = UNSET,
        events: Any = UNSET,
        description: Any = UNSET,
        is_active: Any = UNSET,
        max_retries: Any = UNSET,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``PUT /v1/webhooks/{webhook_id}`` (admin): changes the fields given;
        the others keep their value. ``max_retries=None`` returns to the
        deployment's default. Returns the Webhook."""
        body = _fields(
            url=url,
            events=events,
            description=description,
            is_active=is_active,
            max_retries=max_retries,
        )
        return self._request(
            "PUT",
            f"/v1/webhooks/{_path_param(webhook_id, 'webhook_id')}",
            json_body=body,
            request_id=request_id,
        )

    def delete_webhook(self, webhook_id: str, *, request_id: Optional[str] = None) -> None:
        """``DELETE /v1/webhooks/{webhook_id}`` (admin). Returns None (``204``)."""
        self._request(
            "DELETE",
            f"/v1/webhooks/{_path_param(webhook_id, 'webhook_id')}",
            request_id=request_id,
        )

    def test_webhook(self, webhook_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``POST /v1/webhooks/{webhook_id}/test`` (admin): delivers a signed
        ``webhook.test`` event now; returns what the receiver answered."""
        return self._request(
            "POST",
            f"/v1/webhooks/{_path_param(webhook_id, 'webhook_id')}/test",
            request_id=request_id,
        )

    def rotate_webhook_secret(
        self,
        webhook_id: str,
        *,
        secret: Optional[str] = None,
        transition_seconds: Optional[int] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``POST /v1/webhooks/{webhook_id}/rotate-secret`` (admin): a new
        secret (yours or generated), shown once; the old one keeps signing for
        ``transition_seconds``."""
        fields = {
            k: v
            for k, v in (("secret", secret), ("transition_seconds", transition_seconds))
            if v is not None
        }
        return self._request(
            "POST",
            f"/v1/webhooks/{_path_param(webhook_id, 'webhook_id')}/rotate-secret",
            json_body=fields if fields else UNSET,
            request_id=request_id,
        )

    def list_webhook_deliveries(
        self,
        webhook_id: str,
        *,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/webhooks/{webhook_id}/deliveries`` (admin): a page of
        delivery attempts, newest first: ``{"webhook_id", "attempts", "next_cursor"}``."""
        return self._request(
            "GET",
            f"/v1/webhooks/{_path_param(webhook_id, 'webhook_id')}/deliveries",
            query=[("limit", limit), ("cursor", cursor)],
            request_id=request_id,
        )

    def iter_webhook_deliveries(
        self, webhook_id: str, *, page_size: Optional[int] = None
    ) -> Iterator[JSON]:
        """Every delivery attempt of a webhook, newest first."""
        return self._pages(
            self.list_webhook_deliveries, "attempts", page_size, webhook_id=webhook_id
        )

    # ------------------------------------------------------------ dead letters

    def list_dead_letters(
        self,
        *,
        webhook_id: Optional[str] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/dead-letters`` (admin): ``{"dead_letters": […], "next_cursor": …}``.
        ``since`` / ``until``: RFC 3339 times."""
        query = [
            ("webhook_id", webhook_id),
            ("since", since),
            ("until", until),
            ("limit", limit),
            ("cursor", cursor),
        ]
        return self._request("GET", "/v1/dead-letters", query=query, request_id=request_id)

    def iter_dead_letters(
        self,
        *,
        webhook_id: Optional[str] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        page_size: Optional[int] = None,
    ) -> Iterator[JSON]:
        """Every dead letter matching the filters, newest first."""
        return self._pages(
            self.list_dead_letters,
            "dead_letters",
            page_size,
            webhook_id=webhook_id,
            since=since,
            until=until,
        )

    def replay_dead_letter(self, delivery_id: str, *, request_id: Optional[str] = None) -> JSON:
        """``POST /v1/dead-letters/{delivery_id}/replay`` (admin): delivers the
        event again (``202``): ``{"delivery_id", "replayed"}``."""
        return self._request(
            "POST",
            f"/v1/dead-letters/{_path_param(delivery_id, 'delivery_id')}/replay",
            request_id=request_id,
        )

    def replay_dead_letters(
        self,
        webhook_id: str,
        *,
        since: Optional[str] = None,
        until: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``POST /v1/dead-letters/replay`` (admin): replays every dead letter
        of a webhook with ``since <= dead_at < until`` not replayed yet:
        ``{"webhook_id", "replayed", "skipped", "truncated"}``."""
        body: Dict[str, Any] = {"webhook_id": webhook_id}
        if since is not None:
            body["since"] = since
        if until is not None:
            body["until"] = until
        return self._request(
            "POST", "/v1/dead-letters/replay", json_body=body, request_id=request_id
        )

    # ------------------------------------------------------------ analytics
    #
    # The range of every analytics call is ``from_`` (inclusive; ``from`` is
    # a Python keyword) and ``to`` (exclusive): aware datetimes (sent as
    # RFC 3339 in UTC) or RFC 3339 strings. Defaults: the 24 hours before
    # ``to``, and now. Admin keys only.

    def get_analytics_summary(
        self,
        *,
        from_: Optional[Time] = None,
        to: Optional[Time] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/analytics/summary``: totals, rates and latency
        percentiles of the account over the range (an AnalyticsSummary:
        ``events``, ``api``, ``deliveries``)."""
        query = [("from", _rfc3339(from_, "from_")), ("to", _rfc3339(to, "to"))]
        return self._request("GET", "/v1/analytics/summary", query=query, request_id=request_id)

    def get_analytics_timeseries(
        self,
        *,
        metric: Optional[str] = None,
        bucket: Optional[str] = None,
        from_: Optional[Time] = None,
        to: Optional[Time] = None,
        source: Optional[str] = None,
        event_type: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/analytics/timeseries``: one ``metric`` (default
        ``"events"``) per ``bucket`` (``"minute"``, ``"hour"`` (default) or
        ``"day"``), empty buckets included: ``{"metric", "bucket", "from",
        "to", "filter", "points"}``. ``source`` / ``event_type`` filter the
        ``events`` metric only (``400 filter_not_supported`` otherwise); more
        than 10,000 buckets is ``400 too_many_points``."""
        query = [
            ("metric", metric),
            ("bucket", bucket),
            ("from", _rfc3339(from_, "from_")),
            ("to", _rfc3339(to, "to")),
            ("source", source),
            ("event_type", event_type),
        ]
        return self._request(
            "GET", "/v1/analytics/timeseries", query=query, request_id=request_id
        )

    def get_analytics_breakdown(
        self,
        by: str,
        *,
        from_: Optional[Time] = None,
        to: Optional[Time] = None,
        limit: Optional[int] = None,
        source: Optional[str] = None,
        event_type: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/analytics/breakdown``: counts grouped ``by`` one dimension
        (``"source"``, ``"event_type"``, ``"webhook"``, ``"api_status"``,
        ``"delivery_outcome"``, ``"dead_letter_reason"``), largest first, at
        most ``limit`` rows (1 to 1000, default 10), the rest in ``other``."""
        if not isinstance(by, str):
            raise TypeError(f"by must be str, not {type(by).__name__}")
        if not by:
            raise ValueError("by must not be empty")
        query = [
            ("by", by),
            ("from", _rfc3339(from_, "from_")),
            ("to", _rfc3339(to, "to")),
            ("limit", limit),
            ("source", source),
            ("event_type", event_type),
        ]
        return self._request(
            "GET", "/v1/analytics/breakdown", query=query, request_id=request_id
        )

    def export_analytics(
        self,
        *,
        bucket: Optional[str] = None,
        from_: Optional[Time] = None,
        to: Optional[Time] = None,
        request_id: Optional[str] = None,
    ) -> JSON:
        """``GET /v1/analytics/export?format=json``: every non-empty bucket of
        the range, oldest first: ``{"bucket", "from", "to", "rows"}``. Held in
        memory whole: :meth:`iter_analytics_csv` streams the CSV export."""
        query = self._export_query(bucket, from_, to, "json")
        return self._request("GET", "/v1/analytics/export", query=query, request_id=request_id)

    def export_analytics_csv(
        self,
        *,
        bucket: Optional[str] = None,
        from_: Optional[Time] = None,
        to: Optional[Time] = None,
        request_id: Optional[str] = None,
    ) -> str:
        """``GET /v1/analytics/export?format=csv``: the same export as CSV
        text, a header line then one line per bucket (RFC 4180, the columns
        of ``AnalyticsExportRow``, empty cells for ``null``). A success that
        is not ``text/csv`` raises ``ApiError("invalid_response")``."""
        query = self._export_query(bucket, from_, to, "csv")
        with self._open_csv(query, request_id) as resp:
            raw = self._read(resp, "GET")
        return raw.decode("utf-8", "replace")

    def iter_analytics_csv(
        self,
        *,
        bucket: Optional[str] = None,
        from_: Optional[Time] = None,
        to: Optional[Time] = None,
        request_id: Optional[str] = None,
    ) -> Iterator[str]:
        """The CSV export read as it arrives, one line at a time (the header
        first), without the line break: any range in constant memory. The
        request is sent at the first ``next()``; closing the generator (or
        leaving a ``for`` loop and dropping it) closes the connection.
        ``timeout`` bounds each read, not the whole export. Feed it to
        :func:`csv.reader` for the fields."""
        query = self._export_query(bucket, from_, to, "csv")
        resp = self._open_csv(query, request_id)
        with resp:
            record = b""
            while True:
                try:
                    line = resp.readline()
                except _NETWORK_ERRORS as e:
                    raise NetworkError(
                        f"the response broke off: {e}", "GET", resp.geturl()
                    ) from e
                if not line:
                    if record:
                        yield _csv_line(record)
                    return
                record += line
                # A line break inside a quoted field (RFC 4180) does not end
                # the record: an odd number of quotes so far means one is open.
                if record.count(b'"') % 2 == 0:
                    yield _csv_line(record)
                    record = b""

    @staticmethod
    def _export_query(
        bucket: Optional[str], from_: Optional[Time], to: Optional[Time], fmt: str
    ) -> Query:
        return [
            ("bucket", bucket),
            ("from", _rfc3339(from_, "from_")),
            ("to", _rfc3339(to, "to")),
            ("format", fmt),
        ]


def _csv_line(record: bytes) -> str:
    """One CSV record without its line break (``\\n`` or ``\\r\\n``)."""
    if record.endswith(b"\n"):
        record = record[:-1]
    if record.endswith(b"\r"):
        record = record[:-1]
    return record.decode("utf-8", "replace")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _excerpt(raw: Union[bytes, str], limit: int = 200) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
