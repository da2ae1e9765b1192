#!/usr/bin/env python3
"""Compare two corpus result files (JSON Lines from `mlguard scan --repos --format json`).

    scripts/corpus-diff.py BEFORE.jsonl AFTER.jsonl

A finding is keyed by (repo, rule, file, line). Prints the findings that disappeared and those
that appeared, then the count per rule before and after.
"""
import collections
import json
import sys


def load(path):
    found = {}
    for line in open(path, encoding="utf-8"):
        doc = json.loads(line)
        if doc.get("kind") == "total":
            continue
        for f in doc.get("findings", []):
            key = (doc["repo"], f["rule"], f["file"], f["line"])
            found[key] = f.get("message", "")
    return found


def show(title, keys, found):
    print(f"== {title}: {len(keys)}")
    for repo, rule, file, line in sorted(keys):
        print(f"{rule}  {repo}  {file}:{line}  {found[(repo, rule, file, line)][:120]}")
    print()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    before, after = load(sys.argv[1]), load(sys.argv[2])
    show("disappeared", before.keys() - after.keys(), before)
    show("appeared", after.keys() - before.keys(), after)
    count_b = collections.Counter(k[1] for k in before)
    count_a = collections.Counter(k[1] for k in after)
    print(f"{'rule':8} {'before':>7} {'after':>7}")
    for rule in sorted(count_b.keys() | count_a.keys()):
        print(f"{rule:8} {count_b[rule]:7} {count_a[rule]:7}")


if __name__ == "__main__":
    main()
