#!/usr/bin/env python3
"""The HTML report in a real browser: headless Chromium from the system packages, driven through
Selenium and the system chromedriver (no browser is downloaded).

For the example platforms (fixtures/examples/) it checks that the page loads with no console
error and no network request, that the graph has the nodes and edges `mlguard access --format
json` lists, that clicking an edge shows its statement and findings, that clicking a node shows
it, that filters, search and collapsing hide what they should; and that a report of a tree with
crafted names runs no injected markup. Optionally it writes screenshots (--screenshots DIR) and
measures a large estate's report (--estate DIR).

    scripts/browser-test.py --bin target/debug/mlguard [--screenshots docs] [--estate /tmp/tree]

Exit 0 when every check passes, 1 on a failure, 77 when no browser is available (CI skips).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = 77

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    print("browser test skipped: python selenium is not installed (apt-get install python3-selenium)")
    sys.exit(SKIP)

FAILURES = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def find_browser():
    chrome = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    driver = shutil.which("chromedriver") or ("/usr/lib/chromium/chromedriver" if os.path.exists("/usr/lib/chromium/chromedriver") else None)
    return chrome, driver


def browser(chrome, driver, width=1400, height=1000):
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)


def mlguard(binary, *args):
    out = subprocess.run([binary, *args], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise SystemExit(f"mlguard {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout


def report(binary, tree, out_dir, name):
    path = Path(out_dir) / f"{name}.html"
    mlguard(binary, "scan", str(tree), "--format", "html", "--output", str(path), "--no-progress")
    return path


def load(d, path, timeout=60):
    """Open the report; return (console errors, network requests other than the file itself)."""
    d.get_log("browser")
    d.get_log("performance")
    url = path.resolve().as_uri()
    d.get(url)
    WebDriverWait(d, timeout).until(lambda x: x.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    errors = [e for e in d.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
    requests = []
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            u = msg["params"]["request"]["url"]
            if u != url:
                requests.append(u)
    requests += d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return errors, requests


def visible_edges(d):
    return d.execute_script(
        "return Array.from(document.querySelectorAll('#edges .edge:not(.hidden)'))"
        ".map(e => window.mlguardReport.linkTitle(Number(e.id.slice(1))))")


def visible_nodes(d, side):
    return d.execute_script(
        f"return Array.from(document.querySelectorAll('#{side} .node:not(.hidden)'))"
        ".map(e => e.querySelector('title').textContent)")


def click(d, element):
    ActionChains(d).move_to_element(element).click().perform()


def click_line(d, path, along=0.9):
    """Click a drawn line where it is, near its target end (lines cross in the middle)."""
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", path)
    dx, dy = d.execute_script("""
        const p = arguments[0], len = p.getTotalLength();
        const pt = p.getPointAtLength(len * arguments[1]);
        const m = p.getScreenCTM(), r = p.getBoundingClientRect();
        const x = m.a * pt.x + m.c * pt.y + m.e, y = m.b * pt.x + m.d * pt.y + m.f;
        return [x - (r.left + r.width / 2), y - (r.top + r.height / 2)];""", path, along)
    ActionChains(d).move_to_element_with_offset(path, int(dx), int(dy)).click().perform()


def expected_graph(binary, tree):
    """(principal, datastore, class) triples and datastore addresses from `mlguard access`."""
    doc = json.loads(mlguard(binary, "access", str(tree), "--format", "json"))
    edges, stores = set(), set()
    for s in doc["datastores"]:
        stores.add(s["address"])
        for cls, rows in s["access"].items():
            for r in rows:
                edges.add((r["principal"], s["address"], cls))
    return edges, stores


def graph_edges(d):
    """(principal, target, class) of every line drawn, one line per pair listing its classes."""
    out = set()
    for t in d.execute_script("return Array.from(document.querySelectorAll('#edges .edge')).map(e => window.mlguardReport.linkTitle(Number(e.id.slice(1))))"):
        pair, classes = t.split(": ", 1)
        a, b = pair.split(" → ", 1)
        for cls in classes.split(", "):
            out.add((a, b, cls))
    return out


def select(d, element_id, value):
    Select(d.find_element(By.ID, element_id)).select_by_value(value)


def test_platform(d, binary, out_dir):
    tree = ROOT / "fixtures/examples/ml-platform"
    path = report(binary, tree, out_dir, "ml-platform")
    errors, requests = load(d, path)
    check(not errors, f"ml-platform: no console error ({errors})")
    check(not requests, f"ml-platform: no network request ({requests})")
    want_edges, want_stores = expected_graph(binary, tree)
    got = graph_edges(d)
    data_edges = {e for e in got if not e[2].endswith("-model")}
    check(data_edges == want_edges, f"ml-platform: the graph's data edges are `mlguard access`'s ({len(data_edges)} of {len(want_edges)}; missing {want_edges - data_edges}, extra {data_edges - want_edges})")
    stores = set(d.execute_script("return JSON.parse(document.getElementById('data').textContent).nodes.filter(n => n[5]).map(n => n[2])"))
    check(stores == want_stores, f"ml-platform: the graph's datastores are `mlguard access`'s ({len(stores)})")
    check(("aws_iam_role.deploy", "model endpoints", "deploy-model") in got,
          "ml-platform: the promotion role's deploy right reaches the unit's endpoints")
    check(set(visible_nodes(d, "left")) == {"aws_iam_role.etl", "aws_iam_role.trainer", "aws_iam_role.serving", "aws_iam_role.monitor", "aws_iam_role.deploy"},
          "ml-platform: the five principals with access are drawn")


def test_violations(d, binary, out_dir, shots):
    tree = ROOT / "fixtures/examples/ml-platform-violations"
    path = report(binary, tree, out_dir, "ml-platform-violations")
    errors, requests = load(d, path)
    check(not errors, f"violations: no console error ({errors})")
    check(not requests, f"violations: no network request ({requests})")
    expected = json.loads(mlguard(binary, "scan", str(tree), "--format", "json"))
    shown = d.execute_script("return document.querySelectorAll('#findings .finding').length")
    check(shown == len(expected["findings"]), f"violations: every finding is listed ({shown} of {len(expected['findings'])})")
    check(d.find_element(By.ID, "count-critical").text == str(expected["summary"]["by_severity"]["critical"]),
          "violations: the summary counts critical findings")
    want_edges, _ = expected_graph(binary, tree)
    got = {e for e in graph_edges(d) if not e[2].endswith("-model")}
    check(got == want_edges, f"violations: the graph's data edges are `mlguard access`'s ({len(got)})")

    # clicking an edge shows the statement behind it and the findings resting on it
    edge = d.execute_script("return Array.from(document.querySelectorAll('#edges .edge')).find(e => window.mlguardReport.linkTitle(Number(e.id.slice(1))) === 'aws_iam_role.trainer → aws_s3_bucket.raw: read, write, list, admin, manage-permissions, tagging')")
    check(edge is not None and "s-finding" in edge.get_attribute("class"), "violations: trainer → raw is drawn as an edge a finding rests on")
    click_line(d, edge)
    title = d.find_element(By.CSS_SELECTOR, "#details h3").text
    check(title == "aws_iam_role.trainer → aws_s3_bucket.raw", f"violations: clicking the edge shows it ({title!r})")
    panel = d.find_element(By.ID, "details").text
    check("main.tf:155" in panel and '"s3:*"' in panel, "violations: the edge's statement (main.tf:155) and its source are shown")
    check("DT002" in panel and "DT005" in panel, "violations: the findings resting on the edge (DT002, DT005) are listed")
    if shots:
        d.execute_script("document.getElementById('access').scrollIntoView()")
        d.find_element(By.ID, "access").screenshot(str(Path(shots) / "report-graph.png"))

    # clicking a node
    node = d.execute_script("return Array.from(document.querySelectorAll('.node')).find(e => e.querySelector('title').textContent === 'aws_iam_role.serving')")
    click(d, node)
    panel = d.find_element(By.ID, "details").text
    check(d.find_element(By.CSS_SELECTOR, "#details h3").text == "aws_iam_role.serving" and "DT003" in panel,
          "violations: clicking a principal shows it and its findings")

    # a tier filter hides other tiers' datastores and the principals that do not reach the tier
    select(d, "f-tier", "raw")
    right = visible_nodes(d, "right")
    left = set(visible_nodes(d, "left"))
    check(right == ["aws_s3_bucket.raw"], f"violations: tier raw shows only the raw datastore ({right})")
    check(left == {"aws_iam_role.trainer", "aws_iam_role.etl"}, f"violations: tier raw shows only the principals reaching it ({left})")
    check(all(e.split(" → ")[1].startswith("aws_s3_bucket.raw:") for e in visible_edges(d)), "violations: tier raw shows only edges into it")
    select(d, "f-tier", "")

    # a rule filter keeps the edges its findings rest on and the findings of that rule
    select(d, "f-rule", "DT003")
    edges = visible_edges(d)
    check(edges == ["aws_iam_role.serving → aws_s3_bucket.features: read, list"], f"violations: rule DT003 shows its one edge ({edges})")
    listed = d.execute_script("return Array.from(document.querySelectorAll('#findings .finding:not(.hidden)')).map(f => f.dataset.rule)")
    check(listed == ["DT003"], f"violations: rule DT003 lists only its finding ({listed})")
    select(d, "f-rule", "")

    # search narrows to matching nodes and their neighbours
    box = d.find_element(By.ID, "f-search")
    box.send_keys("notebook")
    time.sleep(0.4)
    left = set(visible_nodes(d, "left"))
    check(left == {"aws_iam_role.notebook"}, f"violations: searching `notebook` leaves that principal ({left})")
    box.clear()
    box.send_keys(" ")
    time.sleep(0.4)

    # collapsing a group hides its nodes but keeps its edges, folded onto the title
    group = d.execute_script("return Array.from(document.querySelectorAll('#left .group')).find(g => g.querySelector('title').textContent.endsWith('no workload'))")
    before = len(visible_edges(d))
    click(d, group)
    left = visible_nodes(d, "left")
    check("aws_iam_role.analyst" not in left and "aws_iam_role.trainer" in left, "violations: collapsing `no workload` hides its principals")
    check(0 < len(visible_edges(d)) < before, "violations: a collapsed group's edges are folded together")
    click(d, group)
    check("aws_iam_role.analyst" in visible_nodes(d, "left"), "violations: expanding it shows them again")

    if shots:
        d.set_window_size(1100, 760)
        d.execute_script("document.getElementById('findings').scrollIntoView()")
        d.save_screenshot(str(Path(shots) / "report-findings.png"))
        d.set_window_size(1400, 1000)


# names that would break out of a text node, an attribute, the data script or the page
CRAFTED = '</script><img src=x onerror="window.__pwned=1">"\'&<!--\u2028'


def hcl(s):
    return "".join({'"': '\\"', "\\": "\\\\", "$": "$$"}.get(c, c) if not (ord(c) < 32) else "\\u%04x" % ord(c) for c in s)


def test_crafted(d, binary, out_dir):
    tree = Path(out_dir) / "crafted"
    tree.mkdir()
    evil = hcl(CRAFTED)
    (tree / "main.tf").write_text(f'''
resource "aws_s3_bucket" "raw" {{
  bucket = "acme-raw-{evil}"
  tags   = {{ "data-tier" = "raw" }}
}}
resource "aws_iam_role" "trainer" {{
  name               = "trainer-{evil}"
  assume_role_policy = "{{}}"
  tags               = {{ "mlguard:workload" = "training" }}
}}
resource "aws_iam_role_policy" "trainer" {{
  name   = "read-{evil}"
  role   = aws_iam_role.trainer.id
  policy = jsonencode({{
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "${{aws_s3_bucket.raw.arn}}/*" }}]
  }})
}}
''')
    path = report(binary, tree, out_dir, "crafted")
    errors, requests = load(d, path)
    check(not errors, f"crafted: no console error ({errors})")
    check(not requests, f"crafted: no network request ({requests})")
    check(d.execute_script("return window.__pwned === undefined"), "crafted: no injected handler ran")
    check(d.execute_script("return document.querySelectorAll('img').length") == 0, "crafted: no injected element")
    edge = d.find_element(By.CSS_SELECTOR, "#edges .edge")
    click_line(d, edge)
    panel = d.find_element(By.ID, "details").text
    check("read-</script><img" in panel, "crafted: the policy name is shown as text")
    check(d.execute_script("return window.__pwned === undefined && document.querySelectorAll('img').length === 0"),
          "crafted: the details panel injects nothing")


def test_empty(d, binary, out_dir):
    tree = Path(out_dir) / "empty"
    tree.mkdir()
    (tree / "main.tf").write_text('variable "x" {}\n')
    errors, requests = load(d, report(binary, tree, out_dir, "empty"))
    check(not errors and not requests, f"empty: a tree with nothing to draw loads cleanly ({errors}, {requests})")


def test_folded(d, binary, out_dir):
    """Past 300 nodes the page starts folded by unit and the script makes what unfolds."""
    tree = Path(out_dir) / "folded"
    tree.mkdir()
    (tree / "main.tf").write_text('''
resource "aws_s3_bucket" "lake" {
  count  = 320
  bucket = "acme-raw-${count.index}"
  tags   = { "data-tier" = "raw" }
}
resource "aws_iam_role" "trainer" {
  name               = "trainer"
  assume_role_policy = "{}"
  tags               = { "mlguard:workload" = "training" }
}
resource "aws_iam_role_policy" "trainer" {
  role   = aws_iam_role.trainer.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::acme-raw-*/*" }] })
}
''')
    errors, requests = load(d, report(binary, tree, out_dir, "folded"))
    check(not errors and not requests, f"folded: loads cleanly ({errors}, {requests})")
    check(visible_nodes(d, "right") == [] and len(visible_edges(d)) == 1,
          f"folded: every unit starts folded, its 320 lines drawn as one ({len(visible_edges(d))})")
    click(d, d.find_element(By.ID, "ur0"))
    check(len(visible_nodes(d, "right")) == 320 and len(visible_edges(d)) == 320,
          f"folded: unfolding the unit draws its datastores and lines ({len(visible_nodes(d, 'right'))})")


def test_estate(d, binary, out_dir, estate):
    # a tree, or a report of one already written
    path = Path(estate) if estate.endswith(".html") else report(binary, estate, out_dir, "estate")
    size = path.stat().st_size
    t0 = time.monotonic()
    errors, requests = load(d, path, timeout=300)
    wall = time.monotonic() - t0
    init = float(d.find_element(By.TAG_NAME, "body").get_attribute("data-init-ms"))
    nav = d.execute_script("const t = performance.getEntriesByType('navigation')[0]; return [t.domContentLoadedEventEnd, t.loadEventEnd]")
    counts = d.execute_script("const D = JSON.parse(document.getElementById('data').textContent); return [D.nodes.length, D.edges.length, D.findings.length, D.snippets.length]")
    lines = d.execute_script("return document.querySelectorAll('#edges path:not(.hidden)').length")
    # time in the page: a unit unfolded, a tier filter, a search
    unfold = d.execute_script(
        "const t = performance.now(); document.querySelector('#left .unit').dispatchEvent(new MouseEvent('click', {bubbles: true}));"
        "return performance.now() - t")
    tier = d.execute_script(
        "const t = performance.now(); const s = document.getElementById('f-tier'); s.value = s.options[1] ? s.options[1].value : '';"
        "s.dispatchEvent(new Event('change')); return performance.now() - t")
    shown = d.execute_script("return document.querySelectorAll('#edges path:not(.hidden)').length")
    print(f"estate: {size / 1e6:.2f} MB, {counts[0]} nodes, {counts[1]} edges, {counts[2]} findings, {counts[3]} snippets; "
          f"{lines} lines drawn at first; DOMContentLoaded {nav[0]:.0f} ms, load {nav[1]:.0f} ms, script {init:.0f} ms, "
          f"open (wall, incl. driver) {wall:.2f} s; unfold a unit {unfold:.0f} ms, tier filter {tier:.0f} ms ({shown} lines shown)")
    opened = d.execute_script(
        "const t = performance.now(); const r = document.querySelector('#findings details'); r.open = true;"
        "return new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => ok([performance.now() - t, r.querySelectorAll('pre.snippet:not(:empty)').length]))))")
    print(f"estate: opening the first rule's findings {opened[0]:.0f} ms to the next frame ({opened[1]} snippets filled)")
    check(opened[1] > 0, "estate: opening a rule fills its findings' snippets")
    check(size < 10_000_000, f"estate: the report is under 10 MB ({size} bytes)")
    check(not errors, f"estate: no console error ({errors[:3]})")
    check(not requests, "estate: no network request")
    check(nav[1] < 3000, f"estate: loads in under 3 s ({nav[1]:.0f} ms)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/debug/mlguard"))
    ap.add_argument("--screenshots", help="write PNG screenshots of the example report here")
    ap.add_argument("--estate", help="also measure the report of this (large) tree, or this report (.html)")
    args = ap.parse_args()
    chrome, driver = find_browser()
    if not chrome or not driver:
        print("browser test skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
        return SKIP
    binary = str(Path(args.bin).resolve())
    with tempfile.TemporaryDirectory() as out_dir:
        d = browser(chrome, driver)
        try:
            test_platform(d, binary, out_dir)
            test_violations(d, binary, out_dir, args.screenshots)
            test_crafted(d, binary, out_dir)
            test_empty(d, binary, out_dir)
            test_folded(d, binary, out_dir)
            if args.estate:
                test_estate(d, binary, out_dir, args.estate)
        finally:
            d.quit()
    if FAILURES:
        print(f"{len(FAILURES)} browser check(s) failed")
        return 1
    print("browser test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
