//! Slugs: the URL-safe form of ids, tags, services and causes.
//!
//! `"Missing Monitoring"` and `missing-monitoring` must land on the same
//! page, so every free-text keyword is compared by its slug. A slug is also
//! a folder name in the output, so it is kept short enough for any file
//! system (a 300-character tag must not fail the build with "File name too
//! long").

/// The file name of a document without its folder and its `.md` (or
/// `.markdown`): what an incident's, cause's or page's id is made from
/// (see [`id_from_file_name`]).
pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").or_else(|| name.strip_suffix(".markdown")).unwrap_or(name)
}

/// The id a document gets from its file name when its front matter sets
/// none: the [`slugify`] of its [`file_stem`]. The one rule for parsing
/// incidents, causes and pages, and for the ids git history says a renamed
/// file had.
pub fn id_from_file_name(path: &str) -> String {
    slugify(file_stem(path))
}

/// Longest slug kept as it is; longer ones are shortened by [`slugify`].
pub const MAX_LEN: usize = 80;

/// How much of a long slug is kept before the hash.
const PREFIX_LEN: usize = 70;

/// Lowercase ASCII letters, digits and single hyphens (`slug` crate rules,
/// which also transliterate accents: "Détection" becomes "detection").
///
/// A slug longer than [`MAX_LEN`] becomes its first words (at most 70
/// characters, cut at a hyphen) plus `-` and 8 hex digits of a hash of the
/// whole slug: stable across builds, machines and versions, and different
/// for texts that share a long beginning. The result is a slug again, so
/// `slugify(slugify(x)) == slugify(x)`.
pub fn slugify(text: &str) -> String {
    shorten(slug::slugify(text))
}

/// Whether `id` is already in slug form, as an explicit `id:` must be. A
/// long id in slug form is accepted: it stands for its shortened form.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty() && slug::slugify(id) == id
}

/// The id an incident or a reference to one stands for: a slug as it is,
/// shortened when long (see [`slugify`]). Anything else is left alone, to be
/// reported (or not found) as written.
pub fn canonical_id(id: &str) -> String {
    if id.len() > MAX_LEN && is_slug(id) {
        shorten(id.to_string())
    } else {
        id.to_string()
    }
}

fn shorten(slug: String) -> String {
    if slug.len() <= MAX_LEN {
        return slug;
    }
    // The slug crate writes ASCII only, so byte offsets are char boundaries.
    let head = &slug[..PREFIX_LEN];
    let head = match head.rfind('-') {
        Some(cut) if cut >= PREFIX_LEN / 2 => &head[..cut],
        _ => head.trim_end_matches('-'),
    };
    format!("{head}-{:08x}", fnv1a32(slug.as_bytes()))
}

/// FNV-1a (32 bits): fixed, documented and seedless, unlike std's hasher,
/// whose output may change between Rust releases and runs.
fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_stem_drops_the_folder_and_one_markdown_extension() {
        assert_eq!(file_stem("content/incidents/2024/db-outage.md"), "db-outage");
        assert_eq!(file_stem("notes/db-outage.markdown"), "db-outage");
        assert_eq!(file_stem("db.md.md"), "db.md");
        assert_eq!(file_stem("README"), "README");
    }

    #[test]
    fn an_id_from_a_file_name_is_the_slug_of_its_stem() {
        assert_eq!(id_from_file_name("content/incidents/2024-03-01 Payroll outage.md"), "2024-03-01-payroll-outage");
        assert_eq!(id_from_file_name("postmortems/PM2019-009 - Kubernetes.markdown"), "pm2019-009-kubernetes");
        assert_eq!(id_from_file_name("content/causes/.md"), "");
    }

    #[test]
    fn spellings_fold_together() {
        assert_eq!(slugify("Missing Monitoring"), "missing-monitoring");
        assert_eq!(slugify("missing-monitoring"), "missing-monitoring");
        assert_eq!(slugify("  Détection_Gap!! "), "detection-gap");
        assert!(is_slug("koa2-install"));
        assert!(!is_slug("Koa2 Install"));
        assert!(!is_slug(""));
    }

    #[test]
    fn fnv_matches_the_reference_vectors() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a32(b""), 0x811c9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c292c);
        assert_eq!(fnv1a32(b"foobar"), 0xbf9cf968);
    }

    #[test]
    fn long_slugs_are_shortened_stably() {
        let words = "the database failover did not trigger because the health check was cached for ten minutes";
        let s = slugify(words);
        assert!(s.len() <= MAX_LEN, "{s}");
        assert!(s.starts_with("the-database-failover-did-not-trigger-because-the-health-check-was"), "{s}");
        assert_eq!(s, slugify(&words.to_uppercase()), "spellings still fold together");
        assert_eq!(slugify(&s), s, "a shortened slug is a slug");
        assert!(is_slug(&s));
        let other = slugify(&format!("{words} again"));
        assert_ne!(s, other, "a shared beginning does not make two slugs equal");
        assert_eq!(other.len(), s.len());
        // One unbroken word is cut at 70 characters.
        let long = "x".repeat(300);
        let s = slugify(&long);
        assert_eq!(s.len(), 79);
        assert!(s.starts_with(&"x".repeat(70)));
        // At the limit nothing changes.
        assert_eq!(slugify(&"y".repeat(MAX_LEN)), "y".repeat(MAX_LEN));
    }
}
