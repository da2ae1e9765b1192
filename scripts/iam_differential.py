#!/usr/bin/env python3
"""Differential check of mlguard's IAM statement evaluation against an independent reference.

The reference below evaluates concrete requests the way IAM does (explicit Deny wins, then any
Allow; Action/NotAction, Resource/NotResource, `*` and `?` globs, case-insensitive actions),
written request-by-request instead of over datastores and action classes as mlguard is. For each
random policy it asks both which (bucket, S3 action) pairs a role can perform on some resource of
the bucket, and reports agreement.

usage: python3 scripts/iam_differential.py [--policies N] [--seed S] [--mlguard PATH] [--data DIR]
Not run by CI: it needs a release build (`cargo build --release`).
"""
import argparse, csv, json, os, random, re, subprocess, sys, tempfile

BUCKETS = ["acme-raw", "acme-curated", "acme-features"]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:Get*", "s3:*Object", "s3:*", "*",
           "S3:getobject", "s3:DeleteObject*", "s3:GetBucketPolicy", "s3:Put*", "s3:?etObject"]
RESOURCES = ["*", "arn:aws:s3:::*", "arn:aws:s3:::acme-raw", "arn:aws:s3:::acme-raw/*",
             "arn:aws:s3:::acme-*/*", "arn:aws:s3:::acme-curated/*", "arn:aws:s3:::acme-raw/private/*",
             "arn:aws:s3:::acme-feat*", "arn:aws:s3:::acme-features/*", "arn:aws:s3:::acme-?aw/*",
             "arn:aws:s3:::other/*"]


def glob(pattern, text, ci=False):
    if ci:
        pattern, text = pattern.lower(), text.lower()
    rx = "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + "$"
    return re.match(rx, text, re.S) is not None


def load_actions(data):
    out = {}
    with open(os.path.join(data, "actions.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["service"] == "s3":
                types = {t.rstrip("*") for t in row["resource_types"].split(",") if t}
                out["s3:" + row["action"]] = types
    return out


def statement_matches(st, action, resource):
    acts = st.get("Action", st.get("NotAction"))
    acts = [acts] if isinstance(acts, str) else acts
    hit = any(glob(a, action, ci=True) for a in acts)
    if "NotAction" in st:
        hit = not hit
    if not hit:
        return False
    res = st.get("Resource", st.get("NotResource"))
    res = [res] if isinstance(res, str) else res
    hit = any(glob(r, resource) for r in res)
    return not hit if "NotResource" in st else hit


def allowed(doc, action, resource):
    sts = doc["Statement"]
    if any(s["Effect"] == "Deny" and statement_matches(s, action, resource) for s in sts):
        return False
    return any(s["Effect"] == "Allow" and statement_matches(s, action, resource) for s in sts)


def sample_keys(doc):
    keys = {"a", "data/part-0.csv", "private/x", "zz/top"}
    for s in doc["Statement"]:
        res = s.get("Resource", s.get("NotResource"))
        for r in [res] if isinstance(res, str) else res:
            if "/" in r:
                lit = re.split(r"[*?]", r.split("/", 1)[1])[0]
                keys.update({lit + "k", lit})
    return keys


def reference(doc, actions):
    out = set()
    keys = sample_keys(doc)
    for action, types in actions.items():
        for b in BUCKETS:
            candidates = []
            if "bucket" in types:
                candidates.append(f"arn:aws:s3:::{b}")
            if "object" in types:
                candidates += [f"arn:aws:s3:::{b}/{k}" for k in keys]
            if any(allowed(doc, action, r) for r in candidates):
                out.add((b, action))
    return out


def random_doc(rng):
    statements = []
    for _ in range(rng.randint(1, 3)):
        st = {"Effect": "Allow" if rng.random() < 0.7 else "Deny"}
        acts = rng.sample(ACTIONS, rng.randint(1, 2))
        st["NotAction" if rng.random() < 0.15 else "Action"] = acts
        res = rng.sample(RESOURCES, rng.randint(1, 2))
        st["NotResource" if rng.random() < 0.15 else "Resource"] = res
        statements.append(st)
    if not any(s["Effect"] == "Allow" for s in statements):
        statements[0]["Effect"] = "Allow"
    return {"Version": "2012-10-17", "Statement": statements}


def mlguard(binary, doc, tmp):
    tf = "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "{b}"\n}}\n' for i, b in enumerate(BUCKETS))
    tf += 'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n'
    tf += 'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n  policy = <<EOT\n'
    tf += json.dumps(doc, indent=2) + "\nEOT\n}\n"
    with open(os.path.join(tmp, "main.tf"), "w") as f:
        f.write(tf)
    out = subprocess.run([binary, "access", tmp, "--format", "json"], capture_output=True, text=True, check=True)
    got = set()
    for d in json.loads(out.stdout)["datastores"]:
        for rows in d["access"].values():
            for r in rows:
                for a in r["actions"]:
                    if a.startswith("s3:"):
                        got.add((d["name"], a))
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--policies", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--mlguard", default="target/release/mlguard")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "iam"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    actions = load_actions(args.data)
    # mlguard reports the actions that matter to a control; compare on those
    classified = set()
    agree = pairs = 0
    disagreements = []
    with tempfile.TemporaryDirectory() as tmp:
        probe = mlguard(args.mlguard, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, tmp)
        classified = {a for _, a in probe}
        actions = {a: t for a, t in actions.items() if a in classified}
        for i in range(args.policies):
            doc = random_doc(rng)
            want = reference(doc, actions)
            got = mlguard(args.mlguard, doc, tmp)
            universe = {(b, a) for b in BUCKETS for a in actions}
            for pair in universe:
                pairs += 1
                if (pair in want) == (pair in got):
                    agree += 1
            if want != got:
                disagreements.append((doc, sorted(want - got)[:4], sorted(got - want)[:4]))
    print(f"policies: {args.policies}, (bucket, action) decisions: {pairs}, agreement: {agree / pairs:.4%}")
    print(f"policies with any disagreement: {len(disagreements)}")
    for doc, missing, extra in disagreements[:5]:
        print(json.dumps(doc["Statement"]))
        print("  reference only:", missing)
        print("  mlguard only:  ", extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
