"""The Python side of the parity test: the installed Python SDK (the wheel of
sdks/python, uniffi over the Rust core) signs every case.

    $VENV/bin/python tests/parity/sign_python.py cases.json
"""
import base64
import json
import sys

import triggers_api

if "site-packages" not in (triggers_api.__file__ or ""):
    sys.exit(f"parity: triggers_api imported from {triggers_api.__file__}, not from an installed wheel")


def outcome(f):
    try:
        return f()
    except triggers_api.SignatureError as e:
        return "error:" + e.code


def main(path):
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    requests = [
        outcome(lambda c=c: triggers_api.sign_request(
            c["secret"], c["method"], c["target"], base64.b64decode(c["body"]), c["timestamp"]).signature)
        for c in cases["requests"]
    ]
    webhooks = [
        outcome(lambda c=c: triggers_api.sign_webhook(
            c["secrets"], c["msg_id"], base64.b64decode(c["body"]), c["timestamp"]).signature)
        for c in cases["webhooks"]
    ]
    json.dump({"requests": requests, "webhooks": webhooks}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
