//! Golden files for small pages whose every byte is part of the contract:
//! robots.txt, a cause page, the Atom feed and incidents.json of a
//! three-incident archive with no git history (so every date is from the
//! front matter and only the build date, masked, changes between builds).
//! A change to them is read as a diff: `RCA_UPDATE_GOLDEN=1 cargo test
//! --test it snapshots` rewrites `tests/it/golden/`.

use crate::harness::golden::assert_golden;
use crate::harness::*;

const FILES: &[(&str, &str)] = &[
    ("rca-site.toml", "title = \"Golden\"\nbase_url = \"https://golden.example/archive\"\n"),
    (
        "content/incidents/upload-outage.md",
        "---\ntitle: Uploads failed & nobody knew\ndate: 2021-03-04\nseverity: SEV2\ncauses: [no-monitoring]\nservices: [uploads]\ntags: [storage]\nsummary: The upload disk filled up.\n---\nThe disk filled.\n",
    ),
    (
        "content/incidents/queue-stall.md",
        "---\ntitle: Queue stalled\ndate: 2022-05-06\nseverity: SEV3\ncauses: [no-monitoring, manual-deploy-steps]\nservices: [queue]\n---\nThe queue stalled. Like [[upload-outage]].\n",
    ),
    (
        "content/incidents/hidden.md",
        "---\ntitle: LEAKCANARY internal\ndate: 2022-01-01\nvisibility: internal\ncauses: [no-monitoring]\n---\nSecret.\n",
    ),
    ("content/causes/no-monitoring.md", "---\ntitle: No monitoring\n---\nNothing watched the thing that broke.\n"),
];

fn golden_site() -> Site {
    let tmp = TempDir::new("golden");
    let root = tmp.path().join("archive");
    for (rel, text) in FILES {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = tmp.path().join("public");
    let output = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    Site { tmp, out, output }.ok()
}

#[test]
fn golden_robots_cause_page_feed_and_json() {
    let site = golden_site();
    for (path, golden) in [
        ("robots.txt", "robots.txt"),
        ("causes/no-monitoring/index.html", "cause-no-monitoring.html"),
        ("feed.xml", "feed.xml"),
        ("incidents.json", "incidents.json"),
    ] {
        assert_golden(golden, &site.file(path));
    }
    site.nowhere("LEAKCANARY");
}
