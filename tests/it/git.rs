//! Git-backed builds: history, renames, merges, `--rev`, shallow, partial
//! and non-git archives. Each test makes a real repository with the `git`
//! program and fixed dates (rca-site itself reads it with gix).

use crate::harness as common;

use std::path::{Path, PathBuf};

use common::*;

const ALICE: (&str, &str) = ("Alice Example", "alice.secret@mail.invalid");
const BOB: (&str, &str) = ("Bob Builder", "bob.hidden@mail.invalid");

fn git(dir: &Path, date: &str, args: &[&str]) -> String {
    git_as(dir, date, ALICE, args)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn incident(title: &str, date: &str, body: &str) -> String {
    format!("---\ntitle: \"{title}\"\ndate: {date}\nseverity: SEV2\nsummary: \"{title} summary\"\n---\n{body}\n")
}

const BODY: &str = "## What happened\n\nThe primary database ran out of connections after a deploy doubled the pool size on every node.\n\n## Timeline\n\n- 09:00 deploy\n- 09:05 alerts\n- 09:40 rollback\n\n## Lessons\n\nPool sizes are per node; the database limit is global. We now check the sum before deploying.\n";

/// The history every test starts from (dates UTC):
/// - c1 2021-03-01 Alice: add db-outage.md, cache-miss.md, about page, config, theme marker
/// - c2 2021-03-05 Bob:   edit db-outage.md                         (tag v1)
/// - c3 2021-04-01 Alice: rename db-outage.md → database-outage.md (exact), config title, drop marker
/// - c4 2021-04-03 Alice: edit database-outage.md
/// - side: c5 2021-04-10 Bob: edit cache-miss.md
/// - main: c6 2021-04-12 Alice: add new-one.md
/// - c7 2021-04-15 Alice: merge side (--no-ff)
/// - c8 2021-05-01 Alice: rename cache-miss.md → cache-misses.md with an edit (similar)
fn make_repo(dir: &Path) {
    git(dir, "2021-03-01 10:00:00 +0000", &["init", "-q", "-b", "main"]);
    write(
        dir,
        "rca-site.toml",
        "title = \"Archive v1\"\nbase_url = \"https://example.org\"\nrepo_url = \"https://git.example.org/acme/incidents\"\n",
    );
    write(dir, "content/incidents/2021/db-outage.md", &incident("Database outage", "2021-02-10", BODY));
    write(dir, "content/incidents/2021/cache-miss.md", &incident("Cache miss storm", "2021-02-20", BODY));
    write(dir, "content/pages/about.md", "---\ntitle: About\n---\nAbout this archive.\n");
    write(dir, "theme/static/marker-v1.txt", "v1 theme\n");
    git(dir, "2021-03-01 10:00:00 +0000", &["add", "-A"]);
    git(dir, "2021-03-01 10:00:00 +0000", &["commit", "-q", "-m", "Add first postmortems"]);

    write(
        dir,
        "content/incidents/2021/db-outage.md",
        &incident("Database outage", "2021-02-10", &format!("{BODY}\nFixed a typo.\n")),
    );
    git_as(dir, "2021-03-05 12:00:00 +0000", BOB, &["commit", "-q", "-am", "Fix typo in db outage"]);
    git(dir, "2021-03-05 12:00:00 +0000", &["tag", "v1"]);

    git(
        dir,
        "2021-04-01 09:00:00 +0000",
        &["mv", "content/incidents/2021/db-outage.md", "content/incidents/2021/database-outage.md"],
    );
    write(
        dir,
        "rca-site.toml",
        "title = \"Archive v2\"\nbase_url = \"https://example.org\"\nrepo_url = \"https://git.example.org/acme/incidents\"\n",
    );
    git(dir, "2021-04-01 09:00:00 +0000", &["rm", "-q", "theme/static/marker-v1.txt"]);
    git(dir, "2021-04-01 09:00:00 +0000", &["commit", "-q", "-am", "Rename db-outage to database-outage"]);

    write(
        dir,
        "content/incidents/2021/database-outage.md",
        &incident("Database outage", "2021-02-10", &format!("{BODY}\nFixed a typo.\n\nAdded lessons.\n")),
    );
    git(dir, "2021-04-03 09:00:00 +0000", &["commit", "-q", "-am", "Add lessons to database outage"]);

    git(dir, "2021-04-10 09:00:00 +0000", &["checkout", "-q", "-b", "side"]);
    write(
        dir,
        "content/incidents/2021/cache-miss.md",
        &incident("Cache miss storm", "2021-02-20", &format!("{BODY}\nSide branch timeline.\n")),
    );
    git_as(dir, "2021-04-10 09:00:00 +0000", BOB, &["commit", "-q", "-am", "Add timeline to cache miss"]);
    git(dir, "2021-04-12 09:00:00 +0000", &["checkout", "-q", "main"]);
    write(dir, "content/incidents/2021/new-one.md", &incident("New one", "2021-04-11", BODY));
    git(dir, "2021-04-12 09:00:00 +0000", &["add", "-A"]);
    git(dir, "2021-04-12 09:00:00 +0000", &["commit", "-q", "-m", "Add new one"]);
    git(dir, "2021-04-15 09:00:00 +0000", &["merge", "-q", "--no-ff", "side", "-m", "Merge branch side"]);

    git(
        dir,
        "2021-05-01 09:00:00 +0000",
        &["mv", "content/incidents/2021/cache-miss.md", "content/incidents/2021/cache-misses.md"],
    );
    write(
        dir,
        "content/incidents/2021/cache-misses.md",
        &incident("Cache miss storm", "2021-02-20", &format!("{BODY}\nSide branch timeline.\n\nRenamed.\n")),
    );
    git(dir, "2021-05-01 09:00:00 +0000", &["commit", "-q", "-am", "Rename cache-miss to cache-misses"]);
}

struct Built {
    _tmp: TempDir,
    root: PathBuf,
    out: PathBuf,
    output: std::process::Output,
}

impl Built {
    fn page(&self, url: &str) -> String {
        let p = self.out.join(url.trim_start_matches('/')).join("index.html");
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}\n{}", p.display(), stderr(&self.output)))
    }
    fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
    fn site(&self) -> Site {
        Site { tmp: TempDir::new("unused"), out: self.out.clone(), output: self.output.clone() }
    }
    fn warnings(&self, needle: &str) -> usize {
        stderr(&self.output).lines().filter(|l| l.contains("warning") && l.contains(needle)).count()
    }
}

/// Builds the archive at `root` into a fresh output directory.
fn build_at(tmp: TempDir, root: PathBuf, flags: &[&str]) -> Built {
    let out = tmp.path().join("public");
    let mut args = vec!["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(flags);
    let output = rca(&args);
    Built { _tmp: tmp, root, out, output }
}

fn repo(label: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(label);
    let root = tmp.path().join("archive");
    std::fs::create_dir_all(&root).unwrap();
    make_repo(&root);
    (tmp, root)
}

fn ok(b: Built) -> Built {
    assert!(b.output.status.success(), "build failed:\n{}", stderr(&b.output));
    b
}

/// The revision list of a page: the short commit ids' subjects, newest first.
fn subjects(html: &str) -> Vec<String> {
    html.split("<span class=\"history-subject\">").skip(1).map(|s| s.split('<').next().unwrap().to_string()).collect()
}

#[test]
fn history_follows_edits_and_renames_and_ignores_merges() {
    let (tmp, root) = repo("history");
    let b = ok(build_at(tmp, root, &[]));
    let page = b.page("/incidents/database-outage/");
    assert_eq!(
        subjects(&page),
        [
            "Add lessons to database outage",
            "Rename db-outage to database-outage",
            "Fix typo in db outage",
            "Add first postmortems"
        ]
    );
    assert!(page.contains("Published <time datetime=\"2021-03-01T10:00:00Z\">1 Mar 2021</time>"), "{page}");
    assert!(page.contains("Last revised <time datetime=\"2021-04-03T09:00:00Z\">3 Apr 2021</time>"));
    // Commit links use repo_url and the full id; "View source" the file's last commit.
    assert!(page.contains("href=\"https://git.example.org/acme/incidents/commit/"));
    let last = git(
        &b.root,
        "2021-06-01 09:00:00 +0000",
        &["log", "-1", "--format=%H", "--", "content/incidents/2021/database-outage.md"],
    );
    assert!(page.contains(&format!(
        "https://git.example.org/acme/incidents/blob/{}/content/incidents/2021/database-outage.md",
        last.trim()
    )));

    // The merge touched no file by itself: the side-branch edit and the
    // similar rename are the file's revisions, the merge is not.
    let cache = b.page("/incidents/cache-misses/");
    assert_eq!(
        subjects(&cache),
        ["Rename cache-miss to cache-misses", "Add timeline to cache miss", "Add first postmortems"]
    );
    let new_one = b.page("/incidents/new-one/");
    assert_eq!(subjects(&new_one), ["Add new one"]);
    for (_, bytes) in b.site().all_files() {
        assert!(!String::from_utf8_lossy(&bytes).contains("Merge branch side"));
    }

    // Free pages get their dates too.
    let about = b.page("/about/");
    assert!(about.contains("Published <time datetime=\"2021-03-01T10:00:00Z\">"), "{about}");

    // Feeds, sitemap and JSON use the git dates.
    let feed = b.file("feed.xml");
    assert!(
        feed.contains("<published>2021-03-01T10:00:00Z</published>\n    <updated>2021-04-03T09:00:00Z</updated>"),
        "{feed}"
    );
    let sitemap = b.file("sitemap.xml");
    assert!(sitemap.contains("/incidents/database-outage/</loc><lastmod>2021-04-03</lastmod>"), "{sitemap}");
    let json: serde_json::Value = serde_json::from_str(&b.file("incidents.json")).unwrap();
    let db = json["incidents"].as_array().unwrap().iter().find(|i| i["id"] == "database-outage").unwrap();
    assert_eq!(db["published"], "2021-03-01T10:00:00Z");
    assert_eq!(db["updated"], "2021-04-03T09:00:00Z");
    assert_eq!(db["date"], "2021-02-10");
}

#[test]
fn renamed_incidents_keep_their_old_urls() {
    let (tmp, root) = repo("redirects");
    let b = ok(build_at(tmp, root, &[]));
    let redirects = b.file("_redirects");
    assert!(redirects.contains("/incidents/db-outage/ /incidents/database-outage/ 301\n"), "{redirects}");
    assert!(redirects.contains("/incidents/cache-miss/ /incidents/cache-misses/ 301\n"), "{redirects}");
    let old = b.page("/incidents/db-outage/");
    assert!(old.contains("<meta http-equiv=\"refresh\" content=\"0; url=/incidents/database-outage/\">"), "{old}");
    assert!(old.contains("<link rel=\"canonical\" href=\"https://example.org/incidents/database-outage/\">"));
    assert!(old.contains("<a href=\"/incidents/database-outage/\">"));
    // The old page is a redirect, not a copy of the incident.
    assert!(!old.contains("Database outage summary"));
}

#[test]
fn a_rename_never_shadows_a_page_or_reveals_a_left_out_incident() {
    let (tmp, root) = repo("shadow");
    // A new incident takes the old id: it wins, no redirect.
    write(&root, "content/incidents/2021/db-outage.md", &incident("Another db outage", "2021-04-20", BODY));
    // A draft renamed: its old id must not appear anywhere.
    write(
        &root,
        "content/incidents/2021/secret-old-name.md",
        "---\ntitle: Draft\ndate: 2021-04-20\nstatus: draft\n---\nLEAKCANARY-GIT-DRAFT\n",
    );
    git(&root, "2021-06-01 09:00:00 +0000", &["add", "-A"]);
    git(
        &root,
        "2021-06-01 09:00:00 +0000",
        &["commit", "-q", "-m", "Add another db outage and secret-old-name.md LEAKCANARY-GIT-SUBJECT"],
    );
    // A later commit names the draft's id in its subject.
    write(&root, "content/incidents/2021/new-one.md", &incident("New one", "2021-04-11", "Edited."));
    git(&root, "2021-06-03 09:00:00 +0000", &["commit", "-q", "-am", "Move lessons to secret-new-name"]);
    git(
        &root,
        "2021-06-02 09:00:00 +0000",
        &["mv", "content/incidents/2021/secret-old-name.md", "content/incidents/2021/secret-new-name.md"],
    );
    git(&root, "2021-06-02 09:00:00 +0000", &["commit", "-q", "-m", "Rename the draft"]);
    let b = ok(build_at(tmp, root, &[]));
    let redirects = b.file("_redirects");
    assert!(!redirects.contains("/incidents/db-outage/"), "{redirects}");
    assert!(b.page("/incidents/db-outage/").contains("Another db outage"));
    let site = b.site();
    site.nowhere("secret-old-name");
    site.nowhere("secret-new-name");
    site.nowhere("LEAKCANARY-GIT-DRAFT");
    site.nowhere("LEAKCANARY-GIT-SUBJECT");
    // The commits keep their dates; their subjects are withheld.
    assert!(b.page("/incidents/db-outage/").contains("(subject not shown)"));
    assert_eq!(subjects(&b.page("/incidents/new-one/")), ["(subject not shown)", "Add new one"]);
}

/// A subject is withheld when it names a left-out incident by its id, a
/// former id, its file stem or file name (now or before a rename) or its
/// title, in any case; and only then: a bulk commit that also touched
/// drafts keeps its subject.
#[test]
fn a_subject_is_withheld_only_when_it_names_a_left_out_incident() {
    let tmp = TempDir::new("subjects");
    let root = tmp.path().join("archive");
    std::fs::create_dir_all(&root).unwrap();
    git(&root, "2022-01-01 09:00:00 +0000", &["init", "-q", "-b", "main"]);
    write(&root, "rca-site.toml", "title = \"Subjects\"\n");
    let public = "content/incidents/public-one.md";
    let touch = |n: usize| incident("Public one", "2022-01-01", &format!("{BODY}\nRevision {n}.\n"));
    write(&root, public, &touch(0));
    // A bulk import: 240 files, drafts among them.
    for n in 0..240 {
        let status = if n % 3 == 0 { "draft" } else { "published" };
        write(
            &root,
            &format!("content/incidents/bulk/bulk-{n:03}.md"),
            &format!("---\ntitle: \"Bulk {n}\"\ndate: 2022-01-01\nstatus: {status}\n---\nBody.\n"),
        );
    }
    git(&root, "2022-01-02 09:00:00 +0000", &["add", "-A"]);
    git(&root, "2022-01-02 09:00:00 +0000", &["commit", "-q", "-m", "Bulk import of 240 postmortems"]);
    // The draft under its first name, then renamed.
    write(
        &root,
        "content/incidents/Payroll Outage Old.md",
        "---\ntitle: \"The Payroll Incident of March\"\ndate: 2022-03-01\nstatus: draft\n---\nLEAKCANARY-SUBJECT-BODY\n",
    );
    git(&root, "2022-01-03 09:00:00 +0000", &["add", "-A"]);
    git(&root, "2022-01-03 09:00:00 +0000", &["commit", "-q", "-m", "Start a postmortem"]);
    git(
        &root,
        "2022-01-04 09:00:00 +0000",
        &["mv", "content/incidents/Payroll Outage Old.md", "content/incidents/2022-03-01 payroll.md"],
    );
    git(&root, "2022-01-04 09:00:00 +0000", &["commit", "-q", "-m", "Rename a postmortem"]);
    let subjects_naming_it = [
        "Mention payroll-outage-old (former id)",
        "Edit PAYROLL OUTAGE OLD.md, the old file name",
        "Edit 2022-03-01 Payroll, its file stem",
        "Fix \"2022-03-01 payroll.md\"",
        "Rework 2022-03-01-payroll further",
        "Review the payroll incident of march",
    ];
    for (n, subject) in subjects_naming_it.iter().enumerate() {
        write(&root, public, &touch(n + 1));
        git(&root, &format!("2022-02-{:02} 09:00:00 +0000", n + 1), &["commit", "-q", "-am", subject]);
    }
    // A commit that touches the draft and the public one but names neither.
    write(&root, public, &touch(99));
    write(
        &root,
        "content/incidents/2022-03-01 payroll.md",
        "---\ntitle: \"The Payroll Incident of March\"\ndate: 2022-03-01\nstatus: draft\n---\nLEAKCANARY-SUBJECT-BODY edited\n",
    );
    git(&root, "2022-02-20 09:00:00 +0000", &["commit", "-q", "-am", "Tidy up wording"]);

    let b = ok(build_at(tmp, root, &[]));
    let page = b.page("/incidents/public-one/");
    let withheld = vec!["(subject not shown)"; subjects_naming_it.len()];
    let mut expected = vec!["Tidy up wording"];
    expected.extend(withheld);
    expected.push("Bulk import of 240 postmortems");
    assert_eq!(subjects(&page), expected, "{page}");
    assert_eq!(subjects(&b.page("/incidents/bulk-001/")), ["Bulk import of 240 postmortems"]);
    let site = b.site();
    for canary in ["payroll", "Payroll", "PAYROLL", "LEAKCANARY-SUBJECT"] {
        site.nowhere(canary);
    }
}

#[test]
fn rev_builds_content_config_and_theme_from_that_commit() {
    let (tmp, root) = repo("rev");
    // Uncommitted edits must not matter for --rev.
    write(
        &root,
        "content/incidents/2021/database-outage.md",
        &incident("Edited in the working tree", "2021-02-10", BODY),
    );
    let b = ok(build_at(tmp, root, &["--rev", "v1"]));
    let page = b.page("/incidents/db-outage/");
    assert!(page.contains("Archive v1"), "config from v1");
    assert_eq!(subjects(&page), ["Fix typo in db outage", "Add first postmortems"], "history cut at v1");
    assert!(!b.out.join("incidents/database-outage").exists());
    assert!(!b.out.join("incidents/new-one").exists());
    assert_eq!(b.file("marker-v1.txt"), "v1 theme\n", "theme/static from v1");
    assert!(!b.file("_redirects").contains("db-outage"));
    b.site().nowhere("Edited in the working tree");

    // A commit id and a branch work too.
    let id = git(&b.root, "2021-06-01 09:00:00 +0000", &["rev-parse", "v1"]);
    let b2 = ok(build_at(TempDir::new("rev-id"), b.root.clone(), &["--rev", id.trim()]));
    assert!(b2.page("/incidents/db-outage/").contains("Archive v1"));
    let b3 = ok(build_at(TempDir::new("rev-branch"), b.root.clone(), &["--rev", "side"]));
    assert!(b3.page("/incidents/cache-miss/").contains("Archive v2"));
    assert_eq!(subjects(&b3.page("/incidents/cache-miss/")), ["Add timeline to cache miss", "Add first postmortems"]);
}

#[test]
fn a_bad_rev_is_a_usage_error() {
    let (tmp, root) = repo("badrev");
    let b = build_at(tmp, root, &["--rev", "no-such-tag"]);
    assert_eq!(b.output.status.code(), Some(2), "{}", stderr(&b.output));
    assert!(stderr(&b.output).contains("--rev \"no-such-tag\""), "{}", stderr(&b.output));
    assert!(!b.out.exists());

    let plain = TempDir::new("badrev-plain");
    copy_tree(&fixtures().join("good"), plain.path());
    let b = build_at(TempDir::new("badrev-out"), plain.path().to_path_buf(), &["--rev", "main"]);
    assert_eq!(b.output.status.code(), Some(2));
    assert!(stderr(&b.output).contains("not in one"), "{}", stderr(&b.output));
}

#[test]
fn uncommitted_files_are_shown_as_such_and_edits_keep_committed_dates() {
    let (tmp, root) = repo("uncommitted");
    write(&root, "content/incidents/2021/brand-new.md", &incident("Brand new", "2021-06-01", BODY));
    write(&root, "content/incidents/2021/new-one.md", &incident("New one, edited", "2021-04-11", BODY));
    let b = ok(build_at(tmp, root, &[]));
    let page = b.page("/incidents/brand-new/");
    assert!(page.contains("Not yet committed"), "{page}");
    assert!(!page.contains("class=\"published\""));
    assert!(!page.contains("Revision history"));
    let edited = b.page("/incidents/new-one/");
    assert!(edited.contains("New one, edited"), "working tree content is built");
    assert!(edited.contains("Published <time datetime=\"2021-04-12T09:00:00Z\">"));
}

#[test]
fn authors_only_with_show_authors_and_never_emails() {
    let (tmp, root) = repo("authors");
    let b = ok(build_at(tmp, root.clone(), &[]));
    let site = b.site();
    site.nowhere("Alice Example");
    site.nowhere("Bob Builder");
    site.nowhere("mail.invalid");

    let config = std::fs::read_to_string(root.join("rca-site.toml")).unwrap() + "show_authors = true\n";
    write(&root, "rca-site.toml", &config);
    // .mailmap maps Bob to his preferred name.
    write(&root, ".mailmap", "Robert Builder <bob.hidden@mail.invalid>\n");
    let b = ok(build_at(TempDir::new("authors-on"), root, &[]));
    let page = b.page("/incidents/database-outage/");
    assert!(page.contains("— Alice Example"), "{page}");
    assert!(page.contains("— Robert Builder"));
    assert!(page.contains("Written by</dt><dd>Alice Example, Robert Builder</dd>"));
    let site = b.site();
    site.nowhere("mail.invalid");
    site.nowhere("Bob Builder");
}

#[test]
fn a_shallow_clone_builds_with_one_warning() {
    let (tmp, root) = repo("shallow");
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", root.display());
    git(tmp.path(), "2021-06-01 09:00:00 +0000", &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()]);
    let b = ok(build_at(TempDir::new("shallow-out"), clone, &[]));
    let err = stderr(&b.output);
    assert_eq!(b.warnings("shallow"), 1, "{err}");
    assert!(err.contains("git fetch --unshallow") && err.contains("fetch-depth: 0"), "{err}");
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    // Dates stop at the one commit fetched.
    assert_eq!(subjects(&b.page("/incidents/database-outage/")), ["Rename cache-miss to cache-misses"]);
    drop(tmp);
}

#[test]
fn a_partial_clone_builds_and_follows_exact_renames() {
    let (tmp, root) = repo("partial");
    git(&root, "2021-06-01 09:00:00 +0000", &["config", "uploadpack.allowFilter", "true"]);
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", root.display());
    git(tmp.path(), "2021-06-01 09:00:00 +0000", &["clone", "-q", "--filter=blob:none", &url, clone.to_str().unwrap()]);
    let b = ok(build_at(TempDir::new("partial-out"), clone, &[]));
    assert_eq!(stderr(&b.output).matches("warning").count(), 0, "{}", stderr(&b.output));
    let page = b.page("/incidents/database-outage/");
    assert!(page.contains("Published <time datetime=\"2021-03-01T10:00:00Z\">"), "exact rename followed: {page}");
    assert!(b.file("_redirects").contains("/incidents/db-outage/ /incidents/database-outage/ 301"));
    drop(tmp);
}

#[test]
fn a_directory_that_is_not_a_repository_builds_with_front_matter_dates() {
    let (tmp, root) = repo("nogit");
    let copy = tmp.path().join("copy");
    for entry in ["rca-site.toml", "content", "theme"] {
        if root.join(entry).is_dir() {
            copy_tree(&root.join(entry), &copy.join(entry));
        } else if root.join(entry).exists() {
            std::fs::create_dir_all(&copy).unwrap();
            std::fs::copy(root.join(entry), copy.join(entry)).unwrap();
        }
    }
    let b = ok(build_at(TempDir::new("nogit-out"), copy, &[]));
    let err = stderr(&b.output);
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    assert!(err.contains("not in a git repository"), "{err}");
    let page = b.page("/incidents/database-outage/");
    assert!(
        !page.contains("class=\"published\"")
            && !page.contains("Revision history")
            && !page.contains("Not yet committed")
    );
    assert!(b.file("feed.xml").contains("<published>2021-02-10T00:00:00Z</published>"));
    drop(tmp);
}

#[test]
fn an_archive_in_a_subfolder_of_the_repository_gets_its_history() {
    let tmp = TempDir::new("subfolder");
    let repo_dir = tmp.path().join("repo");
    let root = repo_dir.join("docs/postmortems");
    std::fs::create_dir_all(&root).unwrap();
    git(&repo_dir, "2021-03-01 10:00:00 +0000", &["init", "-q", "-b", "main"]);
    write(&root, "content/incidents/x.md", &incident("Sub folder", "2021-02-10", BODY));
    git(&repo_dir, "2021-03-01 10:00:00 +0000", &["add", "-A"]);
    git(&repo_dir, "2021-03-01 10:00:00 +0000", &["commit", "-q", "-m", "Add x"]);
    let b = ok(build_at(TempDir::new("subfolder-out"), root.clone(), &[]));
    assert_eq!(subjects(&b.page("/incidents/x/")), ["Add x"]);
    let b = ok(build_at(TempDir::new("subfolder-rev"), root, &["--rev", "HEAD"]));
    assert_eq!(subjects(&b.page("/incidents/x/")), ["Add x"]);
    drop(tmp);
}
