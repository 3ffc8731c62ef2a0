#!/usr/bin/env python3
"""Runs built Lambda `bootstrap` binaries against a local emulation of the
Lambda Runtime API (the HTTP protocol a `provided.al2023` function speaks:
GET …/invocation/next, POST …/invocation/{id}/response|error) on 127.0.0.1,
feeds them real event payloads and checks the answers.

    python3 deploy/smoke_bootstrap.py API_BOOTSTRAP WORKER_BOOTSTRAP [SWEEPER_BOOTSTRAP [ANALYTICS_BOOTSTRAP]] [-- RUNNER…]

RUNNER is a command prefix for a foreign architecture, e.g.
`qemu-aarch64-static -L /usr/aarch64-linux-gnu`. scripts/build-lambda.sh
--smoke calls this for every architecture it can run.

The functions use the SQLite backend in a temporary data directory (no AWS
is reachable here): this checks that the binary starts on this machine's
loader, speaks the runtime protocol, routes an HTTP API (payload 2.0) event
through the router, answers an SQS event with `batchItemFailures`, and
(SWEEPER_BOOTSTRAP given) answers an EventBridge scheduled event with the
sweep's summary (an empty outbox: nothing swept), and (ANALYTICS_BOOTSTRAP
given) answers DynamoDB Streams batches that hold no fact (another table's
records, a MODIFY of an event) with the analytics summary: that function
runs on the aws backend only, so it is pointed at a closed port on
127.0.0.1 with dummy credentials, and must send nothing for these batches.
Not the AWS backends themselves (their tests run on moto).
Exit status 0 when every check passed.
"""

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "triggers-service/tests/fixtures"
PREFIX = "/2018-06-01/runtime"


class Runtime:
    """One function's runtime API: a queue of events, a map of answers."""

    def __init__(self):
        self.events = queue.Queue()
        self.answers = {}
        self.done = threading.Condition()
        self.init_error = None

    def handler(self):
        rt = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body=b"", headers=()):
                try:
                    self.send_response(code)
                    for k, v in headers:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the function was stopped after its last answer

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self._send(404)
                request_id, event = rt.events.get()
                body = json.dumps(event).encode()
                self._send(200, body, [
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(int(__import__("time").time() * 1000) + 30_000)),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:smoke"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                    ("Content-Type", "application/json"),
                ])

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = self.path[len(PREFIX):].strip("/").split("/")
                # Acknowledge first, then wake the waiting check (which may
                # stop the function).
                if parts[:2] == ["init", "error"]:
                    self._send(202)
                    with rt.done:
                        rt.init_error = body.decode(errors="replace")
                        rt.done.notify_all()
                    return
                if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    self._send(202)
                    with rt.done:
                        rt.answers[parts[1]] = (parts[2], body)
                        rt.done.notify_all()
                    return
                self._send(404)

        return H

    def invoke(self, event, timeout=60):
        request_id = str(uuid.uuid4())
        self.events.put((request_id, event))
        with self.done:
            ok = self.done.wait_for(lambda: request_id in self.answers or self.init_error, timeout)
        if self.init_error:
            raise RuntimeError(f"init error: {self.init_error}")
        if not ok:
            raise RuntimeError("no answer within the timeout")
        kind, body = self.answers[request_id]
        if kind != "response":
            raise RuntimeError(f"invocation error: {body.decode(errors='replace')}")
        return json.loads(body)


def run_function(binary, runner, name, calls, extra_env=None):
    rt = Runtime()
    server = ThreadingHTTPServer(("127.0.0.1", 0), rt.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    failures = 0
    with tempfile.TemporaryDirectory() as data:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
            "AWS_LAMBDA_FUNCTION_NAME": f"smoke-{name}",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/smoke-{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "smoke",
            "AWS_REGION": "us-east-1",
            "TRIGGERS_BACKEND": "sqlite",
            "TRIGGERS_DATA_DIR": data,
            "RUST_LOG": "warn",
            **(extra_env or {}),
        }
        proc = subprocess.Popen([*runner, binary], env=env, cwd=data,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            for label, event, check in calls:
                try:
                    answer = rt.invoke(event)
                    problem = check(answer)
                except RuntimeError as e:
                    problem = str(e)
                    answer = None
                status = "ok" if problem is None else f"FAILED: {problem}"
                print(f"  {name}: {label}: {status}")
                if problem is not None:
                    failures += 1
                    print(f"    answer: {json.dumps(answer)[:400]}")
        finally:
            proc.kill()
            out = proc.communicate()[0].decode(errors="replace")
            server.shutdown()
        if failures and out.strip():
            print(f"    {name} output:\n" + "\n".join("      " + line for line in out.splitlines()[-20:]))
    return failures


def http_event(method, path, headers=None):
    event = json.loads((FIXTURES / "apigw-http-v2-request.json").read_text())
    event["rawPath"] = path
    event["rawQueryString"] = ""
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["headers"] = {"host": event["headers"]["host"], **(headers or {})}
    event.pop("body", None)
    event.pop("cookies", None)
    event["isBase64Encoded"] = False
    return event


def body_json(answer):
    body = answer.get("body") or ""
    if answer.get("isBase64Encoded"):
        body = __import__("base64").b64decode(body).decode()
    return json.loads(body)


def main():
    args = sys.argv[1:]
    runner = []
    if "--" in args:
        i = args.index("--")
        args, runner = args[:i], args[i + 1:]
    if len(args) not in (2, 3, 4):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    api, worker, *rest = (str(Path(a).resolve()) for a in args)
    sweeper, analytics = rest[:1], rest[1:]

    def healthz(a):
        return None if a.get("statusCode") == 200 else f"status {a.get('statusCode')}"

    def needs_key(a):
        if a.get("statusCode") != 401:
            return f"status {a.get('statusCode')}, expected 401"
        code = body_json(a).get("error", {}).get("code")
        return None if code == "missing_api_key" else f"error code {code!r}"

    failures = run_function(api, runner, "api", [
        ("GET /healthz (HTTP API payload 2.0)", http_event("GET", "/healthz"), healthz),
        ("GET /v1/inbox without a key", http_event("GET", "/v1/inbox"), needs_key),
    ])

    sqs = json.loads((FIXTURES / "sqs-event.json").read_text())
    record = dict(sqs["Records"][0])
    record["messageId"] = "smoke-not-a-job"
    record["body"] = "this is not a job"
    sqs_event = {"Records": [record]}

    def reports_garbage(a):
        ids = [f.get("itemIdentifier") for f in a.get("batchItemFailures", [])]
        return None if ids == ["smoke-not-a-job"] else f"batchItemFailures {ids}"

    failures += run_function(worker, runner, "worker", [
        ("SQS batch with a message that is not a job", sqs_event, reports_garbage),
    ])

    if sweeper:
        schedule = json.loads((FIXTURES / "eventbridge-schedule.json").read_text())

        def swept_nothing(a):
            got = (a.get("swept"), a.get("left"), a.get("end"))
            return None if got == (0, 0, "drained") else f"summary {got}"

        failures += run_function(sweeper[0], runner, "sweeper", [
            ("EventBridge scheduled event, empty outbox", schedule, swept_nothing),
        ])
    if analytics:
        def stream_record(table, name, image):
            return {
                "eventID": f"smoke-{table}-{name}", "eventName": name, "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
                "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-01-01T00:00:00.000",
                "dynamodb": {"ApproximateCreationDateTime": 1767225600, "SizeBytes": 40,
                             "StreamViewType": "NEW_IMAGE", "NewImage": image},
            }

        foreign = {"Records": [stream_record("other-table", "INSERT", {"pk": {"S": "x"}})]}
        modify = {"Records": [stream_record("smoke-events", "MODIFY", {"pk": {"S": "EV#x"}, "sk": {"S": "EV"}})]}

        def summary(records, ignored, skipped):
            def check(a):
                got = (a.get("records"), a.get("ignored"), a.get("skipped"), a.get("facts"))
                return None if got == (records, ignored, skipped, 0) else f"summary {a}"
            return check

        failures += run_function(analytics[0], runner, "analytics", [
            ("DynamoDB Streams batch of another table", foreign, summary(1, 0, 1)),
            ("DynamoDB Streams batch with a MODIFY of an event", modify, summary(1, 1, 0)),
        ], extra_env={
            "TRIGGERS_BACKEND": "aws",
            "TRIGGERS_AWS_TABLE_PREFIX": "smoke-",
            # Nothing listens there: a request would fail the invocation.
            "TRIGGERS_AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "smoke",
            "AWS_SECRET_ACCESS_KEY": "smoke",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent/smoke",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/smoke",
        })
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
