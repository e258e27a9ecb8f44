//! Safety of the outputs rca-site derives from user text (aliases, slugs)
//! and the rule that `check` reports every error `build` would, each at
//! its file:line:col.

use crate::harness as common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use common::*;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A small archive in a temp dir: `files` are (path, contents).
fn archive(label: &str, files: &[(&str, &str)]) -> TempDir {
    let tmp = TempDir::new(label);
    write(tmp.path(), "rca-site.toml", "title = \"T\"\nbase_url = \"https://incidents.example.com\"\n");
    for (path, text) in files {
        write(tmp.path(), path, text);
    }
    tmp
}

fn incident(title: &str, extra: &str) -> String {
    format!("---\ntitle: \"{title}\"\ndate: 2021-02-10\nseverity: SEV2\nsummary: \"About {title}\"\n{extra}---\nBody of {title}.\n")
}

/// The error lines of a run (warnings and the closing summary left out).
fn error_lines(o: &Output) -> BTreeSet<String> {
    stderr(o)
        .lines()
        .filter(|l| {
            !l.contains("warning: ")
                && !l.starts_with("Checked ")
                && !l.starts_with("Built ")
                && !l.starts_with("error: build failed")
        })
        .map(str::to_string)
        .collect()
}

fn check(root: &Path) -> Output {
    rca(&["check", "--root", root.to_str().unwrap()])
}

fn build(root: &Path, out: &Path) -> Output {
    rca(&["build", "--drafts", "--internal", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()])
}

/// Runs check and build (with drafts and internal incidents, as check sees
/// them) and asserts they agree: same exit code, same error lines. Returns
/// the error lines.
fn check_and_build_agree(root: &Path) -> BTreeSet<String> {
    let out = TempDir::new("agree-out");
    agree(root, &out.path().join("public"))
}

/// [`check_and_build_agree`], building into `out`.
fn agree(root: &Path, out: &Path) -> BTreeSet<String> {
    let c = check(root);
    let b = build(root, out);
    let (ce, be) = (error_lines(&c), error_lines(&b));
    assert_eq!(ce, be, "{}: check and build disagree\ncheck:\n{}\nbuild:\n{}", root.display(), stderr(&c), stderr(&b));
    assert_eq!(
        c.status.code(),
        b.status.code(),
        "{}: exit codes differ\ncheck:\n{}\nbuild:\n{}",
        root.display(),
        stderr(&c),
        stderr(&b)
    );
    ce
}

#[test]
fn an_alias_with_whitespace_cannot_inject_a_netlify_rule() {
    let a = archive("alias-ws", &[("content/incidents/x.md", &incident("X", "aliases: [\"/ /stats/ 301! zz\"]\n"))]);
    let errors = check_and_build_agree(a.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors.iter().next().unwrap();
    assert!(e.starts_with("content/incidents/x.md:6:11: alias \"/ /stats/ 301! zz\" contains whitespace"), "{e}");
    assert!(!a.path().join("public").exists());
}

#[test]
fn aliases_hold_only_path_characters() {
    let cases: &[(&str, &str)] = &[
        ("/old/*", "'*'"),
        ("/old!/", "'!'"),
        ("/old/?x=1", "'?'"),
        ("/old/#top", "'#'"),
        ("/old/:splat", "':'"),
        ("/old/\\t/", "whitespace"),
        ("/old/\\u0001/", "the control character U+0001"),
        ("/vieux/défaillance/", "'é'"),
        ("/a/%2e%2e/b/", "'%'"),
        ("/a/../b/", "'..' segment"),
        ("https://evil.example/", "a full URL"),
        ("/", "the home page"),
    ];
    for (alias, expect) in cases {
        let a =
            archive("alias-chars", &[("content/incidents/x.md", &incident("X", &format!("aliases: [\"{alias}\"]\n")))]);
        let errors = check_and_build_agree(a.path());
        assert_eq!(errors.len(), 1, "{alias}: {errors:?}");
        let e = errors.iter().next().unwrap();
        assert!(e.starts_with("content/incidents/x.md:6:11: alias "), "{alias}: {e}");
        assert!(e.contains(expect), "{alias}: expected {expect:?} in {e}");
    }
    // Plain old URLs still work, with and without slashes.
    let a = archive(
        "alias-ok",
        &[("content/incidents/x.md", &incident("X", "aliases: [old/url, /2019/05/x.html, /wiki/Outage_2019~1]\n"))],
    );
    assert!(agree(a.path(), &a.path().join("public")).is_empty());
    let site = |p: &str| std::fs::read_to_string(a.path().join("public").join(p)).unwrap();
    let redirects = site("_redirects");
    assert!(redirects.contains("/old/url/ /incidents/x/ 301\n"), "{redirects}");
    assert!(redirects.contains("/2019/05/x.html /incidents/x/ 301\n"), "{redirects}");
    assert!(redirects.contains("/wiki/Outage_2019~1/ /incidents/x/ 301\n"), "{redirects}");
    assert!(site("2019/05/x.html").contains("/incidents/x/"));
}

#[test]
fn aliases_over_generated_files_are_errors_at_the_alias() {
    for alias in [
        "/feed.xml",
        "/style.css",
        "/_redirects",
        "/__rca/events",
        "/sitemap.xml",
        "/incidents.json",
        "/search/x/",
        "/robots.txt",
    ] {
        let a = archive(
            "alias-reserved",
            &[("content/incidents/x.md", &incident("X", &format!("aliases: [\"{alias}\"]\n")))],
        );
        let errors = check_and_build_agree(a.path());
        assert_eq!(errors.len(), 1, "{alias}: {errors:?}");
        let e = errors.iter().next().unwrap();
        assert!(e.starts_with(&format!("content/incidents/x.md:6:11: alias \"{alias}\" would shadow")), "{alias}: {e}");
        assert!(!e.contains("os error"), "{e}");
    }
}

#[test]
fn aliases_over_pages_or_assets_are_errors_at_the_alias() {
    let a = archive(
        "alias-pages",
        &[
            (
                "content/incidents/x.md",
                &incident("X", "tags: [db]\naliases:\n  - /incidents/\n  - /incidents/y/\n  - /tags/db/\n  - /about/\n  - /stats\n  - /logo.png/\n"),
            ),
            ("content/incidents/y.md", &incident("Y", "")),
            ("content/pages/about.md", "---\ntitle: About\n---\nAbout us.\n"),
            ("theme/static/logo.png", "png"),
        ],
    );
    let errors = check_and_build_agree(a.path());
    let want: BTreeSet<String> = [
        (8, "/incidents/", "the site already has /incidents/index.html"),
        (9, "/incidents/y/", "the site already has /incidents/y/index.html"),
        (10, "/tags/db/", "the site already has /tags/db/index.html"),
        (11, "/about/", "the site already has /about/index.html"),
        (12, "/stats/", "the site already has /stats/index.html"),
        (13, "/logo.png/", "the site has a file /logo.png where its folder would be"),
    ]
    .iter()
    .map(|(line, path, why)| {
        format!("content/incidents/x.md:{line}:5: alias {path:?} cannot be redirected: {why}; expected an old URL that no page or file of the site uses")
    })
    .collect();
    assert_eq!(errors, want);
}

#[test]
fn two_incidents_cannot_claim_one_old_url() {
    let a = archive(
        "alias-dup",
        &[
            ("content/incidents/a.md", &incident("A", "aliases: [/old/]\n")),
            ("content/incidents/b.md", &incident("B", "aliases: [old]\n")),
        ],
    );
    let errors = check_and_build_agree(a.path());
    assert_eq!(
        errors.into_iter().collect::<Vec<_>>(),
        ["content/incidents/b.md:6:11: alias \"/old/\" is already an alias of incident \"a\"; expected every old URL to redirect to one incident"]
    );
}

#[test]
fn a_bad_alias_does_not_hide_its_incident_from_other_files() {
    let a = archive(
        "alias-cascade",
        &[
            ("content/incidents/a.md", &incident("A", "aliases: [\"/a/../b/\"]\n")),
            ("content/incidents/b.md", &incident("B", "related: [a]\n")),
            ("content/incidents/c.md", "---\ntitle: C\ndate: 2021-02-11\n---\nSee [[a]] and [A](a.md).\n"),
        ],
    );
    let errors = check_and_build_agree(a.path());
    assert_eq!(errors.len(), 1, "only the alias is wrong: {errors:?}");
    assert!(errors
        .iter()
        .next()
        .unwrap()
        .starts_with("content/incidents/a.md:6:11: alias \"/a/../b/\" has an empty, '.' or '..' segment"));
}

#[test]
fn a_very_long_tag_gets_a_short_stable_slug_and_builds() {
    let long_tag = "replication lag ".repeat(19); // 304 characters
    let long_stem = "the-day-the-primary-database-ran-out-of-connections-after-a-deploy-doubled-the-pool-size-on-every-node-at-once";
    let a = archive(
        "long-slug",
        &[
            (
                "content/incidents/x.md",
                &incident(
                    "X",
                    &format!("tags: [\"{long_tag}\"]\nservices: [\"{}\"]\nrelated: [{long_stem}]\n", "s".repeat(260)),
                ),
            ),
            (&format!("content/incidents/{long_stem}.md"), &incident("Long", "")),
            ("content/incidents/y.md", &format!("---\ntitle: Y\ndate: 2021-03-01\n---\nSee [[{long_stem}]].\n")),
        ],
    );
    let public = a.path().join("public");
    assert!(agree(a.path(), &public).is_empty());
    for e in walkdir::WalkDir::new(&public) {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy();
        assert!(name.len() <= 80, "output name longer than 80: {name}");
    }
    let tags: Vec<String> = std::fs::read_dir(public.join("tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("replication-lag"))
        .collect();
    assert_eq!(tags.len(), 1, "{tags:?}");
    let slug = &tags[0];
    assert!(slug.len() <= 80 && slug.len() > 70, "{slug}");
    let (head, hash) = slug.rsplit_once('-').unwrap();
    assert!(head.starts_with("replication-lag-replication-lag") && !head.ends_with('-'), "{slug}");
    assert!(hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{slug}");
    // The incident whose file name is long: shortened id, and both the
    // `related:` entry and the `[[…]]` link written with the long name find it.
    let ids: Vec<String> = std::fs::read_dir(public.join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("the-day"))
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let y = std::fs::read_to_string(public.join("incidents/y/index.html")).unwrap();
    assert!(y.contains(&format!("/incidents/{}/", ids[0])), "the [[long id]] link resolves");
    // Rebuilding gives the same slugs.
    let again = TempDir::new("long-slug-again");
    let o = build(a.path(), &again.path().join("public"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(again.path().join("public/tags").join(slug).join("index.html").is_file());
}

#[test]
fn a_static_file_over_a_generated_page_is_reported_at_the_static_file() {
    let a = archive(
        "asset-clash",
        &[
            ("content/incidents/x.md", &incident("X", "")),
            ("theme/static/tags", "a file where the tags folder goes"),
            ("theme/static/incidents/index.html", "<p>over the list</p>"),
            ("theme/static/search/index.html", "<p>over the search page</p>"),
        ],
    );
    let errors = check_and_build_agree(a.path());
    let want: BTreeSet<String> = [
        "theme/static/incidents/index.html: /incidents/index.html cannot be copied: the site already has /incidents/index.html; expected static files to have paths of their own",
        "theme/static/search/index.html: /search/index.html cannot be copied: the site already has /search/index.html; expected static files to have paths of their own",
        "theme/static/tags: /tags cannot be copied: the site has /tags/index.html inside it; expected static files to have paths of their own",
    ]
    .map(String::from)
    .into();
    assert_eq!(errors, want);
}

/// `check` and `build` agree on every fixture archive of the test suite
/// (each invalid one has its errors at file:line:col).
#[test]
fn check_and_build_agree_on_every_fixture() {
    let mut roots =
        vec![fixtures().join("good"), fixtures().join("insight"), std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))];
    let mut invalid: Vec<_> =
        std::fs::read_dir(fixtures().join("invalid")).unwrap().map(|e| e.unwrap().path()).collect();
    invalid.sort();
    roots.extend(invalid);
    assert!(roots.len() > 20);
    for root in roots {
        check_and_build_agree(&root);
    }
}

fn git(dir: &Path, date: &str, args: &[&str]) {
    git_as(dir, date, ("A", "a@mail.invalid"), args);
}

/// Rename redirects (former ids from git) go through the alias rules: one
/// that would land on a file of the site is left out with a warning, and
/// the build neither fails nor overwrites the file.
#[test]
fn a_rename_redirect_over_a_static_file_is_dropped_with_a_warning() {
    let a = archive(
        "rename-clash",
        &[
            ("content/incidents/old-name.md", &incident("X", "")),
            ("theme/static/incidents/old-name/index.html", "<p>kept</p>"),
        ],
    );
    let root = a.path();
    git(root, "2021-03-01T10:00:00Z", &["init", "-q", "-b", "main"]);
    git(root, "2021-03-01T10:00:00Z", &["add", "content/incidents/old-name.md", "rca-site.toml"]);
    git(root, "2021-03-01T10:00:00Z", &["commit", "-q", "-m", "add"]);
    git(root, "2021-03-02T10:00:00Z", &["mv", "content/incidents/old-name.md", "content/incidents/new-name.md"]);
    git(root, "2021-03-02T10:00:00Z", &["commit", "-q", "-m", "rename"]);
    let out = root.join("public");
    assert!(agree(root, &out).is_empty());
    let o = build(root, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("content/incidents/new-name.md: warning: no redirect from the former URL /incidents/old-name/ (from git history): the site already has /incidents/old-name/index.html"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(out.join("incidents/old-name/index.html")).unwrap(), "<p>kept</p>");
    assert!(!std::fs::read_to_string(out.join("_redirects")).unwrap().contains("old-name"));
}
