//! `rca-site check` and the error reporting of every bad input, plus the
//! `new` command and exit codes.

use crate::harness as common;

use common::*;

/// Each `tests/fixtures/invalid/<case>/` holds an archive with one kind of
/// mistake and `expected-errors.txt`: the exact error lines, sorted.
#[test]
fn every_invalid_fixture_reports_its_errors_with_file_line_and_column() {
    let dir = fixtures().join("invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 20, "expected a fixture per bad input, found {}", cases.len());
    for case in cases {
        let expected = std::fs::read_to_string(case.join("expected-errors.txt")).unwrap();
        let o = rca(&["check", "-q", "--root", case.to_str().unwrap()]);
        let name = case.file_name().unwrap().to_string_lossy();
        assert_eq!(o.status.code(), Some(1), "{name}: check must exit 1");
        let errors: String = stderr(&o).lines().filter(|l| !l.contains("warning")).map(|l| format!("{l}\n")).collect();
        assert_eq!(errors, expected, "{name}");
        // build fails the same way and writes nothing.
        let tmp = TempDir::new("invalid");
        let out = tmp.path().join("public");
        let o = rca(&["build", "--root", case.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}: build must exit 1");
        assert!(stderr(&o).contains(expected.lines().next().unwrap()), "{name}");
        assert!(!out.exists(), "{name}: a failed build wrote output");
    }
}

#[test]
fn check_passes_on_good_archives() {
    for root in [fixtures().join("good"), std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))] {
        let o = rca(&["check", "--root", root.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", root.display(), stderr(&o));
    }
}

#[test]
fn check_formats_github_and_json() {
    let case = fixtures().join("invalid/errors-across-files");
    let o = rca(&["check", "--root", case.to_str().unwrap(), "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("::error file=content/incidents/a.md,line=4,col=11::severity \"SEV0\" is not one of SEV1, SEV2, SEV3, SEV4\n"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 4);

    let o = rca(&["check", "--root", case.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"], 4);
    assert_eq!(v["diagnostics"][1]["file"], "content/incidents/a.md");
    assert_eq!(v["diagnostics"][1]["line"], 4);
    assert_eq!(v["diagnostics"][1]["column"], 11);
    assert_eq!(v["diagnostics"][1]["severity"], "error");
}

#[test]
fn check_validates_drafts_too() {
    let tmp = TempDir::new("check-drafts");
    std::fs::create_dir_all(tmp.path().join("content/incidents")).unwrap();
    std::fs::write(tmp.path().join("rca-site.toml"), "base_url = \"https://x.example\"\n").unwrap();
    std::fs::write(
        tmp.path().join("content/incidents/d.md"),
        "---\ntitle: D\ndate: 2022-01-01\nstatus: draft\n---\n[[nope]]\n",
    )
    .unwrap();
    let o = rca(&["check", "--root", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("content/incidents/d.md:6:1: [[nope]] links to no incident"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(rca(&["build", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(rca(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(rca(&["check", "--format", "xml"]).status.code(), Some(2));
    let o = rca(&["build", "--root", "/definitely/not/here"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a directory"));
    assert_eq!(rca(&["--help"]).status.code(), Some(0));
}

#[test]
fn new_writes_a_draft_from_the_template() {
    let tmp = TempDir::new("new");
    let root = tmp.path().to_str().unwrap();
    let o =
        rca(&["new", "Uploads failed: disk \"full\"", "--severity", "sev1", "--date", "2023-04-05", "--root", root]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "content/incidents/2023/uploads-failed-disk-full.md\n");
    let text = std::fs::read_to_string(tmp.path().join("content/incidents/2023/uploads-failed-disk-full.md")).unwrap();
    assert!(text.contains("title: \"Uploads failed: disk \\\"full\\\"\""));
    assert!(text.contains("severity: SEV1"));
    assert!(text.contains("status: draft"));
    // The new file passes check as it is.
    std::fs::write(tmp.path().join("rca-site.toml"), "base_url = \"https://x.example\"\n").unwrap();
    let c = rca(&["check", "--root", root]);
    assert_eq!(c.status.code(), Some(0), "{}", stderr(&c));
    // It is a draft: a default build leaves it out.
    let out = tmp.path().join("out");
    assert!(rca(&["build", "--root", root, "--out", out.to_str().unwrap()]).status.success());
    assert!(!out.join("incidents/uploads-failed-disk-full").exists());
    // Never overwrites.
    let again = rca(&["new", "Uploads failed: disk \"full\"", "--date", "2023-04-05", "--root", root]);
    assert_eq!(again.status.code(), Some(1));
    // Bad flags are usage errors.
    assert_eq!(rca(&["new", "X", "--severity", "SEV9", "--root", root]).status.code(), Some(2));
    assert_eq!(rca(&["new", "X", "--date", "05/04/2023", "--root", root]).status.code(), Some(2));
}
