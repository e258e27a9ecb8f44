//! Slugs: the URL-safe form of ids, tags, services and causes.
//!
//! `"Missing Monitoring"` and `missing-monitoring` must land on the same
//! page, so every free-text keyword is compared by its slug.

/// Lowercase ASCII letters, digits and single hyphens (`slug` crate rules,
/// which also transliterate accents: "Détection" becomes "detection").
pub fn slugify(text: &str) -> String {
    slug::slugify(text)
}

/// Whether `id` is already in slug form, as an explicit `id:` must be.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty() && slugify(id) == id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_fold_together() {
        assert_eq!(slugify("Missing Monitoring"), "missing-monitoring");
        assert_eq!(slugify("missing-monitoring"), "missing-monitoring");
        assert_eq!(slugify("  Détection_Gap!! "), "detection-gap");
        assert!(is_slug("koa2-install"));
        assert!(!is_slug("Koa2 Install"));
        assert!(!is_slug(""));
    }
}
