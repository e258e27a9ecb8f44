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

/// How deep front matter may nest (mappings and sequences, block or
/// flow). Real front matter is two or three levels deep; the parser's own
/// limits (64 block, 255 flow) let a deeply nested value recurse past the
/// stack of a rayon worker thread (2 MiB) and abort the whole process.
pub const MAX_DEPTH: usize = 32;

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Deserializes YAML, refusing duplicate keys and documents that are not a
/// single mapping.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_saphyr::from_str_with_options::<T>(text, options()).map_err(|e| {
        let pos = e
            .location()
            .filter(|l| l.line() > 0)
            .map_or(Pos::START, |l| Pos::new(l.line() as usize, l.column().max(1) as usize));
        YamlError { pos, message: plain_message(&e.without_snippet().to_string()) }
    })
}

/// A front-matter value of any shape, for archives whose keys rca-site
/// does not know in advance (`[fields]`, `[extra]`). Scalars keep their
/// text (numbers and booleans as written by YAML's rules, `null` as
/// [`Value::Null`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    List(Vec<Spanned<Value>>),
    Map(Mapping),
}

/// A YAML mapping in the order written, each key with its position.
pub type Mapping = Vec<(Spanned<String>, Spanned<Value>)>;

impl Value {
    /// Empty: null, blank text, or an empty list or mapping.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Text(t) => t.trim().is_empty(),
            Value::List(l) => l.iter().all(|v| v.value.is_empty()),
            Value::Map(m) => m.is_empty(),
        }
    }

    /// The text of a scalar; `None` for a list or mapping.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Null => Some(""),
            _ => None,
        }
    }
}

/// A mapping key of any scalar kind (`2021: x` is a key too).
struct KeyText(String);

impl<'de> serde::Deserialize<'de> for KeyText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match <Value as serde::Deserialize>::deserialize(d)? {
            Value::Text(t) => Ok(KeyText(t)),
            Value::Null => Ok(KeyText(String::new())),
            _ => Err(serde::de::Error::custom("expected a plain key, not a list or mapping")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Text(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Text(v.to_string()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
                Ok(Value::Text(v.to_string()))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
                Ok(Value::Text(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Text(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Text(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Value, E> {
                Ok(Value::Text(v))
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                <Value as serde::Deserialize>::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Spanned<Value>>()? {
                    out.push(v);
                }
                Ok(Value::List(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut out: Mapping = Vec::new();
                while let Some(k) = map.next_key::<Spanned<KeyText>>()? {
                    let v = map.next_value::<Spanned<Value>>()?;
                    if out.iter().any(|(have, _)| have.value == k.value.0) {
                        return Err(serde::de::Error::custom(format!("duplicate mapping key: {}", k.value.0)));
                    }
                    let key = Spanned::new(k.value.0, k.referenced, k.defined);
                    out.push((key, v));
                }
                Ok(Value::Map(out))
            }
        }
        d.deserialize_any(V)
    }
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

    #[test]
    fn any_value_with_positions() {
        let v: Spanned<Value> =
            from_str("title: T\ncategories:\n- cloud\n- dns\nyear: 1628\nflag: true\nempty:\n").unwrap();
        let Value::Map(m) = v.value else { panic!("{v:?}") };
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.value.as_str()).collect();
        assert_eq!(keys, ["title", "categories", "year", "flag", "empty"]);
        assert_eq!(pos(&m[1].0), Pos::new(2, 1));
        let Value::List(l) = &m[1].1.value else { panic!() };
        assert_eq!(l[1].value, Value::Text("dns".into()));
        assert_eq!(pos(&l[1]), Pos::new(4, 3));
        assert_eq!(m[2].1.value, Value::Text("1628".into()));
        assert_eq!(m[3].1.value, Value::Text("true".into()));
        assert!(m[4].1.value.is_empty());
        let e = from_str::<Spanned<Value>>("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.message, "key `a` appears twice; expected each key once");
    }

    /// A value nested far deeper than front matter ever is gives an error
    /// with a position; it used to overflow a worker thread's stack.
    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep_flow = format!("a: {}x{}\n", "[".repeat(5000), "]".repeat(5000));
        let deep_block: String =
            (0..200).map(|d| format!("{}k{d}:\n", "  ".repeat(d))).collect::<String>() + &"  ".repeat(200) + "v\n";
        for text in [deep_flow, deep_block] {
            let t = text.clone();
            let r = std::thread::Builder::new()
                .stack_size(2 << 20) // a rayon worker's
                .spawn(move || from_str::<Spanned<Value>>(&t).map(|_| ()).map_err(|e| e.pos))
                .unwrap()
                .join()
                .expect("no stack overflow");
            let pos = r.expect_err("too deep");
            assert!(pos.line >= 1, "{pos:?}");
        }
        let ok: Spanned<Value> = from_str("a:\n  b:\n    c: [1, [2, 3]]\n").unwrap();
        assert!(matches!(ok.value, Value::Map(_)));
    }
}
