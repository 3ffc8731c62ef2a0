#!/usr/bin/env python3
"""Checks that deploy/template.yaml declares the tables and queues the Rust
backends use: table names, key schema, indexes (keys, projection), TTL
attribute; queue names and the redrive/retention defaults; that every
index ARN in an IAM policy names an index of its table; that every
TRIGGERS_* variable the functions get is one the service reads; and the
analytics consumer: the tables it folds (triggers-service/src/lambda/
analytics.rs) have NEW_IMAGE streams and no other table has one, one
function reads exactly those streams (TRIM_HORIZON, bisect on error, a
retry limit and an on-failure destination) with a role that may read them
and write only the analytics table, and the API function may read the
analytics table.

    python3 deploy/check_schema.py [TEMPLATE]     (deploy/lint.sh runs it)

The Rust side is read from the source, where each backend declares its
tables as `TableSpec { name: format!("{prefix}{CONST}"), indexes: vec![
IndexSpec { .. }, ..], ttl_attribute: .. }` literals with `pub const`
names (the same specs `create_tables` creates in tests). The parser is
strict: anything it does not understand is an error naming the file, never
a silent pass. Exit status 0 when both sides agree, 1 otherwise.
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "keys": ROOT / "triggers-keys/src/backends/dynamodb.rs",
    "webhooks": ROOT / "triggers-webhooks/src/backends/dynamodb.rs",
    "events": ROOT / "triggers-service/src/db/dynamodb.rs",
    "analytics": ROOT / "triggers-analytics/src/backends/dynamodb.rs",
}
CONSUMER = ROOT / "triggers-service/src/lambda/analytics.rs"
SUPPORT = ROOT / "triggers-keys/src/backends/dynamodb/support.rs"
SQS = ROOT / "triggers-webhooks/src/backends/sqs.rs"

errors = []


def error(msg):
    errors.append(msg)


# ---------------------------------------------------------------- Rust side

CONST_STR = re.compile(r'pub const (\w+): &str = "([^"]*)";')
CONST_INT = re.compile(r"pub const (\w+): u\d+ = ([0-9_ *+]+);")


def consts(*files):
    out = {}
    for f in files:
        text = f.read_text()
        out.update(CONST_STR.findall(text))
        for name, expr in CONST_INT.findall(text):
            if not re.fullmatch(r"[0-9_ *+]+", expr):
                continue
            out[name] = eval(expr.replace("_", ""), {"__builtins__": {}})  # digits, * and + only
    return out


def block(text, start):
    """The text between the brace or bracket at `start` and its match."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    opener = text[start]
    closer = pairs[opener]
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    raise ValueError("unbalanced")


def resolve(token, table, where):
    token = token.strip()
    if token.startswith('"') and token.endswith('"'):
        return token[1:-1]
    if token in table:
        return table[token]
    raise ValueError(f"{where}: unknown constant {token!r}")


def rust_tables():
    support = consts(SUPPORT)
    specs = {}
    for what, path in SOURCES.items():
        if not path.exists():
            error(f"{path.relative_to(ROOT)} is missing: cannot check the {what} tables")
            continue
        text = path.read_text()
        table = dict(support)
        table.update(consts(path))
        starts = [m.end() - 1 for m in re.finditer(r"\bTableSpec \{", text)]
        # Skip the struct's own definition, if any, and doc comments.
        starts = [s for s in starts if "pub struct" not in text[max(0, s - 30) : s]]
        found = 0
        for s in starts:
            body = block(text, s)
            m = re.search(r'name:\s*format!\("\{prefix\}\{(\w+)\}"\)', body)
            if not m:
                continue
            rel = path.relative_to(ROOT)
            try:
                name = resolve(m.group(1), table, rel)
                indexes = {}
                im = re.search(r"indexes:\s*vec!\[", body)
                if not im:
                    raise ValueError(f"{rel}: table {name}: no `indexes: vec![…]`")
                ibody = block(body, im.end() - 1)
                for sm in re.finditer(r"IndexSpec \{", ibody):
                    spec = block(ibody, sm.end() - 1)
                    fields = dict(re.findall(r"(\w+):\s*([^,\n]+(?:\([^)]*\))?)", spec))
                    iname = resolve(fields["name"], table, rel)
                    proj = re.search(r"IndexProjection::(\w+)(?:\(vec!\[([^\]]*)\]\))?", spec)
                    if not proj:
                        raise ValueError(f"{rel}: index {iname}: unreadable projection")
                    kind = {"KeysOnly": "KEYS_ONLY", "All": "ALL", "Include": "INCLUDE"}[proj.group(1)]
                    attrs = sorted(re.findall(r'"([^"]+)"', proj.group(2) or ""))
                    indexes[iname] = {
                        "hash": resolve(fields["hash"], table, rel),
                        "range": resolve(fields["range"], table, rel),
                        "projection": kind,
                        "attrs": attrs,
                    }
                tm = re.search(r"ttl_attribute:\s*(None|Some\((\w+|\"[^\"]*\")\))", body)
                if not tm:
                    raise ValueError(f"{rel}: table {name}: unreadable ttl_attribute")
                ttl = None if tm.group(1) == "None" else resolve(tm.group(2), table, rel)
            except (ValueError, KeyError) as e:
                error(f"cannot read a TableSpec in {rel}: {e} (update deploy/check_schema.py)")
                continue
            specs[name] = {"indexes": indexes, "ttl": ttl, "source": str(rel)}
            found += 1
        if found == 0:
            error(f"no TableSpec found in {path.relative_to(ROOT)} (update deploy/check_schema.py)")
    return specs, support


def streamed_tables():
    """The table names (after the prefix) whose streams the analytics
    consumer folds: the `StreamTable::X => CONST` arms of
    `StreamTable::suffix`."""
    text = CONSUMER.read_text()
    m = re.search(r"fn suffix\(self\) -> &'static str \{", text)
    if not m:
        error(f"no `fn suffix` in {CONSUMER.relative_to(ROOT)} (update deploy/check_schema.py)")
        return set()
    table = consts(*SOURCES.values())
    names = set()
    for const in re.findall(r"StreamTable::\w+ => (\w+),", block(text, m.end() - 1)):
        try:
            names.add(resolve(const, table, CONSUMER.relative_to(ROOT)))
        except ValueError as e:
            error(str(e))
    if not names:
        error(f"no streamed table found in {CONSUMER.relative_to(ROOT)} (update deploy/check_schema.py)")
    return names


# ---------------------------------------------------------------- template side


class Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


Loader.add_multi_constructor("!", _tag)


def sub_text(v):
    """The format string of a `!Sub "…"` (or a plain string)."""
    if isinstance(v, str):
        return v
    if isinstance(v, dict) and "Fn::Sub" in v:
        s = v["Fn::Sub"]
        return s if isinstance(s, str) else s[0]
    return None


def getatt(v):
    """`(logical, attribute)` of a `!GetAtt X.Attr` (either form), else None."""
    if isinstance(v, dict) and "Fn::GetAtt" in v:
        g = v["Fn::GetAtt"]
        parts = g.split(".", 1) if isinstance(g, str) else g
        if len(parts) == 2:
            return tuple(parts)
    return None


def role_statements(resources, function):
    """The policy statements of a function's role (`Role: !GetAtt R.Arn`)."""
    ref = getatt(function["Properties"].get("Role"))
    role = resources.get(ref[0]) if ref else None
    if not role or role.get("Type") != "AWS::IAM::Role":
        return None
    out = []
    for policy in role["Properties"].get("Policies", []):
        for s in policy["PolicyDocument"]["Statement"]:
            if isinstance(s, dict) and s.get("Effect") == "Allow":
                out.append(s)
    return out


def as_list(v):
    return v if isinstance(v, list) else [v]


def check_analytics(resources, have, prefix_default):
    """The analytics consumer against the Rust side (see the docstring)."""
    streamed = streamed_tables()
    logical_of = {name[len(prefix_default):]: spec["logical"] for name, spec in have.items()}
    for short, logical in sorted(logical_of.items()):
        stream = resources[logical]["Properties"].get("StreamSpecification")
        if short in streamed:
            if (stream or {}).get("StreamViewType") != "NEW_IMAGE":
                error(f"{logical}: the analytics consumer folds its stream: StreamSpecification NEW_IMAGE needed")
        elif stream:
            error(f"{logical}: has a stream, which no consumer reads (the consumer folds {sorted(streamed)})")
    for short in sorted(streamed - set(logical_of)):
        error(f"the analytics consumer folds table <prefix>{short}, which is not in the template")
    want = {logical_of[s] for s in streamed if s in logical_of}
    analytics_table = logical_of.get("analytics")

    consumers = {}
    for logical, r in resources.items():
        if r.get("Type") != "AWS::Serverless::Function":
            continue
        events = r["Properties"].get("Events", {})
        dynamo = {k: e for k, e in events.items() if e.get("Type") == "DynamoDB"}
        if dynamo:
            consumers[logical] = dynamo
    if len(consumers) != 1:
        error(f"expected one function with DynamoDB stream events, found {sorted(consumers)}")
        return
    (fn_logical, events), = consumers.items()
    fn = resources[fn_logical]
    read = set()
    for name, e in events.items():
        p = e.get("Properties", {})
        ref = getatt(p.get("Stream"))
        if not ref or ref[1] != "StreamArn":
            error(f"{fn_logical}.{name}: Stream must be !GetAtt <table>.StreamArn")
            continue
        read.add(ref[0])
        if p.get("StartingPosition") != "TRIM_HORIZON":
            error(f"{fn_logical}.{name}: StartingPosition must be TRIM_HORIZON (no record of the stream's 24 h missed)")
        if p.get("BisectBatchOnFunctionError") is not True:
            error(f"{fn_logical}.{name}: BisectBatchOnFunctionError must be true")
        if "MaximumRetryAttempts" not in p:
            error(f"{fn_logical}.{name}: MaximumRetryAttempts must be set (a poison batch blocks its shard otherwise)")
        if not p.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"):
            error(f"{fn_logical}.{name}: no on-failure destination for batches given up")
        if "ReportBatchItemFailures" in as_list(p.get("FunctionResponseTypes", [])):
            error(f"{fn_logical}.{name}: the consumer fails whole invocations; ReportBatchItemFailures would misread its answer")
    if read != want:
        error(f"{fn_logical} reads the streams of {sorted(read)}; the consumer folds those of {sorted(want)}")

    statements = role_statements(resources, fn)
    if statements is None:
        error(f"{fn_logical}: Role must be !GetAtt <an AWS::IAM::Role in the template>.Arn")
        return
    stream_actions = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
    readable = set()
    for s in statements:
        actions = set(as_list(s.get("Action")))
        for res in as_list(s.get("Resource")):
            text = sub_text(res) or ""
            m = re.fullmatch(r"\$\{(\w+)\.Arn\}/stream/\*", text)
            if m and stream_actions <= actions:
                readable.add(m.group(1))
            ref = getatt(res)
            dynamo_actions = {a for a in actions if a.startswith("dynamodb:")}
            if ref and ref[1] == "Arn" and dynamo_actions and ref[0] != analytics_table:
                error(f"{fn_logical}'s role may use {sorted(dynamo_actions)} on {ref[0]}: only the analytics table")
            if m is None and text.startswith("${") and dynamo_actions:
                error(f"{fn_logical}'s role grants {sorted(dynamo_actions)} on {text}")
    if readable != want:
        error(f"{fn_logical}'s role may read the streams of {sorted(readable)}, it needs {sorted(want)} (all four stream actions)")

    # The API function (HttpApi events) reads the analytics table.
    for logical, r in resources.items():
        if r.get("Type") != "AWS::Serverless::Function":
            continue
        if not any(e.get("Type") == "HttpApi" for e in r["Properties"].get("Events", {}).values()):
            continue
        ok = any(
            "dynamodb:Query" in as_list(s.get("Action"))
            and any(getatt(res) == (analytics_table, "Arn") for res in as_list(s.get("Resource")))
            for s in role_statements(resources, r) or []
        )
        if not ok:
            error(f"{logical}: its role cannot Query the analytics table ({analytics_table}) for /v1/analytics/*")


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "deploy/template.yaml"
    tpl = yaml.load(path.read_text(), Loader=Loader)
    resources = tpl["Resources"]
    params = tpl["Parameters"]
    want, support = rust_tables()
    prefix_default = params["NamePrefix"]["Default"]
    want = {prefix_default + name: spec for name, spec in want.items()}
    if prefix_default != support.get("DEFAULT_PREFIX"):
        error(f"NamePrefix default {prefix_default!r} != DEFAULT_PREFIX {support.get('DEFAULT_PREFIX')!r}")

    # tables
    have = {}
    arns = {}
    for logical, r in resources.items():
        if r.get("Type") != "AWS::DynamoDB::Table":
            continue
        p = r["Properties"]
        name = sub_text(p.get("TableName"))
        if not name or not name.startswith("${NamePrefix}"):
            error(f"{logical}: TableName must be !Sub \"${{NamePrefix}}<name>\"")
            continue
        short = name[len("${NamePrefix}") :]
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if r.get(policy) != "Retain":
                error(f"{logical}: {policy} must be Retain (tables hold data)")
        if p.get("BillingMode") != "PAY_PER_REQUEST":
            error(f"{logical}: BillingMode must be PAY_PER_REQUEST")
        if not (p.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"):
            error(f"{logical}: point-in-time recovery must be enabled")
        keys = [(k["AttributeName"], k["KeyType"]) for k in p["KeySchema"]]
        if keys != [(support["PK"], "HASH"), (support["SK"], "RANGE")]:
            error(f"{logical}: key schema {keys} != pk HASH, sk RANGE")
        idx = {}
        for g in p.get("GlobalSecondaryIndexes", []):
            ks = {k["KeyType"]: k["AttributeName"] for k in g["KeySchema"]}
            proj = g["Projection"]
            idx[g["IndexName"]] = {
                "hash": ks.get("HASH"),
                "range": ks.get("RANGE"),
                "projection": proj["ProjectionType"],
                "attrs": sorted(proj.get("NonKeyAttributes", [])),
            }
        defined = {a["AttributeName"] for a in p["AttributeDefinitions"]}
        used = {support["PK"], support["SK"]} | {v for i in idx.values() for v in (i["hash"], i["range"])}
        if defined != used:
            error(f"{logical}: AttributeDefinitions {sorted(defined)} != key attributes {sorted(used)}")
        ttl = p.get("TimeToLiveSpecification")
        have[prefix_default + short] = {
            "indexes": idx,
            "ttl": ttl["AttributeName"] if ttl and ttl.get("Enabled") else None,
            "logical": logical,
        }
        arns[logical] = set(idx)

    for name, spec in want.items():
        got = have.get(name)
        if got is None:
            error(f"table {name} ({spec['source']}) is not in the template")
            continue
        where = f"table {name} ({got['logical']} vs {spec['source']})"
        if got["indexes"] != spec["indexes"]:
            error(f"{where}: indexes differ:\n    template: {got['indexes']}\n    code:     {spec['indexes']}")
        if got["ttl"] != spec["ttl"]:
            error(f"{where}: TTL attribute {got['ttl']!r} in the template, {spec['ttl']!r} in the code")
    for name in have:
        if name not in want:
            error(f"table {name} is in the template but no backend declares it")
    check_analytics(resources, have, prefix_default)

    # queues
    sqs = consts(SQS)
    queues = {}
    for logical, r in resources.items():
        if r.get("Type") == "AWS::SQS::Queue":
            queues[sub_text(r["Properties"].get("QueueName"))] = (logical, r)
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                if r.get(policy) != "Retain":
                    error(f"{logical}: {policy} must be Retain (queues hold jobs)")
    for const in ("DELIVERY_QUEUE", "DEAD_LETTER_QUEUE"):
        if "${NamePrefix}" + sqs.get(const, "?") not in queues:
            error(f"queue <prefix>{sqs.get(const)} ({const} in {SQS.relative_to(ROOT)}) is not in the template")
    delivery = queues.get("${NamePrefix}" + sqs.get("DELIVERY_QUEUE", "?"))
    if delivery:
        redrive = delivery[1]["Properties"].get("RedrivePolicy", {})
        if redrive.get("maxReceiveCount") != {"Ref": "MaxReceiveCount"}:
            error("the delivery queue's redrive maxReceiveCount must be the MaxReceiveCount parameter")
        if not redrive.get("deadLetterTargetArn"):
            error("the delivery queue has no dead-letter target")
    if params["MaxReceiveCount"]["Default"] != sqs.get("DEFAULT_MAX_RECEIVE_COUNT"):
        error(f"MaxReceiveCount default {params['MaxReceiveCount']['Default']} != DEFAULT_MAX_RECEIVE_COUNT {sqs.get('DEFAULT_MAX_RECEIVE_COUNT')}")
    if params["MessageRetentionSeconds"]["Default"] != sqs.get("RETENTION_SECS"):
        error(f"MessageRetentionSeconds default != RETENTION_SECS {sqs.get('RETENTION_SECS')}")

    # visibility timeout = 6 x worker timeout, for every allowed value
    mapping = tpl["Mappings"]["WorkerTimeouts"]
    for t in params["WorkerTimeoutSeconds"]["AllowedValues"]:
        v = mapping.get(str(t), {}).get("QueueVisibilityTimeout")
        if v != 6 * int(t):
            error(f"WorkerTimeouts[{t}].QueueVisibilityTimeout is {v}, not 6 x {t}")

    # index ARNs in policies name real indexes
    text = path.read_text()
    for logical, index in re.findall(r"\$\{(\w+)\.Arn\}/index/([\w*-]+)", text):
        if logical not in arns:
            error(f"a policy names an index of {logical}, which is not a table")
        elif index != "*" and index not in arns[logical]:
            error(f"a policy names index {index} of {logical}, which has {sorted(arns[logical])}")

    # every TRIGGERS_* variable the template sets is one the service reads
    config_rs = ROOT / "triggers-service/src/config.rs"
    known = set(re.findall(r'env\s*=\s*"(TRIGGERS_\w+)"', config_rs.read_text()))
    if not known:
        error(f"no `env = \"TRIGGERS_…\"` found in {config_rs.relative_to(ROOT)} (update deploy/check_schema.py)")
    # ... or one a Lambda function reads itself (`pub const X: &str =
    # "TRIGGERS_…";` in triggers-service/src/lambda/, e.g. the sweeper's
    # grace period).
    for rs in sorted((ROOT / "triggers-service/src/lambda").glob("*.rs")):
        known |= set(re.findall(r'const\s+\w+\s*:\s*&str\s*=\s*"(TRIGGERS_\w+)"', rs.read_text()))
    env_vars = set()
    env_vars.update(tpl.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    for r in resources.values():
        if r.get("Type") == "AWS::Serverless::Function":
            env_vars.update(r["Properties"].get("Environment", {}).get("Variables", {}))
    for name in sorted(v for v in env_vars if v.startswith("TRIGGERS_")):
        if known and name not in known:
            error(f"the functions get {name}, which neither {config_rs.relative_to(ROOT)} nor triggers-service/src/lambda/ reads")

    if errors:
        for e in errors:
            print(f"schema: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"schema: template matches the backends ({len(want)} tables, {len(queues)} queues, the analytics consumer, "
          f"{len([v for v in env_vars if v.startswith('TRIGGERS_')])} TRIGGERS_* variables)", file=sys.stderr)


if __name__ == "__main__":
    main()
