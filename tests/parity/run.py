"""Cross-language parity: every SDK signs the same generated cases and must
produce the same bytes as the Rust core and as an independent reference.

    python3 tests/parity/run.py CASES.json NAME=COMMAND [NAME=COMMAND ...]

Each COMMAND (run through the shell with the cases file appended) prints
`{"requests": [...], "webhooks": [...]}`: per case the signature header value
or `error:<code>`. The expected values come from tests/python/triggers_ref.py,
a standard-library implementation written from docs/SIGNING.md alone, so a
bug shared by every binding of the Rust core would still be caught. Exits 1
on any difference, printing the first few mismatching cases.
"""
import base64
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import triggers_ref as ref  # noqa: E402


def reference(cases):
    def outcome(f):
        try:
            return f()
        except ref.SigningError as e:
            return "error:" + e.code

    requests = [
        outcome(lambda c=c: ref.sign(c["secret"], c["method"], c["target"], c["timestamp"],
                                     base64.b64decode(c["body"])))
        for c in cases["requests"]
    ]
    webhooks = [
        outcome(lambda c=c: ref.webhook_sign_all(c["secrets"], c["msg_id"], c["timestamp"],
                                                 base64.b64decode(c["body"])))
        for c in cases["webhooks"]
    ]
    return {"requests": requests, "webhooks": webhooks}


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    expected = reference(cases)
    # The invalid cases the generator made on purpose must fail, with their code.
    for c, got in zip(cases["requests"], expected["requests"]):
        if c["expect_error"] and got != "error:" + c["expect_error"]:
            print(f"generator/reference disagree on case {c['id']}: {got}", file=sys.stderr)
            return 1
    errors = sum(s.startswith("error:") for s in expected["requests"])
    print(f"parity: {len(cases['requests'])} request cases ({errors} invalid on purpose), "
          f"{len(cases['webhooks'])} webhook cases, seed {cases['seed']}")
    failed = False
    for spec in sys.argv[2:]:
        name, _, command = spec.partition("=")
        proc = subprocess.run(command + " " + shlex.quote(os.path.abspath(path)), shell=True,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"  {name:<11} FAILED to run (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
            failed = True
            continue
        try:
            got = json.loads(proc.stdout)
        except ValueError:
            print(f"  {name:<11} FAILED: output is not JSON: {proc.stdout[:200]!r}")
            failed = True
            continue
        mismatches = []
        for kind in ("requests", "webhooks"):
            if len(got.get(kind, [])) != len(expected[kind]):
                mismatches.append(f"{kind}: {len(got.get(kind, []))} results for {len(expected[kind])} cases")
                continue
            for i, (want, have) in enumerate(zip(expected[kind], got[kind])):
                if want != have:
                    case = dict(cases[kind][i])
                    case["body"] = f"<{len(base64.b64decode(case['body']))} bytes>"
                    mismatches.append(f"{kind}[{i}]: expected {want}, got {have}; case {json.dumps(case, ensure_ascii=False)}")
        if mismatches:
            failed = True
            print(f"  {name:<11} MISMATCH in {len(mismatches)} cases; first ones:")
            for m in mismatches[:5]:
                print("    " + m)
        else:
            print(f"  {name:<11} identical ({len(expected['requests'])} + {len(expected['webhooks'])} results)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
