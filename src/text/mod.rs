//! Words for counts, so that no page says "1 incidents". Templates use
//! Tera's built-in `pluralize` filter (`incident{{ n | pluralize }}`); Rust
//! code that writes sentences uses [`count`].
//!
//! [`tokenize`] splits text into words the one way both the search index
//! and the related-incidents score read it.

pub mod tokenize;

/// `count(1, "incident")` is "1 incident", `count(3, "action item")` is
/// "3 action items", `count(0, "day")` is "0 days". Every noun the site
/// counts has a regular plural (an added "s").
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(count(1, "incident"), "1 incident");
        assert_eq!(count(0, "incident"), "0 incidents");
        assert_eq!(count(2, "action item"), "2 action items");
        assert_eq!(count(11, "day"), "11 days");
    }
}
