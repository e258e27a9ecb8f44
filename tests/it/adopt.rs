//! Adopting postmortem repositories that were not written for rca-site, in
//! place: `rca-site init`, then `check` and `build`, with no file moved or
//! edited. Each test makes a real git repository in one of the shapes real
//! archives have:
//!
//! - A: Markdown at the root and in `postmortems/`, no front matter, a file
//!   without an extension, a README, a LICENSE and a template beside them;
//! - B: YAML front matter in the collection's own schema, adopted with a
//!   `[fields]` mapping and `[extra]`;
//! - C: rca-site-like sections, moved into `content/incidents/` with `git mv`.

use crate::harness as common;

use std::path::Path;

use common::*;

fn git(dir: &Path, date: &str, args: &[&str]) -> String {
    git_as(dir, date, ("Robin Oncall", "robin@mail.invalid"), args)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn commit_all(root: &Path, date: &str, subject: &str) {
    git(root, date, &["add", "-A"]);
    git(root, date, &["commit", "-q", "-m", subject]);
}

fn new_repo(label: &str) -> TempDir {
    let tmp = TempDir::new(label);
    git(tmp.path(), "2019-01-01T00:00:00Z", &["init", "-q", "-b", "main"]);
    tmp
}

/// `check` then `build` of `root` into `out`; both must pass.
fn check_and_build(root: &Path, out: &Path) -> (String, String) {
    let c = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(c.status.code(), Some(0), "check failed:\n{}", stderr(&c));
    let b = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(b.status.code(), Some(0), "build failed:\n{}", stderr(&b));
    (stderr(&c), stderr(&b))
}

fn incidents_json(out: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(out.join("incidents.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["incidents"].as_array().unwrap().clone()
}

fn by_title<'a>(incidents: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    incidents.iter().find(|i| i["title"] == title).unwrap_or_else(|| {
        let titles: Vec<&serde_json::Value> = incidents.iter().map(|i| &i["title"]).collect();
        panic!("no incident titled {title:?}; titles: {titles:?}")
    })
}

/// Every HTML page of a built site.
fn html_pages(out: &Path) -> Vec<(String, String)> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            (e.path().strip_prefix(out).unwrap().display().to_string(), std::fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

/// Shape A: postmortems where the team keeps them, no front matter.
fn shape_a(root: &Path) {
    write(root, "README.md", "# Umbra Networks postmortems\n\nEvery outage we wrote up, in the open.\n");
    write(root, "LICENSE", "CC BY 4.0\n");
    write(
        root,
        "Postmortem template.md",
        "# Incident Title\n\n## Summary\n\n## Timeline\n\n## Root cause\n\n## Action items\n",
    );
    write(
        root,
        "PM2019-009 - Kubernetes outage",
        "# Kubernetes control plane outage\n\n## Timeline\n\n* March 3, 2019 09:12 — API server stops answering\n* March 3, 2019 10:40 — etcd restored\n\n## Root cause\n\netcd ran out of disk.\n",
    );
    commit_all(root, "2019-03-05T10:00:00Z", "PM2019-009: Kubernetes outage write-up");
    write(
        root,
        "PM2021-005 - All services returning 503.md",
        "# PM2021-005 - All services returning 503\n\n## Summary\n\nThe edge proxies rejected every request. It started on a Sunday; the database side is in [the failover review](<postmortems/2019-03-12-db-failover.md>).\n\n## Timeline\n\n- 14:02 alerts\n- 14:31 rollback finished\n\n## Impact\n\nAll customers for 29 minutes.\n",
    );
    write(
        root,
        "postmortems/2019-03-12-db-failover.md",
        "Database failover left replicas behind\n======================================\n\n## Timeline\n\n| Time (UTC) | What happened |\n|---|---|\n| 2019-03-11 23:50 | Primary disk fills |\n| 2019-03-12 00:20 | Failover |\n\nThe same week as [the 503s](../PM2021-005%20-%20All%20services%20returning%20503.md).\n\n## Action items\n\n- Alert on replica lag\n",
    );
    write(
        root,
        "postmortems/3f2b8c9e-1d4a-4b7e-9c0f-2a6d8e1b5c3f.md",
        "# Cache stampede after a deploy\n\n## Root cause\n\nEvery key expired at once.\n\n## Lessons learned\n\nJitter the TTLs.\n",
    );
    // A bulk commit touching every postmortem (a formatting pass).
    commit_all(root, "2021-06-01T09:00:00Z", "Add the 2021 write-ups and the failover review");
}

fn git_status(root: &Path) -> String {
    git(root, "2030-01-01T00:00:00Z", &["status", "--porcelain", "--untracked-files=all"])
}

#[test]
fn shape_a_is_published_after_init_alone() {
    let repo = new_repo("adopt-a");
    let root = repo.path();
    shape_a(root);

    let o = rca(&["init", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "init failed:\n{}", stderr(&o));
    let report = stderr(&o);
    assert!(report.contains("found 4 postmortems"), "{report}");
    assert!(report.contains("Postmortem template.md") && report.contains("README.md"), "{report}");
    // Adoption changed no file but rca-site.toml.
    assert_eq!(git_status(root), "?? rca-site.toml\n");
    let toml = std::fs::read_to_string(root.join("rca-site.toml")).unwrap();
    assert!(toml.contains("title = \"Umbra Networks postmortems\""), "{toml}");
    assert!(toml.contains("severities = []"), "{toml}");

    let tmp = TempDir::new("adopt-a-out");
    let out = tmp.path().join("public");
    let (check, _) = check_and_build(root, &out);
    assert!(check.contains("Checked 4 incidents"), "{check}");
    assert!(check.contains("3f2b8c9e-1d4a-4b7e-9c0f-2a6d8e1b5c3f.md:1:1: warning: no date"), "{check}");
    assert_eq!(git_status(root), "?? rca-site.toml\n", "check and build wrote nothing into the repository");

    let incidents = incidents_json(&out);
    assert_eq!(incidents.len(), 4, "README, LICENSE and the template are not incidents");
    assert!(!incidents.iter().any(|i| i["title"] == "Incident Title"));

    // Titles from the first H1 (ATX or setext), also in a file without an extension.
    let k8s = by_title(&incidents, "Kubernetes control plane outage");
    assert_eq!(k8s["date"], "2019-03-03", "the first full date of the timeline");
    let pm = by_title(&incidents, "PM2021-005 - All services returning 503");
    assert_eq!((&pm["date"], &pm["date_precision"]), (&"2021".into(), &"year".into()), "only a year in the file name");
    let db = by_title(&incidents, "Database failover left replicas behind");
    assert_eq!(db["date"], "2019-03-11", "the timeline before the file name");
    let cache = by_title(&incidents, "Cache stampede after a deploy");
    assert!(cache["date"].is_null());
    assert_eq!(cache["date_precision"], "unknown");

    // History: the first commit of each file, and the bulk commit kept.
    assert!(k8s["published"].as_str().unwrap().starts_with("2019-03-05"), "{k8s}");
    assert!(pm["published"].as_str().unwrap().starts_with("2021-06-01"), "{pm}");

    // The title is not shown twice; links with spaces resolve.
    let page = std::fs::read_to_string(out.join("incidents/pm2021-005-all-services-returning-503/index.html")).unwrap();
    assert_eq!(page.matches("PM2021-005 - All services returning 503</h1>").count(), 1, "the H1 appears once");
    assert!(page.contains("href=\"/incidents/2019-03-12-db-failover/\""), "<…> link");
    assert!(!page.contains("Jan 2021"), "times without a day are not put on an invented day");
    let db_page = std::fs::read_to_string(out.join("incidents/2019-03-12-db-failover/index.html")).unwrap();
    assert!(db_page.contains("href=\"/incidents/pm2021-005-all-services-returning-503/\""), "percent-encoded link");
    assert!(!db_page.contains("======"), "the setext title is not rendered again");

    // Date unknown: listed last, left out of the charts, which say so.
    let list = std::fs::read_to_string(out.join("incidents/index.html")).unwrap();
    let unknown = list.find("id=\"y-unknown\"").expect("a Date unknown section");
    assert!(list.find("id=\"y2019\"").unwrap() < unknown && list.find("id=\"y2021\"").unwrap() < unknown);
    let stats = std::fs::read_to_string(out.join("stats/index.html")).unwrap();
    assert!(stats.contains("1 incident with no date is not drawn"), "stats says what it leaves out");

    // severities = []: no severity anywhere.
    for (path, html) in html_pages(&out) {
        assert!(!html.to_lowercase().contains("severity"), "{path} mentions severity");
    }
    assert!(!out.join("severity").exists());
}

#[test]
fn init_never_overwrites_and_finds_nothing_in_an_empty_repository() {
    let repo = new_repo("adopt-init");
    let root = repo.path();
    write(root, "notes.md", "# Shopping list\n\nMilk.\n");
    let o = rca(&["init", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("found no postmortems"), "{}", stderr(&o));
    assert!(!root.join("rca-site.toml").exists());

    shape_a(root);
    write(root, "rca-site.toml", "title = \"Mine\"\n");
    let o = rca(&["init", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists") && stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(root.join("rca-site.toml")).unwrap(), "title = \"Mine\"\n");
    let o = rca(&["init", "--force", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(root.join("rca-site.toml")).unwrap().contains("incidents = "));
}

/// Shape B: the collection's own schema. Some entries lack a title, some
/// lack every date, one is from 1628.
fn shape_b(root: &Path) {
    let entries = [
        (
            "a1b2c3d4-0000-4000-8000-000000000001",
            "title: \"Azure Front Door outage\"\nstart_time: 2021-10-13T09:00:00Z\nend_time: 2021-10-13T11:30:00Z\n",
            "Microsoft",
            "Azure",
        ),
        ("a1b2c3d4-0000-4000-8000-000000000002", "start_time: 2019-07-02T13:42:00Z\n", "Cloudflare", "WAF"),
        (
            "a1b2c3d4-0000-4000-8000-000000000003",
            "title: \"Vasa capsizes on its maiden voyage\"\nsource_published_at: 1628\n",
            "Swedish Navy",
            "",
        ),
        ("a1b2c3d4-0000-4000-8000-000000000004", "title: \"GitLab database deletion\"\n", "GitLab", "GitLab.com"),
        (
            "a1b2c3d4-0000-4000-8000-000000000005",
            "title: \"S3 us-east-1 disruption\"\nstart_time: 2017-02-28T17:37:00Z\nend_time: 2017-02-28T21:54:00Z\n",
            "AWS",
            "S3",
        ),
    ];
    for (n, (uuid, keys, company, product)) in entries.iter().enumerate() {
        let text = format!(
            "---\nuuid: {uuid}\nurl: https://example.org/postmortems/{n}\narchive_url: \"\"\n{keys}categories:\n- config-change\n- cloud\nkeywords: [outage, postmortem-{n}]\ncompany: {company}\nproduct: {product}\nsummary: \"Entry {n} of the collection.\"\n---\n\nWhat happened, in the collection's words.\n"
        );
        write(root, &format!("data/{uuid}.md"), &text);
    }
    commit_all(root, "2022-01-10T12:00:00Z", "Import the collection");
}

const B_MAPPING: &str = r#"title = "Public postmortem collection"
severities = []
incidents = ["data/*.md"]

[fields]
title = ["title", "{company} {product} incident"]
date = ["start_time", "source_published_at"]
started = "start_time"
resolved = "end_time"
causes = "categories"
services = "company"
tags = "keywords"

[extra]
url = "Source"
archive_url = "Archived copy"
product = "Product"
uuid = "Collection id"
"#;

#[test]
fn shape_b_is_published_with_a_mapping() {
    let repo = new_repo("adopt-b");
    let root = repo.path();
    shape_b(root);

    // Without a mapping each archive key is one clear error.
    write(root, "rca-site.toml", "incidents = [\"data/*.md\"]\n");
    let o = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("unknown key `categories`") && e.contains("[fields]") && e.contains("[extra]"), "{e}");
    assert!(!e.contains("did not find expected"), "no spurious YAML error on the indentless list: {e}");
    std::fs::remove_file(root.join("rca-site.toml")).unwrap();

    // init proposes a mapping of its own; the user's mapping is used here.
    let o = rca(&["init", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let proposed = std::fs::read_to_string(root.join("rca-site.toml")).unwrap();
    assert!(proposed.contains("started = \"start_time\""), "{proposed}");
    assert!(proposed.contains("causes = \"categories\""), "{proposed}");
    assert!(proposed.contains("tags = \"keywords\""), "{proposed}");
    assert!(proposed.contains("date = [\"start_time\", \"source_published_at\"]"), "{proposed}");
    assert!(proposed.contains("archive_url = \"Archive url\""), "{proposed}");
    assert!(stderr(&o).contains("1 file has no title"), "{}", stderr(&o));
    assert_eq!(git_status(root), "?? rca-site.toml\n");

    std::fs::write(root.join("rca-site.toml"), B_MAPPING).unwrap();
    let tmp = TempDir::new("adopt-b-out");
    let out = tmp.path().join("public");
    let (check, _) = check_and_build(root, &out);
    assert!(check.contains("warning: no date"), "{check}");
    let incidents = incidents_json(&out);
    assert_eq!(incidents.len(), 5);
    let waf = by_title(&incidents, "Cloudflare WAF incident");
    assert_eq!(waf["date"], "2019-07-02T13:42:00Z");
    assert_eq!(waf["date_sort"], "2019-07-02");
    assert_eq!(waf["extra"]["url"][0], "https://example.org/postmortems/1");
    assert!(waf["extra"].get("archive_url").is_none(), "an empty value is left out");
    assert_eq!(waf["causes"], serde_json::json!(["config-change", "cloud"]));
    let vasa = by_title(&incidents, "Vasa capsizes on its maiden voyage");
    assert_eq!((&vasa["date"], &vasa["date_precision"]), (&"1628".into(), &"year".into()));
    let s3 = by_title(&incidents, "S3 us-east-1 disruption");
    assert_eq!(s3["time_to_resolve"], 4 * 3600 + 17 * 60);
    let gitlab = by_title(&incidents, "GitLab database deletion");
    assert!(gitlab["date"].is_null());
    assert_eq!(incidents.last().unwrap()["title"], "GitLab database deletion", "date unknown is listed last");

    // The extra fields in the details panel, a URL as a link.
    let page = std::fs::read_to_string(out.join("incidents/a1b2c3d4-0000-4000-8000-000000000001/index.html")).unwrap();
    assert!(page.contains("<dt>Source</dt><dd><a href=\"https://example.org/postmortems/0\""), "{page}");
    assert!(page.contains("<dt>Product</dt><dd>Azure</dd>"));
    let vasa_page =
        std::fs::read_to_string(out.join("incidents/a1b2c3d4-0000-4000-8000-000000000003/index.html")).unwrap();
    assert!(vasa_page.contains(">1628</time>"), "shown at the precision given");
    assert!(!vasa_page.contains("1 Jan 1628") && !vasa_page.contains("1628-01-01"), "no invented day");
}

#[test]
fn mapped_key_errors_point_at_the_archives_key() {
    let repo = new_repo("adopt-b-bad");
    let root = repo.path();
    write(root, "rca-site.toml", B_MAPPING);
    write(root, "data/x.md", "---\ntitle: T\nstart_time: last tuesday\nregion:\n- eu\n- us\n---\n");
    let o = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("data/x.md:3:13: start_time \"last tuesday\" is not a valid date"), "{e}");
    assert!(e.contains("data/x.md:4:1: front matter: unknown key `region`"), "{e}");
    assert!(!e.contains("did not find expected"), "{e}");
}

/// Shape C: rca-site-like sections, first at the root, then moved into
/// content/incidents/ in a commit of their own.
#[test]
fn shape_c_keeps_its_history_across_a_move_into_content() {
    let repo = new_repo("adopt-c");
    let root = repo.path();
    let doc = |title: &str, day: &str| {
        format!(
            "# {title}\n\n## Summary\n\nShort.\n\n## Timeline\n\n- {day} 10:00 paged\n- {day} 10:45 fixed\n\n## Contributing Factors\n\nA missing alert.\n\n## Root cause\n\nA full disk.\n\n## Action Items\n\n- Add the alert\n\n## Lessons Learned\n\nWatch disks.\n\n## Stats\n\nTime to detection: 8 minutes\n"
        )
    };
    write(root, "disk-full.md", &doc("Disk full on the build server", "2020-04-01"));
    commit_all(root, "2020-04-02T08:00:00Z", "Write up the disk incident");
    write(root, "queue-stall.md", &doc("Job queue stalled", "2020-09-09"));
    commit_all(root, "2020-09-10T08:00:00Z", "Write up the queue stall");
    write(root, "disk-full.md", &(doc("Disk full on the build server", "2020-04-01") + "\nFollow-up: done.\n"));
    commit_all(root, "2020-10-01T08:00:00Z", "Follow-up on the disk incident");
    std::fs::create_dir_all(root.join("content/incidents")).unwrap();
    git(root, "2021-01-05T08:00:00Z", &["mv", "disk-full.md", "content/incidents/disk-full.md"]);
    git(root, "2021-01-05T08:00:00Z", &["mv", "queue-stall.md", "content/incidents/queue-stall.md"]);
    git(root, "2021-01-05T08:00:00Z", &["commit", "-q", "-m", "Move the postmortems into content/incidents"]);

    let tmp = TempDir::new("adopt-c-out");
    let out = tmp.path().join("public");
    check_and_build(root, &out);
    let incidents = incidents_json(&out);
    let disk = by_title(&incidents, "Disk full on the build server");
    assert_eq!(disk["date"], "2020-04-01");
    assert!(disk["published"].as_str().unwrap().starts_with("2020-04-02"), "created before the move: {disk}");
    let page = std::fs::read_to_string(out.join("incidents/disk-full/index.html")).unwrap();
    for subject in
        ["Write up the disk incident", "Follow-up on the disk incident", "Move the postmortems into content/incidents"]
    {
        assert!(page.contains(subject), "revision {subject:?} kept");
    }
    assert!(!page.contains("Write up the queue stall"));
    let queue = by_title(&incidents, "Job queue stalled");
    assert!(queue["published"].as_str().unwrap().starts_with("2020-09-10"), "{queue}");
    assert!(page.contains("Contributing Factors") && page.contains("Lessons Learned"));
}

/// `--rev` reads the incident files the globs select outside content/
/// from the commit's tree.
#[test]
fn a_rev_build_reads_adopted_files_from_the_commit() {
    let repo = new_repo("adopt-rev");
    let root = repo.path();
    shape_a(root);
    let o = rca(&["init", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    commit_all(root, "2021-07-01T09:00:00Z", "Publish with rca-site");
    std::fs::remove_file(root.join("PM2019-009 - Kubernetes outage")).unwrap();
    let tmp = TempDir::new("adopt-rev-out");
    let out = tmp.path().join("public");
    let b = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "--rev", "HEAD"]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(incidents_json(&out).len(), 4, "the commit still has the deleted file");
}

/// `published:` overrides the git created date (history lost in a migration).
#[test]
fn published_in_front_matter_overrides_the_git_date() {
    let repo = new_repo("adopt-published");
    let root = repo.path();
    write(
        root,
        "content/incidents/migrated.md",
        "---\ntitle: Migrated from the wiki\ndate: 2016-03\npublished: 2016-04-02\n---\nBody.\n",
    );
    write(root, "content/incidents/fresh.md", "---\ntitle: Written here\ndate: 2022-05-01\n---\nBody.\n");
    commit_all(root, "2023-02-01T10:00:00Z", "Import from the wiki");
    let tmp = TempDir::new("adopt-published-out");
    let out = tmp.path().join("public");
    check_and_build(root, &out);
    let incidents = incidents_json(&out);
    let migrated = by_title(&incidents, "Migrated from the wiki");
    assert!(migrated["published"].as_str().unwrap().starts_with("2016-04-02"), "{migrated}");
    assert_eq!((&migrated["date"], &migrated["date_sort"]), (&"2016-03".into(), &"2016-03-01".into()));
    assert!(by_title(&incidents, "Written here")["published"].as_str().unwrap().starts_with("2023-02-01"));
    let page = std::fs::read_to_string(out.join("incidents/migrated/index.html")).unwrap();
    assert!(page.contains("2 Apr 2016"), "the page says when it was published");
    assert!(page.contains(">Mar 2016</time>"), "the date at month precision");
    let feed = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(feed.contains("<published>2016-04-02T00:00:00Z</published>"), "{feed}");
}
