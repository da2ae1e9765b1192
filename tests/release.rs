//! The release plumbing agrees with itself: what the release workflow publishes is what the
//! installer, the Action, the pre-commit hooks, the Dockerfile and the docs ask for, and the
//! repository's address is written in one place, `repository` in Cargo.toml. Text checks only,
//! so CI runs them in milliseconds; scripts/package-test.sh builds and runs the artifacts.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The five targets the issue names, as the workflow's matrix spells them.
const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

/// Files that name the project's repository, a release or a package.
const PUBLIC_FILES: [&str; 13] = [
    "README.md",
    "docs/ci.md",
    "docs/configuration.md",
    "docs/custom-rules.md",
    "docs/install.md",
    "docs/bulk-scans.md",
    "docs/security.md",
    "action.yml",
    ".pre-commit-hooks.yaml",
    "Dockerfile",
    "pyproject.toml",
    ".github/workflows/release.yml",
    "scripts/install.sh",
];

#[test]
fn the_repository_address_is_written_only_in_cargo_toml() {
    let repo_path = REPOSITORY
        .strip_prefix("https://github.com/")
        .expect("the repository is on GitHub");
    let project = repo_path.rsplit('/').next().unwrap();
    assert_eq!(project, "mlguard");
    for file in PUBLIC_FILES {
        let text = read(file);
        // a GitHub address of this project, however spelled, must be the one in Cargo.toml
        for (at, _) in text.match_indices("github.com/") {
            let rest = &text[at + "github.com/".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "-_./".contains(c)))
                .unwrap_or(rest.len());
            let named = rest[..end].trim_end_matches('.');
            let mut parts = named.split('/');
            let (owner, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            if name.trim_end_matches(".git") == "mlguard" {
                assert_eq!(
                    format!("{owner}/{name}"),
                    repo_path,
                    "{file} names another repository: {named}"
                );
            }
        }
        // the image is named after the repository (release.yml: ghcr.io/${GITHUB_REPOSITORY,,})
        for (at, _) in text.match_indices("ghcr.io/") {
            let named: String = text[at + "ghcr.io/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_/".contains(*c))
                .collect();
            if !named.is_empty() && !named.starts_with('$') {
                assert_eq!(
                    named,
                    repo_path.to_lowercase(),
                    "{file} names another image"
                );
            }
        }
        // `uses: owner/mlguard@ref` in a workflow example
        for line in text.lines().filter(|l| l.contains("uses:")) {
            let used = line.split("uses:").nth(1).unwrap().trim();
            if let Some((action, pin)) = used.split_once('@') {
                if action.ends_with("/mlguard") {
                    assert_eq!(action, repo_path, "{file}: {line}");
                    assert_eq!(
                        pin,
                        format!("v{VERSION}"),
                        "{file} pins another version: {line}"
                    );
                }
            }
        }
    }
    // the binary links its docs and rule pages from the same place
    assert!(mlguard::report::DOCS_BASE.starts_with(REPOSITORY));
    assert_eq!(mlguard::report::HOMEPAGE, REPOSITORY);
}

#[test]
fn the_docs_pin_what_the_release_workflow_produces() {
    for file in ["README.md", "docs/ci.md", "docs/install.md"] {
        let text = read(file);
        for line in text.lines() {
            // pre-commit `rev:` of this repository and of the hook package
            if let Some(rev) = line.trim().strip_prefix("rev: ") {
                let rev = rev.split_whitespace().next().unwrap_or("");
                assert_eq!(rev, format!("v{VERSION}"), "{file}: {line}");
            }
            for package in ["mlguard-cli==", "mlguard-cli@"] {
                if let Some(at) = line.find(package) {
                    let pinned: String = line[at + package.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect();
                    // `mlguard-cli==X.Y.Z` in prose is a pattern, not a pin
                    if !pinned.is_empty() {
                        assert_eq!(pinned, VERSION, "{file}: {line}");
                    }
                }
            }
            if let Some(at) = line.find("releases/download/") {
                let tag: String = line[at + "releases/download/".len()..]
                    .chars()
                    .take_while(|c| *c != '/')
                    .collect();
                assert!(
                    tag == format!("v{VERSION}") || tag.contains('$') || tag == "vVERSION",
                    "{file}: {line}"
                );
            }
        }
    }
}

#[test]
fn the_release_workflow_builds_every_target_with_checksums_wheels_and_an_image() {
    let wf = read(".github/workflows/release.yml");
    assert!(wf.contains("tags: [\"v[0-9]+.[0-9]+.[0-9]+*\"]"));
    for target in TARGETS {
        assert!(
            wf.contains(&format!("target: {target},")),
            "{target} is not built"
        );
    }
    // what install.sh downloads is what the workflow names its archives and sums
    assert!(wf.contains("name=mlguard-$TAG-${{ matrix.target }}"));
    assert!(wf.contains("sha256sum mlguard-*.tar.gz mlguard-*.zip > SHA256SUMS"));
    let install = read("scripts/install.sh");
    assert!(install.contains("asset=\"mlguard-v$VERSION-$triple.$ext\""));
    assert!(install.contains("$REPOSITORY/releases/download/v$VERSION"));
    assert!(install.contains("SHA256SUMS"));
    // install.sh spells each target as `$arch-<rest>`, arch x86_64 or aarch64
    for rest in ["-unknown-linux-musl", "-apple-darwin"] {
        assert!(install.contains(&format!("\"$arch{rest}\"")), "{rest}");
    }
    assert!(install.contains("echo \"x86_64-pc-windows-msvc\""));
    // the tag must be the version the binaries report
    assert!(wf.contains("does not match Cargo.toml version"));
    assert!(wf.contains("cargo build --locked --profile dist"));
    assert!(wf.contains("MLGUARD_COMMIT: ${{ github.sha }}"));
    // wheels, the hook package and the image
    assert!(wf.contains("PyO3/maturin-action"));
    assert!(wf.contains("pypa/gh-action-pypi-publish"));
    assert!(wf.contains("packaging/pre-commit/"));
    assert!(wf.contains("platforms: linux/amd64,linux/arm64"));
    assert!(wf.contains("out/docker/linux-${{ matrix.docker }}"));
}

#[test]
fn the_wheel_carries_the_binary_under_a_free_name_and_the_command_stays_mlguard() {
    let py = read("pyproject.toml");
    assert!(py.contains("name = \"mlguard-cli\""));
    assert!(py.contains("bindings = \"bin\""));
    assert!(py.contains("build-backend = \"maturin\""));
    assert!(py.contains("profile = \"dist\""));
    assert!(py.contains("[[tool.maturin.targets]]\nname = \"mlguard\"\nkind = \"bin\""));
    // version, description and license come from Cargo.toml, not a second copy
    assert!(py.contains("dynamic = [\"version\""));
    assert!(!py.contains("\nversion ="));
    // the hook package depends on the wheel of its own version
    let hook = read("packaging/pre-commit/pyproject.toml");
    assert!(hook.contains("dependencies = [\"mlguard-cli==@VERSION@\"]"));
    assert!(read("packaging/pre-commit/.pre-commit-hooks.yaml").contains("language: python"));
}

#[test]
fn the_hooks_and_the_action_install_the_release_binary() {
    let hooks = read(".pre-commit-hooks.yaml");
    for id in [
        "- id: mlguard\n",
        "- id: mlguard-system\n",
        "- id: mlguard-cargo\n",
    ] {
        assert!(hooks.contains(id), "{id}");
    }
    assert_eq!(hooks.matches("files: \\.(tf|tfvars|json)$").count(), 3);
    assert!(hooks.contains("entry: scripts/pre-commit-hook.sh scan --no-progress"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for script in ["scripts/pre-commit-hook.sh", "scripts/install.sh"] {
        let meta = std::fs::metadata(root.join(script)).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert!(
                meta.permissions().mode() & 0o111 != 0,
                "{script} is not executable"
            );
        }
        let _ = meta;
    }
    let action = read("action.yml");
    assert!(action.contains("\"$ACTION_PATH/scripts/install.sh\" --version"));
    assert!(action.contains("uses: actions/cache@v4"));
}

#[test]
fn the_image_is_the_static_binary_on_scratch_as_non_root() {
    let docker = read("Dockerfile");
    let lines: Vec<&str> = docker
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(lines[0], "FROM scratch");
    assert!(docker
        .contains("COPY --chmod=0755 dist/linux-${TARGETARCH}/mlguard /usr/local/bin/mlguard"));
    let user = lines.iter().find(|l| l.starts_with("USER ")).unwrap();
    assert!(!user.contains("root") && !user.ends_with(" 0") && !user.contains(" 0:"));
}

/// A help text or doc that sends the user to a page under another name (a config error once
/// named a `config.md` that never existed) is a dead end: every `docs/...md` named in the
/// sources, the README, the docs and the scripts exists.
#[test]
fn every_docs_page_named_anywhere_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("action.yml")];
    for dir in ["src", "src/report", "docs", "scripts", "tests"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            let p = e.path();
            if p.extension()
                .is_some_and(|x| x == "rs" || x == "md" || x == "sh")
            {
                files.push(p);
            }
        }
    }
    let page = regex::Regex::new(r"docs/[a-z0-9_/-]+\.md").unwrap();
    let mut missing = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for m in page.find_iter(&text) {
            if !root.join(m.as_str()).exists() {
                missing.push(format!("{}: {}", f.display(), m.as_str()));
            }
        }
    }
    assert!(missing.is_empty(), "pages that do not exist: {missing:#?}");
}
