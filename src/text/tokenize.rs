//! Tokenisation shared by the index builder and the browser.
//!
//! `theme/static/search.js` implements the same algorithm (its `tokenize`);
//! tests/it/search.rs runs both over one word list and compares the tokens.
//!
//! Per character: lowercase, compatibility-decompose (NFKD), drop marks
//! (accents), lowercase again, fold final sigma to sigma. A token is a run
//! of alphabetic or numeric characters; tokens longer than [`MAX_TOKEN`]
//! characters (hashes, base64) are dropped.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Longest token indexed, in characters.
pub const MAX_TOKEN: usize = 40;

/// Calls `f` with every folded character of `c`.
#[inline]
fn fold_char(c: char, f: &mut impl FnMut(char)) {
    if c.is_ascii() {
        f(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        decompose_compatible(l, |d| {
            if !is_combining_mark(d) {
                for l2 in d.to_lowercase() {
                    f(if l2 == 'ς' { 'σ' } else { l2 });
                }
            }
        });
    }
}

/// A token: a slice of the text itself (lowercase ASCII, the common case,
/// no copy) or folded into a buffer.
pub enum Tok<'a, 'b> {
    Text(&'a str),
    Folded(&'b str),
}

impl<'a> Tok<'a, '_> {
    /// The token, borrowed from the text where it needs no folding.
    pub fn into_cow(self) -> std::borrow::Cow<'a, str> {
        match self {
            Tok::Text(s) => std::borrow::Cow::Borrowed(s),
            Tok::Folded(s) => std::borrow::Cow::Owned(s.to_string()),
        }
    }
}

/// Calls `emit` with each token of `text`, in order.
pub fn for_each_token(text: &str, mut emit: impl FnMut(&str)) {
    tokens(text, |t| match t {
        Tok::Text(s) | Tok::Folded(s) => emit(s),
    })
}

/// Calls `emit` with each token of `text`, in order, borrowing from the
/// text where the token needs no folding.
pub fn tokens<'a>(text: &'a str, mut emit: impl FnMut(Tok<'a, '_>)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut tok = String::with_capacity(32);
    let mut i = 0;
    while i < n {
        if bytes[i].is_ascii() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        // An ASCII run first: most tokens are nothing else.
        let start = i;
        let mut upper = false;
        while i < n && bytes[i].is_ascii_alphanumeric() {
            upper |= bytes[i].is_ascii_uppercase();
            i += 1;
        }
        if i == n || bytes[i].is_ascii() {
            if i - start <= MAX_TOKEN {
                if upper {
                    tok.clear();
                    tok.push_str(&text[start..i]);
                    tok.make_ascii_lowercase();
                    emit(Tok::Folded(&tok));
                } else {
                    emit(Tok::Text(&text[start..i]));
                }
            }
            continue;
        }
        // Non-ASCII inside the token: fold character by character until
        // ASCII punctuation or space ends it.
        tok.clear();
        tok.push_str(&text[start..i]);
        tok.make_ascii_lowercase();
        let mut chars = i - start;
        let mut flush = |tok: &mut String, chars: &mut usize| {
            if !tok.is_empty() && *chars <= MAX_TOKEN {
                emit(Tok::Folded(tok));
            }
            tok.clear();
            *chars = 0;
        };
        while i < n {
            let b = bytes[i];
            if b.is_ascii() {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                tok.push(b.to_ascii_lowercase() as char);
                chars += 1;
                i += 1;
                continue;
            }
            let Some(c) = text[i..].chars().next() else { break };
            i += c.len_utf8();
            fold_char(c, &mut |d| {
                if d.is_alphanumeric() {
                    tok.push(d);
                    chars += 1;
                } else {
                    flush(&mut tok, &mut chars);
                }
            });
        }
        flush(&mut tok, &mut chars);
    }
}

/// The tokens of `text`, in order (duplicates kept).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, |t| out.push(t.to_string()));
    out
}

/// Orders words as JavaScript compares strings (UTF-16 code units), so the
/// browser can binary-search the shard boundaries.
pub fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Words for the tokenizer cross-check: ASCII, accents, ligatures,
/// full-width forms, Greek final sigma, Turkish dotted I, German sharp s,
/// Cyrillic, CJK, digits, punctuation and an over-long token.
pub const SAMPLE_TEXT: &[&str] = &[
    "Database failover",
    "Café crème brûlée",
    "NAÏVE coöperation résumé",
    "ﬁle ﬂow ＡＢＣ１２３",
    "ΟΔΥΣΣΕΥΣ σοφός",
    "İstanbul DİYARBAKIR ı",
    "Straße STRASSE",
    "Москва ЁЛКА",
    "東京 サーバー 障害",
    "rate-limit can't v2.3.1 inc-08780",
    "e\u{301}cole (decomposed) Ångström ℌ ①",
    "x0123456789012345678901234567890123456789y short",
    "CANARY-INTERNAL-7731 koa.2 p99_latency",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(tokenize("Café CRÈME brûlée"), ["cafe", "creme", "brulee"]);
        assert_eq!(tokenize("e\u{301}cole"), ["ecole"]);
        assert_eq!(tokenize("Ångström"), ["angstrom"]);
        assert_eq!(tokenize("NAÏVE coöperation"), ["naive", "cooperation"]);
    }

    #[test]
    fn compatibility_forms_fold() {
        assert_eq!(tokenize("ﬁle ＡＢＣ１２３"), ["file", "abc123"]);
        assert_eq!(tokenize("ΟΔΥΣΣΕΥΣ σοφός"), ["οδυσσευσ", "σοφοσ"]);
        assert_eq!(tokenize("İstanbul"), ["istanbul"]);
        assert_eq!(tokenize("Москва ЁЛКА"), ["москва", "елка"]);
    }

    #[test]
    fn splits_on_punctuation_and_drops_long_tokens() {
        assert_eq!(tokenize("rate-limit can't v2.3.1"), ["rate", "limit", "can", "t", "v2", "3", "1"]);
        assert_eq!(tokenize("x0123456789012345678901234567890123456789y short"), ["short"]);
        assert_eq!(tokenize("  "), Vec::<String>::new());
        assert_eq!(tokenize("東京 サーバー"), ["東京", "サーハー"]);
    }

    #[test]
    fn js_order_is_utf16_order() {
        // U+1F600 sorts after U+FF21 in UTF-8 byte order but before it in UTF-16.
        assert_eq!(js_order("\u{1F600}", "\u{FF21}"), std::cmp::Ordering::Less);
        assert!("\u{1F600}" > "\u{FF21}", "UTF-8 order differs");
        assert_eq!(js_order("abc", "abd"), std::cmp::Ordering::Less);
    }
}
