"""The client against the real triggers-service (scripts/with-service.sh):
every resource, signed and unsigned requests, errors, pagination, and
webhooks delivered to a receiver on 127.0.0.1 and verified with
verify_webhook."""
from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest

import triggers_api
from triggers_api import ApiError, SignatureError


def unique(prefix: str = "py") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def api_error(fn, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn(*args, **kwargs)
    return err.value


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


# ------------------------------------------------------------------ service


def test_health_and_openapi(service):
    # Neither needs an API key: a client without one works.
    anonymous = triggers_api.Client(service.base_url)
    assert anonymous.health() == {"status": "ok"}
    doc = anonymous.get_open_api()
    assert doc["openapi"].startswith("3.") and "/v1/events" in doc["paths"]


# ------------------------------------------------------------------ events


def test_events_create_get_ack_and_inbox(admin):
    source = unique("shop")
    payload = {"order_id": 1, "total": "12.50", "note": "é"}
    ev = admin.create_event(source, "order.created", payload)
    assert ev["source"] == source and ev["payload"] == payload and ev["status"] == "pending"
    assert admin.get_event(ev["event_id"]) == ev
    inbox = [e["event_id"] for e in admin.iter_inbox(source=source)]
    assert inbox == [ev["event_id"]]
    acked = admin.ack_event(ev["event_id"])
    assert acked["status"] == "acknowledged" and acked["acked_at"]
    assert list(admin.iter_inbox(source=source)) == []
    # Idempotent ack.
    assert admin.ack_event(ev["event_id"])["acked_at"] == acked["acked_at"]


def test_idempotency_key(admin):
    key = unique("idem")
    a = admin.create_event("shop", "order.created", {"n": 1}, idempotency_key=key)
    b = admin.create_event("shop", "order.created", {"n": 1}, idempotency_key=key)
    assert a["event_id"] == b["event_id"] and a["idempotency_key"] == key
    e = api_error(admin.create_event, "shop", "order.created", {"n": 2}, idempotency_key=key)
    assert (e.status, e.code) == (409, "idempotency_key_reused")


def test_inbox_pagination_over_several_pages(admin):
    source = unique("page")
    ids = [admin.create_event(source, "t.x", {"i": i})["event_id"] for i in range(5)]
    first = admin.list_inbox(source=source, limit=2)
    assert len(first["events"]) == 2 and first["next_cursor"]
    second = admin.list_inbox(source=source, limit=2, cursor=first["next_cursor"])
    assert {e["event_id"] for e in second["events"]}.isdisjoint(e["event_id"] for e in first["events"])
    # The iterator follows next_cursor to the end: every event once, oldest first.
    assert [e["event_id"] for e in admin.iter_inbox(source=source, page_size=2)] == ids
    assert [e["event_id"] for e in admin.iter_inbox(source=source, event_type="t.x", page_size=1)] == ids


# ------------------------------------------------------------------ errors


def test_error_codes(service, admin):
    e = api_error(admin.get_event, str(uuid.uuid4()))
    assert (e.status, e.code) == (404, "not_found") and e.request_id
    e = api_error(admin.get_event, "not-a-uuid", request_id="my-request-1")
    assert (e.status, e.code, e.request_id) == (400, "invalid_event_id", "my-request-1")
    e = api_error(admin.list_inbox, limit=0)
    assert (e.status, e.code) == (400, "invalid_query")
    e = api_error(admin.list_inbox, cursor="garbage")
    assert (e.status, e.code) == (400, "invalid_cursor")
    e = api_error(admin.create_event, "", "t", {})
    assert e.status == 400
    e = api_error(admin.create_webhook, "ftp://127.0.0.1/x")
    assert (e.status, e.code) == (400, "invalid_url")
    e = api_error(admin.create_webhook, "http://127.0.0.1:9/x", events=["a b"])
    assert (e.status, e.code) == (400, "invalid_events")
    e = api_error(admin.get_api_key, "key_doesnotexist0000")
    assert (e.status, e.code) == (404, "not_found")
    e = api_error(admin.get_webhook, str(uuid.uuid4()))
    assert (e.status, e.code) == (404, "webhook_not_found")
    e = api_error(admin.replay_dead_letter, str(uuid.uuid4()))
    assert (e.status, e.code) == (404, "dead_letter_not_found")
    e = api_error(triggers_api.Client(service.base_url).list_inbox)
    assert (e.status, e.code) == (401, "missing_api_key")
    e = api_error(service.client("trgk_" + "0" * 54).list_inbox)
    assert (e.status, e.code) == (401, "invalid_api_key")
    assert "trgk_" not in str(e)


def test_standard_key_is_forbidden_admin_operations(service, admin):
    created = admin.create_api_key(unique("std"), role="standard")
    std = service.client(created["api_key"])
    assert std.create_event("shop", "a.b", {})["status"] == "pending"
    e = api_error(std.list_api_keys)
    assert (e.status, e.code) == (403, "forbidden")
    e = api_error(std.list_webhooks)
    assert (e.status, e.code) == (403, "forbidden")


def test_accounts_are_isolated(service, admin):
    if not service.bin:
        pytest.skip("TRIGGERS_TEST_SERVICE_BIN not set")
    out = subprocess.run(
        [service.bin, "keys", "create", "--name", unique("other"), "--account", "acct_other",
         "--admin", "--data-dir", service.data_dir],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout
    other_key = next(tok for tok in out.split() if tok.startswith("trgk_"))
    other = service.client(other_key)
    mine = admin.create_event(unique("iso"), "a.b", {})
    e = api_error(other.get_event, mine["event_id"])
    assert (e.status, e.code) == (404, "not_found")


# ------------------------------------------------------------------ signing


def test_require_signature_key_unsigned_is_refused_signed_works(service, admin):
    created = admin.create_api_key(unique("signed"), role="admin", require_signature=True)
    assert created["require_signature"] is True
    assert created["signing_secret"].startswith("trgs_")
    unsigned = service.client(created["api_key"])
    e = api_error(unsigned.list_inbox)
    assert (e.status, e.code) == (401, "signature_required")

    signed = service.client(created["api_key"], signing=(created["key_id"], created["signing_secret"]))
    source = unique("sig é&=/")  # the query is signed as sent: escapes and all
    ev = signed.create_event(source, "order.created", {"x": [1, 2, {"y": "é"}]})
    assert signed.get_event(ev["event_id"])["payload"] == {"x": [1, 2, {"y": "é"}]}
    assert [e["event_id"] for e in signed.iter_inbox(source=source, page_size=1)] == [ev["event_id"]]
    assert signed.ack_event(ev["event_id"])["status"] == "acknowledged"
    assert signed.get_api_key(created["key_id"])["key_id"] == created["key_id"]
    # Admin operations work signed as well (a signed POST with a JSON body).
    other = signed.create_api_key(unique("by-signed"))
    assert other["key_id"] != created["key_id"]
    assert any(k["key_id"] == created["key_id"] for k in signed.iter_api_keys())

    wrong = service.client(created["api_key"], signing=(created["key_id"], "trgs_" + "x" * 43))
    e = api_error(wrong.list_inbox)
    assert (e.status, e.code) == (401, "signature_mismatch")


def test_bootstrap_key_signed(service):
    client = service.client(signing=(service.key_id, service.signing_secret))
    ev = client.create_event(unique("boot"), "a.b", {"k": 1})
    assert client.get_event(ev["event_id"])["event_id"] == ev["event_id"]


# ------------------------------------------------------------------ API keys


def test_api_keys_lifecycle_and_pagination(service, admin):
    names = [unique("key") for _ in range(3)]
    created = [admin.create_api_key(n) for n in names]
    for c in created:
        assert c["api_key"].startswith("trgk_") and c["version"]["version"] == 1
    page = admin.list_api_keys(limit=1)
    assert len(page["api_keys"]) == 1 and page["next_cursor"]
    all_ids = [k["key_id"] for k in admin.iter_api_keys(page_size=1)]
    assert len(all_ids) == len(set(all_ids)) >= 4
    assert {c["key_id"] for c in created} <= set(all_ids)

    key = created[0]
    got = admin.get_api_key(key["key_id"])
    assert got["name"] == names[0] and "api_key" not in got and "signing_secret" not in got

    rotated = admin.rotate_api_key(key["key_id"], transition_seconds=60)
    assert rotated["version"]["version"] == 2 and rotated["api_key"] != key["api_key"]
    assert [v["status"] for v in rotated["previous_versions"]] == ["rotating"]
    versions = admin.list_api_key_versions(key["key_id"])
    assert versions["key_id"] == key["key_id"]
    assert sorted(v["version"] for v in versions["versions"]) == [1, 2]
    # Both versions authenticate during the transition.
    for api_key in (key["api_key"], rotated["api_key"]):
        assert service.client(api_key).list_inbox(limit=1)["events"] is not None
    # A rotation without body: the default transition.
    assert admin.rotate_api_key(key["key_id"])["version"]["version"] == 3

    revoked = admin.revoke_api_key(key["key_id"])
    assert revoked["status"] == "revoked" and revoked["revoked_at"]
    e = api_error(service.client(rotated["api_key"]).list_inbox)
    assert (e.status, e.code) == (401, "key_revoked")
    e = api_error(admin.rotate_api_key, key["key_id"])
    assert (e.status, e.code) == (409, "key_revoked")


# ------------------------------------------------------------------ webhooks


def test_webhook_delivery_verified_and_tampering_rejected(admin, receiver):
    etype = unique("evt") + ".created"
    hook = admin.create_webhook(receiver.url(), events=[etype], description="pytest")
    assert hook["secret"].startswith("whsec_") and hook["events"] == [etype]
    raw_payload = b'{"order_id": 7,  "total": 12.50}'  # bytes: sent and delivered as they are
    ev = admin.create_event("shop", etype, raw_payload)

    path, headers, message, body = receiver.next()
    assert path == "/hooks/triggers"
    envelope = triggers_api.verify_webhook(hook["secret"], message, body)
    assert envelope["id"] == ev["event_id"] and envelope["type"] == etype
    assert envelope["data"] == {"order_id": 7, "total": 12.50}
    assert b'"data":' + raw_payload in body
    # A plain dict of the same headers works as well.
    assert triggers_api.verify_webhook(hook["secret"], headers, body) == envelope
    assert headers["webhook-id"] == "msg_" + ev["event_id"].replace("-", "")

    with pytest.raises(SignatureError) as err:
        triggers_api.verify_webhook(hook["secret"], message, body.replace(b"7", b"8"))
    assert err.value.code == "signature_mismatch"
    with pytest.raises(SignatureError) as err:
        triggers_api.verify_webhook(hook["secret"], message, body + b" ")
    assert err.value.code == "signature_mismatch"
    wrong = triggers_api.sign_webhook(
        "whsec_" + "A" * 43 + "=", headers["webhook-id"], body, int(headers["webhook-timestamp"])
    )
    assert wrong.signature != headers["webhook-signature"]
    with pytest.raises(SignatureError):
        triggers_api.verify_webhook(hook["secret"], wrong.headers, body)

    attempts = wait_for(lambda: admin.list_webhook_deliveries(hook["webhook_id"])["attempts"])
    assert attempts[0]["success"] is True and attempts[0]["status_code"] == 204


def test_webhooks_crud_test_rotate_and_delete(admin, receiver):
    etype = unique("crud") + ".x"
    hooks = [admin.create_webhook(receiver.url(f"/h{i}"), events=[etype]) for i in range(3)]
    hook = hooks[0]
    got = admin.get_webhook(hook["webhook_id"])
    assert got["url"] == receiver.url("/h0") and "secret" not in got

    page = admin.list_webhooks(limit=1)
    assert len(page["webhooks"]) == 1 and page["next_cursor"]
    listed = [w["webhook_id"] for w in admin.iter_webhooks(page_size=2)]
    assert {h["webhook_id"] for h in hooks} <= set(listed) and len(listed) == len(set(listed))

    updated = admin.update_webhook(hook["webhook_id"], description="changed", max_retries=2)
    assert updated["description"] == "changed" and updated["max_retries"] == 2
    assert updated["url"] == got["url"]  # untouched fields keep their value
    assert admin.update_webhook(hook["webhook_id"], max_retries=None)["max_retries"] is None

    result = admin.test_webhook(hook["webhook_id"])
    assert result["success"] is True and result["status_code"] == 204
    path, _, message, body = receiver.next()
    assert path == "/h0"
    test_event = triggers_api.verify_webhook(hook["secret"], message, body)
    assert test_event["type"] == "webhook.test" and test_event["data"]["webhook_id"] == hook["webhook_id"]
    assert message["webhook-id"] == result["msg_id"]

    rotated = admin.rotate_webhook_secret(hook["webhook_id"], transition_seconds=300)
    assert rotated["secret"] != hook["secret"] and rotated["secret_version"] == hook["secret_version"] + 1
    admin.test_webhook(hook["webhook_id"])
    _, _, message, body = receiver.next()
    assert len(message["webhook-signature"].split(" ")) == 2  # new and old both sign
    for secret in (rotated["secret"], hook["secret"], [rotated["secret"], hook["secret"]]):
        assert triggers_api.verify_webhook(secret, message, body)["type"] == "webhook.test"
    own = "whsec_" + "QUJD" * 8
    assert admin.rotate_webhook_secret(hook["webhook_id"], secret=own)["secret"] == own
    e = api_error(admin.rotate_webhook_secret, hook["webhook_id"], secret="not base64!")
    assert (e.status, e.code) == (400, "invalid_secret")

    for h in hooks:
        assert admin.delete_webhook(h["webhook_id"]) is None
    e = api_error(admin.get_webhook, hook["webhook_id"])
    assert (e.status, e.code) == (404, "webhook_not_found")


def test_dead_letters_replay_one_and_many(admin, receiver):
    etype = unique("dead") + ".x"
    receiver.status = 500
    hook = admin.create_webhook(receiver.url(), events=[etype], max_retries=0)
    wid = hook["webhook_id"]
    first = admin.create_event("shop", etype, {"n": 1})

    def dead_letters():
        return [d for d in admin.iter_dead_letters(webhook_id=wid, page_size=1) if d["replayed_at"] is None]

    dead = wait_for(dead_letters)
    assert [d["event_id"] for d in dead] == [first["event_id"]]
    assert dead[0]["reason"] == "retries_exhausted" and dead[0]["last_status_code"] == 500
    receiver.drain()

    receiver.status = 204
    assert admin.replay_dead_letter(dead[0]["delivery_id"]) == {
        "delivery_id": dead[0]["delivery_id"],
        "replayed": True,
    }
    _, _, message, body = receiver.next()
    assert message["webhook-id"] == dead[0]["msg_id"]  # same id: receivers deduplicate
    assert triggers_api.verify_webhook(hook["secret"], message, body)["id"] == first["event_id"]
    e = api_error(admin.replay_dead_letter, dead[0]["delivery_id"])
    assert (e.status, e.code) == (409, "already_replayed")

    receiver.status = 500
    second = admin.create_event("shop", etype, {"n": 2})
    dead = wait_for(dead_letters)
    assert [d["event_id"] for d in dead] == [second["event_id"]]
    receiver.drain()
    receiver.status = 204
    result = admin.replay_dead_letters(wid, since="2000-01-01T00:00:00Z")
    assert result["webhook_id"] == wid and result["replayed"] == 1 and result["truncated"] is False
    _, _, message, body = receiver.next()
    assert triggers_api.verify_webhook(hook["secret"], message, body)["id"] == second["event_id"]

    page = admin.list_dead_letters(webhook_id=wid, limit=1)
    assert len(page["dead_letters"]) == 1 and page["next_cursor"]  # two dead letters, two pages
    e = api_error(admin.list_dead_letters, since="yesterday")
    assert (e.status, e.code) == (400, "invalid_query")

    admin.update_webhook(wid, is_active=False)
    e = api_error(admin.replay_dead_letters, wid)
    assert (e.status, e.code) == (409, "webhook_inactive")
    admin.delete_webhook(wid)
    e = api_error(admin.replay_dead_letters, wid)
    assert (e.status, e.code) == (404, "webhook_not_found")
