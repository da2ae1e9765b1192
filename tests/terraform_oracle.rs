//! Differential tests against real Terraform. Each test skips itself (prints a note and passes)
//! when `terraform` or the offline AWS provider mirror is absent, so CI passes without them.
//!
//! (a) expressions and functions: generated cases are evaluated by `terraform console` (batched
//!     into one `jsonencode({...})` per run) and by mlguard (each case an output of a root
//!     module), then compared as JSON;
//! (b) plans: `tf-plan-json` renders every `fixtures/scenarios/eval-*` fixture, and the policy
//!     documents, bucket names, tags and instance addresses Terraform planned must equal mlguard's.

use mlguard::terraform::{evaluate_dir, value::Value as TfValue};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn have_terraform() -> bool {
    Command::new("terraform")
        .arg("version")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .is_ok_and(|o| o.status.success())
}

// ---- (a) expressions -------------------------------------------------------------------------

const STRINGS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"Hello World\"",
    "\"a-b_c.d\"",
    "\"  spaced \\n\"",
    "\"ümlaut straße\"",
    "\"x,y,,z\"",
    "\"ml-trainer-raw\"",
];
const NUMBERS: &[&str] = &["0", "1", "-3", "2.5", "10", "1e3", "-0.5"];
const LISTS: &[&str] = &[
    "[]",
    "[\"a\"]",
    "[\"b\", \"a\", \"b\"]",
    "[\"x\", \"\", \"y\"]",
    "[1, 2, 3]",
];
const MAPS: &[&str] = &[
    "{}",
    "{ a = 1 }",
    "{ b = \"x\", a = \"y\" }",
    "{ k = [1, 2] }",
];

/// A few hundred expressions: every function template over every fitting input, plus operators,
/// templates, for expressions and splats.
fn cases() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let on_strings = [
        "upper(S)",
        "lower(S)",
        "title(S)",
        "trimspace(S)",
        "length(S)",
        "strrev(S)",
        "substr(S, 1, 3)",
        "replace(S, \"a\", \"X\")",
        "replace(S, \"/[a-c]+/\", \"_\")",
        "split(\",\", S)",
        "format(\"%s|%5s|%-4s|%q\", S, S, \"x\", S)",
        "startswith(S, \"a\")",
        "endswith(S, \"d\")",
        "strcontains(S, \"-\")",
        "trimprefix(S, \"a\")",
        "trimsuffix(S, \"d\")",
        "trim(S, \" a\")",
        "chomp(S)",
        "indent(2, \"x\\n${S}\")",
        "base64encode(S)",
        "base64decode(base64encode(S))",
        "urlencode(S)",
        "md5(S)",
        "sha1(S)",
        "sha256(S)",
        "jsonencode(S)",
        "jsondecode(jsonencode(S))",
        "regexall(\"[a-z]\", S)",
        "can(regex(\"^a\", S))",
        "tonumber(S)",
        "try(tonumber(S), -1)",
        "\"pre-${S}-post\"",
        "\"%{ if S == \"a\" }yes%{ else }no%{ endif }\"",
        "coalesce(S, \"fallback\")",
        "S == \"a\" ? 1 : 2",
        "[S][*]",
        "upper(S)[0]",
        "split(\"\", S)",
        "length(split(\"-\", S))",
        "join(\"+\", [S, S])",
        "formatlist(\"<%s>\", [S, \"b\"])",
        "lower(S) != S",
    ];
    for t in on_strings {
        for s in STRINGS {
            out.push(t.replace('S', s));
        }
    }
    let on_numbers = [
        "abs(N)",
        "ceil(N)",
        "floor(N)",
        "signum(N)",
        "max(N, 2, -1)",
        "min(N, 2, -1)",
        "pow(N, 2)",
        "N + 1",
        "N * 3",
        "N / 4",
        "N % 3",
        "-N",
        "N > 1",
        "N <= 0",
        "tostring(N)",
        "format(\"%d\", N)",
        "format(\"%.2f\", N)",
        "format(\"%g\", N)",
        "format(\"%05.1f\", N)",
        "jsonencode(N)",
        "\"${N}\"",
        "range(N)",
        "N == 1 && true",
    ];
    for t in on_numbers {
        for n in NUMBERS {
            // `-0` is the one place Terraform keeps a negative zero; nothing depends on it
            if t != "-N" || *n != "0" {
                out.push(t.replace('N', n));
            }
        }
    }
    let on_lists = [
        "length(L)",
        "reverse(L)",
        "distinct(L)",
        "sort(L)",
        "concat(L, [\"z\"])",
        "contains(L, \"a\")",
        "index(L, \"a\")",
        "element(L, 4)",
        "slice(L, 0, 1)",
        "compact(L)",
        "toset(L)",
        "tolist(toset(L))",
        "flatten([L, [L]])",
        "chunklist(L, 2)",
        "join(\",\", L)",
        "coalescelist(L, [\"d\"])",
        "one(L)",
        "sum(L)",
        "setunion(L, [\"q\"])",
        "setintersection(L, [\"a\", \"b\"])",
        "setsubtract(L, [\"a\"])",
        "setproduct(L, [1])",
        "zipmap(L, L)",
        "[for x in L : x]",
        "[for i, x in L : \"${i}=${x}\" if x != \"b\"]",
        "{ for x in L : x => x... }",
        "{ for x in L : tostring(x) => 1 }",
        "L[0]",
        "L[*]",
        "jsonencode(L)",
        "length(L) > 0 ? L[0] : null",
        "formatlist(\"%s!\", L)",
        "\"%{ for x in L ~} ${x} %{~ endfor }\"",
        "\"%{ for i, x in L }${i}:${x};%{ endfor }\"",
        "anytrue([for x in L : x == \"a\"])",
        "alltrue([for x in L : x != \"\"])",
        "matchkeys(L, L, [\"a\"])",
    ];
    for t in on_lists {
        for l in LISTS {
            out.push(t.replace('L', l));
        }
    }
    let on_maps = [
        "keys(M)",
        "values(M)",
        "length(M)",
        "lookup(M, \"a\", \"none\")",
        "merge(M, { c = 3 })",
        "merge({ a = 0 }, M)",
        "contains(keys(M), \"a\")",
        "{ for k, v in M : k => v }",
        "[for k, v in M : k]",
        "tomap(M)",
        "jsonencode(M)",
        "jsondecode(jsonencode(M))",
        "M[\"a\"]",
        "try(M.a, \"missing\")",
        "can(M.b)",
        "transpose({ for k, v in M : k => [\"p\"] })",
        "{ for k, v in M : upper(k) => v if k != \"b\" }",
        "yamlencode(M)",
    ];
    for t in on_maps {
        for m in MAPS {
            out.push(t.replace('M', m));
        }
    }
    out.extend(
        [
            "[{ a = 1 }, { a = 2 }][*].a",
            "{ a = { b = [10, 20] } }.a.b[1]",
            "cidrsubnet(\"10.0.0.0/16\", 8, 2)",
            "cidrhost(\"10.0.0.0/24\", 5)",
            "cidrnetmask(\"10.0.0.0/12\")",
            "cidrsubnets(\"10.1.0.0/16\", 4, 4, 8)",
            "parseint(\"ff\", 16)",
            "parseint(\"-101\", 2)",
            "csvdecode(\"a,b\\n1,2\\n3,4\")",
            "textencodebase64(\"héllo\", \"UTF-8\")",
            "base64sha256(\"x\")",
            "tobool(\"true\")",
            "tolist([1, \"a\"])",
            "setproduct([\"a\", \"b\"], [\"c\", \"d\"])",
            "flatten([[1, [2]], [], [[3]]])",
            "range(1, 10, 3)",
            "range(5, 0, -2)",
            "lookup({ a = \"x\" }, \"b\", null)",
            "coalesce(null, \"\", \"b\")",
            "templatestring(\"x\", {})",
            "startswith(\"arn:aws:s3:::raw\", \"arn:\")",
            "jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = [\"s3:GetObject\"], Resource = \"*\" }] })",
            "jsondecode(\"{\\\"a\\\": [1, true, null]}\")",
            "jsonencode(\"<&>\")",
            "format(\"%v %v %v\", 1, \"a\", true)",
            "format(\"%%%s%%\", \"x\")",
            "format(\"%x %X %o %b %e\", 255, 255, 8, 5, 1234.5)",
            "format(\"%t\", true)",
            "upper(\"${\"a\"}${1 + 1}\")",
            "\"a\\tb\\\"c\\\\\"",
            "\"$${literal}\"",
            "\"%{ if true }a\\tb\\n%{ endif }\"",
            "\"%{ for x in [1, 2] }\\\"${x}\\\"%{ endfor }\"",
            "\"%%{literal}\"",
            "null",
            "true ? \"a\" : null",
            "!(1 > 2) || false",
            "[] == []",
            "{ a = 1 } == { a = 1 }",
            "[1, \"1\"] == [1, 1]",
            "1 == \"1\"",
            "sum([0.1, 0.2])",
            "10 / 3",
            "-7 % 3",
            "7 % -3",
            "pow(2, 0.5)",
            "log(8, 2)",
            "floor(-2.5)",
            "substr(\"hello\", -3, -1)",
            "substr(\"héllo wörld\", 1, 4)",
            "title(\"hello wORLD-foo_bar\")",
            "regex(\"(\\\\d+)-(\\\\w+)\", \"12-ab\")",
            "regex(\"(?P<num>\\\\d+)\", \"x42\")",
            "regexall(\"\\\\d\", \"a1b22\")",
            "replace(\"a.b.c\", \".\", \"/\")",
            "split(\"/\", \"a//b/\")",
            "trimspace(\"\\n\\t x \\r\\n\")",
            "sort([\"b\", \"B\", \"a\", \"10\", \"9\"])",
            "distinct([1, \"1\", 1])",
            "reverse([[1], [2]])",
            "keys({ b = 1, a = 2, c = 3 })",
            "merge({ a = { x = 1 } }, { a = { y = 2 } })",
            "zipmap([\"a\", \"b\"], [[1], [2]])",
            "tomap({ a = 1, b = \"2\" })",
            "tolist(setunion([\"b\"], [\"a\"]))",
            "element([\"a\", \"b\"], -1)",
            "index([\"a\", \"b\"], \"c\")",
            "one([])",
            "[for s in [\"a\", \"b\"] : s if s == \"z\"]",
            "{ for i, v in [\"x\", \"y\"] : v => i }",
            "length(\"👍🏽\")",
            "strrev(\"abc👍\")",
            "formatdate(\"YYYY-MM-DD\", \"2024-02-29T10:00:00Z\")",
            "timeadd(\"2024-01-01T00:00:00Z\", \"1h30m\")",
            "formatdate(\"EEEE, DD-MMM-YY hh:mm:ss ZZZ\", \"2018-01-02T23:12:01Z\")",
            "formatdate(\"EEE, DD MMM YYYY hh:mm:ss ZZZ\", \"2018-01-02T23:12:01-08:00\")",
            "formatdate(\"h:mmaa 'o''clock' Z ZZZZ ZZZZZ\", \"2018-01-02T03:04:05+05:30\")",
            "formatdate(\"MMMM D, YYYY H AA\", \"1999-12-31T12:00:00.123Z\")",
            "formatdate(\"YYY\", \"2018-01-02T23:12:01Z\")",
            "formatdate(\"YYYY\", \"2018-01-02\")",
            "timeadd(\"2017-11-22T00:00:00+01:00\", \"-10m30.5s\")",
            "timeadd(\"2024-02-28T23:59:59Z\", \"24h\")",
            "timeadd(\"2024-01-01T00:00:00Z\", \"1d\")",
            "timecmp(\"2017-11-22T00:00:00Z\", \"2017-11-22T01:00:00+01:00\")",
            "timecmp(\"2017-11-22T00:00:00Z\", \"2017-11-22T00:00:01Z\")",
            "timecmp(\"2017-11-22T00:00:02Z\", \"2017-11-22T00:00:01Z\")",
            "textencodebase64(\"Hello World\", \"UTF-16LE\")",
            "textencodebase64(\"héllo\", \"UTF-16\")",
            "textencodebase64(\"héllo\", \"utf-16be\")",
            "textdecodebase64(\"SABlAGwAbABvACAAVwBvAHIAbABkAA==\", \"UTF-16LE\")",
            "textdecodebase64(textencodebase64(\"añb\", \"UTF-16\"), \"UTF-16\")",
            "textdecodebase64(\"aMOpbGxv\", \"UTF-8\")",
            "filemd5(\"data.txt\")",
            "filesha1(\"data.txt\")",
            "filesha256(\"data.txt\")",
            "filesha512(\"data.txt\")",
            "filebase64sha256(\"data.txt\")",
            "filebase64sha512(\"data.txt\")",
            "filebase64(\"data.txt\")",
            "fileset(\"fs\", \"*\")",
            "fileset(\"fs\", \"**\")",
            "fileset(\"fs\", \"**/*.json\")",
            "fileset(\"fs\", \"p/{a,b}?.*\")",
            "fileset(\"fs\", \"[!.]*\")",
            "fileset(\"fs\", \"[^.]*\")",
            "fileset(\"fs/p\", \"*.json\")",
            "fileset(\"fs\", \"nothing*\")",
            "abs(-0)",
            "max()",
            "nosuchfunction(1)",
            "upper(1)",
            "1 + \"a\"",
            "[1, 2][5]",
            "{ a = 1 }.b",
            "tonumber(\"0x10\")",
            "format(\"%d\", 1.5)",
            "split(\",\", null)",
            "jsondecode(\"{bad\")",
            // YAML: scalars as Terraform's YAML library resolves them, structures, errors
            "yamldecode(\"[yes, on, True, tRUE, Y, off, ~, Null, 010, 0x10, 0o17, 0X10, 1_000, 1e3, +1, .5, 1., -0x10]\")",
            "yamldecode(\"[2001-12-14, '2001-12-14', 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10, 2001-02-30]\")",
            "yamldecode(\"[!!str 1, !!int '12', !!int 1_000, !!float 1, !!null '', !!binary aGk=, !!timestamp 2001-1-2]\")",
            "yamldecode(\"a: 1\\na: 2\\n1: x\\ntrue: y\\n'k': |\\n  l1\\n  l2\\nf: >-\\n  x\\n  y\\n\")",
            "yamldecode(\"base: &b {x: 1, y: 2}\\nd:\\n  <<: *b\\n  z: 3\\ne: *b\")",
            "yamldecode(\"---\\n- a\\n- [b, {c: d}]\\n-\\n...\\n\")",
            "yamldecode(file(\"cfg.yml\"))",
            "yamldecode(\"---\")",
            "yamldecode(\"\")",
            "yamldecode(\"a: 1\\n---\\nb: 2\")",
            "yamldecode(\"~: x\")",
            "yamldecode(\"<<: [{a: 1}]\")",
            "yamldecode(\"a: &x [*x]\")",
            "yamldecode(\"!foo x\")",
            "yamldecode(\".nan\")",
            "yamldecode(\"[1, 2\")",
            "yamlencode({ b = [1, \"two\", true, null], a = { e = \"f\" }, m = [], n = {}, k = \"a\\nb\\n\", l = \"  two\\nlines\", t = \"x\\ty\", d = \"tr \\nx\", e = \"\\n\", g = \"é\\u0001\" })",
            "yamlencode([[\"a\", \"b\"], { k = \"v\", j = [{ x = \"l1\\nl2\" }] }])",
            "yamlencode({ a = \"a very long string that goes on and on and on and on and on and on and on and on and on and on past eighty and then some more\" })",
            "yamlencode(\"x\")",
            "yamlencode(12)",
            "yamlencode(null)",
            "yamldecode(yamlencode({ a = [1, { b = \"x\\ny\" }], c = \"yes\" }))",
            "templatestring(local.tmpl, { name = \"world\" })",
            "templatestring(local.tmpl_for, { items = [\"a\", \"b\"] })",
            "templatestring(local.tmpl, {})",
            "issensitive(\"x\")",
            "ephemeralasnull(\"x\")",
            "base64gzip(\"x\")",
            "try(1 ? \"a\" : \"b\", \"x\")",
            "try(tobool(null) ? \"ON\" : \"OFF\", \"x\")",
            "try(\"true\" ? \"a\" : \"b\", \"x\")",
            "try({ a = 1 }.b, try({ a = 1 }.c, \"inner\"))",
            "try(can({ a = 1 }.b) ? \"yes\" : \"no\", \"x\")",
        ]
        .map(String::from),
    );
    out
}

/// Evaluate many expressions in one `terraform console` run; a batch that fails as a whole (a
/// static error in one case) is split until the failing cases stand alone, which count as errors.
fn terraform_eval(exprs: &[(usize, String)], dir: &Path, out: &mut BTreeMap<usize, Option<Value>>) {
    if exprs.is_empty() {
        return;
    }
    let body: Vec<String> = exprs
        .iter()
        .map(|(i, e)| format!("e{i} = try([{e}], \"ERR\")"))
        .collect();
    let line = format!("jsonencode({{ {} }})\n", body.join(", "));
    let mut child = Command::new("terraform")
        .arg("console")
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("terraform runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(line.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&o.stdout).trim().to_string();
    // the console prints the JSON as an HCL string literal
    let decoded = hcl_string(&printed).and_then(|s| serde_json::from_str::<Value>(&s).ok());
    match decoded {
        Some(Value::Object(map)) if o.status.success() => {
            for (i, _) in exprs {
                let v = map.get(&format!("e{i}")).cloned();
                let v = match v {
                    Some(Value::Array(mut one)) if one.len() == 1 => one.pop(),
                    _ => None, // "ERR"
                };
                out.insert(*i, v);
            }
        }
        _ if exprs.len() == 1 => {
            out.insert(exprs[0].0, None);
        }
        _ => {
            let (a, b) = exprs.split_at(exprs.len() / 2);
            terraform_eval(a, dir, out);
            terraform_eval(b, dir, out);
        }
    }
}

/// The console prints a string quoted with backslash escapes (`${` is left as it is).
fn hcl_string(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[test]
fn expressions_and_functions_agree_with_terraform_console() {
    if !have_terraform() {
        eprintln!("note: terraform is not installed; the console differential test is skipped");
        return;
    }
    let cases = cases();
    let tmp = tempfile::tempdir().unwrap();
    // mlguard: each case is an output of one root module, one file per case so a case that
    // does not parse cannot hide the others
    let root = tmp.path().join("mlguard");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join(".git"), "").unwrap(); // confine file reads here
    const DATA: &str = "héllo\nwörld\n";
    std::fs::write(root.join("data.txt"), DATA).unwrap();
    // the same small tree for `fileset` on both sides
    let tree = |base: &Path| {
        for f in [
            "fs/.hidden",
            "fs/top.json",
            "fs/p/a1.json",
            "fs/p/b2.tpl",
            "fs/p/q/c.json",
        ] {
            let p = base.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
    };
    tree(&root);
    // a YAML file and referenced templates, the same on both sides
    const CFG: &str = "versioning: on\nbuckets:\n  - name: ml-data\n    tier: 010\n";
    const LOCALS: &str = "locals {\n  tmpl     = \"Hello, $${name}!\"\n  tmpl_for = \"%%{ for i in items }[$${i}]%%{ endfor }\"\n}\n";
    std::fs::write(root.join("cfg.yml"), CFG).unwrap();
    std::fs::write(root.join("locals.tf"), LOCALS).unwrap();
    for (i, e) in cases.iter().enumerate() {
        std::fs::write(
            root.join(format!("e{i:04}.tf")),
            format!("output \"e{i:04}\" {{\n  value = {e}\n}}\n"),
        )
        .unwrap();
    }
    let ev = evaluate_dir(&root, &[], &[]);
    let ours: BTreeMap<usize, Option<Value>> = ev
        .evaluated
        .outputs
        .iter()
        .map(|(name, v): &(String, TfValue)| (name[1..].parse().unwrap(), v.to_json()))
        .collect();
    let console = tmp.path().join("console");
    std::fs::create_dir(&console).unwrap();
    std::fs::write(console.join("data.txt"), DATA).unwrap();
    tree(&console);
    std::fs::write(console.join("cfg.yml"), CFG).unwrap();
    std::fs::write(console.join("locals.tf"), LOCALS).unwrap();
    let mut theirs = BTreeMap::new();
    let indexed: Vec<(usize, String)> = cases.iter().cloned().enumerate().collect();
    for chunk in indexed.chunks(60) {
        terraform_eval(chunk, &console, &mut theirs);
    }
    let (mut agree, mut both_error) = (0, 0);
    let mut unknown = Vec::new();
    let mut mismatches = Vec::new();
    for (i, e) in cases.iter().enumerate() {
        let mine = ours.get(&i).cloned().flatten();
        match (theirs.get(&i).cloned().flatten(), mine) {
            (Some(t), Some(m)) if t == m => agree += 1,
            (None, None) => both_error += 1,
            (Some(_), None) => unknown.push(e.as_str()),
            (t, m) => mismatches.push(format!("{e}\n  terraform: {t:?}\n  mlguard:   {m:?}")),
        }
    }
    eprintln!(
        "console oracle: {} expressions; {agree} equal, {both_error} errors in both, {} unknown to mlguard, {} different\nunknown to mlguard: {unknown:?}",
        cases.len(),
        unknown.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} expressions differ from Terraform:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(cases.len() >= 300);
}

// ---- (b) plans ---------------------------------------------------------------------------------

/// `TF_PLAN_JSON` names the tool where the checkout is not beside `shared/` (a git worktree).
fn plan_tool() -> PathBuf {
    std::env::var_os("TF_PLAN_JSON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/tf-plan-json"),
        PathBuf::from,
    )
}

/// `terraform show -json` of a plan of `dir`, or `None` when terraform or the provider mirror
/// is missing (the tool exits 3).
fn plan(dir: &Path, var_file: Option<&Path>) -> Option<Value> {
    let tool = plan_tool();
    if !tool.exists() {
        return None;
    }
    let mut cmd = Command::new(&tool);
    cmd.arg(dir);
    if let Some(f) = var_file {
        cmd.arg(format!("-var-file={}", f.display()));
    }
    let o = cmd.output().ok()?;
    match o.status.code() {
        Some(0) => serde_json::from_slice(&o.stdout).ok(),
        Some(3) => None,
        _ => panic!(
            "tf-plan-json failed on {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

/// Every resource instance of a planned module tree, by address.
fn planned(module: &Value, into: &mut BTreeMap<String, Value>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        into.insert(
            r["address"].as_str().unwrap().to_string(),
            r["values"].clone(),
        );
    }
    for m in module["child_modules"].as_array().into_iter().flatten() {
        planned(m, into);
    }
}

/// Policy JSON as a comparable structure: statements in order, single values as one-item
/// lists, action and resource lists sorted (the provider sorts them).
fn normal_policy(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    fn norm(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    norm(x);
                    if matches!(
                        k.as_str(),
                        "Action" | "NotAction" | "Resource" | "NotResource"
                    ) || m_is_principal_value(k)
                    {
                        let mut items = match x.take() {
                            Value::Array(a) => a,
                            one => vec![one],
                        };
                        items.sort_by_key(|i| i.to_string());
                        *x = Value::Array(items);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(norm),
            _ => {}
        }
    }
    fn m_is_principal_value(k: &str) -> bool {
        matches!(k, "AWS" | "Service" | "Federated" | "CanonicalUser")
    }
    norm(&mut v);
    v
}

#[test]
fn eval_fixtures_agree_with_terraform_plans() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&scenarios)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("eval-"))
        })
        .collect();
    dirs.sort();
    let mut compared = (0, 0, 0, 0); // fixtures, instances, attributes, unknowns
    for dir in &dirs {
        let vars = dir.join("vars.tfvars");
        let vars = vars.exists().then_some(vars);
        let Some(plan) = plan(dir, vars.as_deref()) else {
            eprintln!(
                "note: terraform or the provider mirror is missing; plan comparisons skipped"
            );
            return;
        };
        let mut theirs = BTreeMap::new();
        planned(&plan["planned_values"]["root_module"], &mut theirs);
        planned(&plan["prior_state"]["values"]["root_module"], &mut theirs);
        let ev = evaluate_dir(dir, vars.as_slice(), &[]);
        let ours: BTreeMap<String, &TfValue> = ev
            .evaluated
            .instances
            .iter()
            .map(|i| (i.address.to_string(), &i.attrs))
            .collect();
        let managed = |a: &String| !a.starts_with("data.") && !a.contains(".data.");
        let their_managed: Vec<&String> = theirs.keys().filter(|a| managed(a)).collect();
        let our_managed: Vec<&String> = ours.keys().filter(|a| managed(a)).collect();
        assert_eq!(
            our_managed,
            their_managed,
            "{}: instance addresses differ",
            dir.display()
        );
        compared.0 += 1;
        // what Terraform cannot know before apply, mlguard must not claim to know (a `try`
        // fallback taken for an unknown value, a tier invented from it)
        for change in plan["resource_changes"].as_array().into_iter().flatten() {
            let address = change["address"].as_str().unwrap_or_default();
            let Some(mine) = ours.get(address) else {
                continue;
            };
            let unknown = &change["change"]["after_unknown"];
            for key in ["bucket", "name", "tags", "policy", "assume_role_policy"] {
                let Some(m) = mine.get(key) else {
                    continue;
                };
                let claims: Vec<(String, Option<Value>)> = match &unknown[key] {
                    Value::Bool(true) => vec![(key.to_string(), m.to_json())],
                    Value::Object(parts) => parts
                        .iter()
                        .filter(|(_, u)| **u == Value::Bool(true))
                        .map(|(k, _)| (format!("{key}.{k}"), m.get(k).and_then(TfValue::to_json)))
                        .collect(),
                    _ => Vec::new(),
                };
                for (what, known) in claims {
                    assert!(
                        known.is_none(),
                        "{}: Terraform does not know `{address}.{what}` before apply, mlguard says {}",
                        dir.display(),
                        known.unwrap_or_default()
                    );
                    compared.3 += 1;
                }
            }
        }
        for (address, values) in &theirs {
            let Some(mine) = ours.get(address) else {
                continue;
            };
            compared.1 += 1;
            for key in [
                "bucket",
                "name",
                "tags",
                "policy",
                "assume_role_policy",
                "json",
            ] {
                let Some(t) = values.get(key).filter(|t| !t.is_null()) else {
                    continue;
                };
                let Some(m) = mine.get(key).and_then(TfValue::to_json) else {
                    // mlguard does not know it: fine only where Terraform does not either
                    continue;
                };
                let (t, m) = if matches!(key, "policy" | "assume_role_policy" | "json") {
                    (
                        normal_policy(t.as_str().unwrap_or("")),
                        normal_policy(m.as_str().unwrap_or("")),
                    )
                } else {
                    (t.clone(), m)
                };
                assert_eq!(m, t, "{}: `{address}.{key}` differs", dir.display());
                compared.2 += 1;
            }
        }
    }
    eprintln!(
        "plan oracle: {} fixtures, {} instances, {} attributes equal to Terraform's plan, {} unknown in both",
        compared.0, compared.1, compared.2, compared.3
    );
}
