//! The one place that knows which YAML crate we use (serde-saphyr).
//!
//! serde-saphyr is maintained, pure Rust, and its `Spanned<T>` gives every
//! value its line and column, which `file:line:col` errors need. Swapping the
//! crate means changing this module only.

use serde::de::DeserializeOwned;

use crate::diagnostics::Pos;

/// A value with the position it was read from (1-based line and column
/// within the YAML text, not the file).
pub type Spanned<T> = serde_saphyr::Spanned<T>;

/// A YAML syntax or shape error, positioned in the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// Deserializes YAML, refusing duplicate keys and documents that are not a
/// single mapping.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_saphyr::from_str::<T>(text).map_err(|e| {
        let pos = e
            .location()
            .filter(|l| l.line() > 0)
            .map_or(Pos::START, |l| Pos::new(l.line() as usize, l.column().max(1) as usize));
        YamlError { pos, message: plain_message(&e.without_snippet().to_string()) }
    })
}

/// Where a spanned value was written, within the YAML text.
pub fn pos<T>(s: &Spanned<T>) -> Pos {
    let l = s.referenced;
    if l.line() == 0 {
        Pos::START
    } else {
        Pos::new(l.line() as usize, l.column().max(1) as usize)
    }
}

/// Drops the crate's own " at line X, column Y" (we print positions
/// ourselves, relative to the file) and rephrases parser jargon into what
/// the author should write.
fn plain_message(raw: &str) -> String {
    let mut msg = raw.trim();
    if let Some(i) = msg.rfind(" at line ") {
        msg = &msg[..i];
    }
    if let Some(rest) = msg.strip_prefix("error: ") {
        msg = rest;
    }
    let msg = msg.trim();
    match msg {
        "expected sequence start" => "expected a list, e.g. [a, b]".to_string(),
        "expected string scalar" => "expected a single value (text), not a list or mapping".to_string(),
        "expected mapping start" | "expected struct mapping start" => {
            "expected a mapping of `key: value` lines".to_string()
        }
        m if m.starts_with("duplicate mapping key") => {
            let key = m.trim_start_matches("duplicate mapping key:").split(',').next().unwrap_or("").trim();
            format!("key `{key}` appears twice; expected each key once")
        }
        m if m.starts_with("unknown field") => m.replace("expected one of", "expected one of:"),
        m => m.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[allow(dead_code)]
        a: Option<Spanned<String>>,
        b: Option<Vec<Spanned<String>>>,
    }

    #[test]
    fn positions_and_messages() {
        let d: Doc = from_str("a: x\nb: [p, q]\n").unwrap();
        let b = d.b.unwrap();
        assert_eq!(pos(&b[1]), Pos::new(2, 8));

        let e = from_str::<Doc>("a: x\nzz: 1\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 1));
        assert!(e.message.starts_with("unknown field `zz`, expected one of: a, b"), "{}", e.message);

        let e = from_str::<Doc>("b: p\n").unwrap_err();
        assert_eq!(e.message, "expected a list, e.g. [a, b]");

        let e = from_str::<Doc>("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.message, "key `a` appears twice; expected each key once");
    }
}
