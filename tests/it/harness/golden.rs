//! Golden files: small, stable pages compared byte for byte with a copy
//! kept under `tests/it/golden/`, the build date masked.
//! `RCA_UPDATE_GOLDEN=1 cargo test --test it golden` rewrites the copies
//! (read the diff before committing it).

use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/golden")
}

/// Masks what differs from one build to the next: the footer's build date
/// and incidents.json's `generated`.
pub fn mask_build_time(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if let Some(at) = line.find("Built with rca-site on <time") {
            let end = line[at..].find("</time>").map_or(line.len(), |e| at + e + "</time>".len());
            out.push_str(&line[..at]);
            out.push_str("Built with rca-site on <time>BUILD-DATE</time>");
            out.push_str(&line[end..]);
        } else if let Some((at, key)) =
            ["\"generated\": \"", "\"generated\":\""].iter().find_map(|k| line.find(k).map(|at| (at, *k)))
        {
            // Pretty-printed or compact (incidents.json is compact).
            let end = line[at..].find("\",").map_or(line.len(), |e| at + e + 1);
            out.push_str(&line[..at]);
            out.push_str(key);
            out.push_str("BUILD-TIME\"");
            out.push_str(&line[end..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Compares `actual` (masked) with `tests/it/golden/<name>`, or writes it
/// there when RCA_UPDATE_GOLDEN=1.
pub fn assert_golden(name: &str, actual: &str) {
    let path = dir().join(name);
    let actual = mask_build_time(actual);
    if std::env::var("RCA_UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; RCA_UPDATE_GOLDEN=1 writes it", path.display()));
    if want != actual {
        let line = want
            .lines()
            .zip(actual.lines())
            .position(|(w, a)| w != a)
            .unwrap_or(want.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from {} from line {}:\n  want: {:?}\n  got:  {:?}\n(RCA_UPDATE_GOLDEN=1 rewrites it; read the diff)",
            path.display(),
            line + 1,
            want.lines().nth(line).unwrap_or("(end)"),
            actual.lines().nth(line).unwrap_or("(end)")
        );
    }
}

#[test]
fn masking_leaves_everything_but_the_build_time() {
    let page = "<p>Built with rca-site on <time datetime=\"2026-12-01\">2026-12-01</time>\n</p>\n";
    assert_eq!(mask_build_time(page), "<p>Built with rca-site on <time>BUILD-DATE</time>\n</p>\n");
    let json = "{\n  \"generated\": \"2026-12-01T22:38:31Z\",\n  \"x\": 1\n}\n";
    assert_eq!(mask_build_time(json), "{\n  \"generated\": \"BUILD-TIME\",\n  \"x\": 1\n}\n");
    let compact = "{\"version\":1,\"generated\":\"2026-12-01T22:38:31Z\",\"x\":1}\n";
    assert_eq!(mask_build_time(compact), "{\"version\":1,\"generated\":\"BUILD-TIME\",\"x\":1}\n");
    assert_eq!(mask_build_time("2026-12-01\n"), "2026-12-01\n");
}
