//! A tree diff without rename tracking, for the common commit that only
//! edits or adds files.
//!
//! Consecutive versions of a large folder (say 700 postmortems of one
//! year) differ in an entry or two, and their serialised trees share long
//! identical stretches. Comparing the bytes first and parsing only the
//! entries between the common start and the common end makes such a diff
//! cost a few memory compares instead of parsing every entry twice.

use std::rc::Rc;

use gix::ObjectId;

/// A serialised tree, as read from the object database (no copy is made
/// of it: a year folder's tree of 2,000 entries is about 100 KB).
pub(super) type TreeData = Rc<Vec<u8>>;

/// Where the diff reads sub-trees: the serialised tree by id, shared with
/// the cache that holds it rather than copied out of it.
pub(super) trait Trees {
    fn tree(&self, id: &gix::oid) -> Option<TreeData>;
}

/// One entry of a serialised tree.
struct Entry<'a> {
    is_tree: bool,
    /// Blobs and symbolic links; not submodules.
    is_file: bool,
    name: &'a [u8],
    oid: &'a [u8],
    /// Offset just past the entry.
    end: usize,
}

/// Parses the entry at `pos`; `None` at the end or on malformed data.
fn entry_at(data: &[u8], pos: usize, hash_len: usize) -> Option<Entry<'_>> {
    let rest = data.get(pos..)?;
    let space = memchr(b' ', rest)?;
    let mode = &rest[..space];
    let nul = space + 1 + memchr(0, &rest[space + 1..])?;
    let name = &rest[space + 1..nul];
    let oid = rest.get(nul + 1..nul + 1 + hash_len)?;
    let is_tree = mode == b"40000" || mode == b"040000";
    let is_file = !is_tree && mode != b"160000";
    Some(Entry { is_tree, is_file, name, oid, end: pos + nul + 1 + hash_len })
}

fn memchr(byte: u8, haystack: &[u8]) -> Option<usize> {
    use gix::bstr::ByteSlice;
    haystack.find_byte(byte)
}

/// Length of the common start of `a` and `b`, compared in shrinking blocks.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    for block in [4096, 256, 16] {
        while i + block <= n && a[i..i + block] == b[i..i + block] {
            i += block;
        }
    }
    i + a[i..n].iter().zip(&b[i..n]).take_while(|(x, y)| x == y).count()
}

/// Length of the common end of `a` and `b`, compared in shrinking blocks.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    for block in [4096, 256, 16] {
        while i + block <= n && a[la - i - block..la - i] == b[lb - i - block..lb - i] {
            i += block;
        }
    }
    i + a[..la - i].iter().rev().zip(b[..lb - i].iter().rev()).take_while(|(x, y)| x == y).count()
}

/// Offset just past the entry at `pos`, found without parsing the mode.
fn skip_entry(data: &[u8], pos: usize, hash_len: usize) -> Option<usize> {
    let end = pos + memchr(0, data.get(pos..)?)? + 1 + hash_len;
    (end <= data.len()).then_some(end)
}

/// Git's tree order: names compare as if trees ended in `/`.
fn order(a: &Entry<'_>, b: &Entry<'_>) -> std::cmp::Ordering {
    let common = a.name.len().min(b.name.len());
    match a.name[..common].cmp(&b.name[..common]) {
        std::cmp::Ordering::Equal => {
            let next = |e: &Entry<'_>| e.name.get(common).copied().or(if e.is_tree { Some(b'/') } else { None });
            next(a).cmp(&next(b))
        }
        other => other,
    }
}

/// What changed, as paths relative to the diffed trees.
#[derive(Debug, Default)]
pub(super) struct Quick {
    pub added: Vec<String>,
    pub deleted: Vec<String>,
    pub modified: Vec<String>,
}

/// Diffs the serialised trees `a` (old) and `b` (new) under `prefix`,
/// reading sub-trees through `objects`.
pub(super) fn diff(
    objects: &impl Trees,
    a: &[u8],
    b: &[u8],
    prefix: &str,
    hash_len: usize,
    out: &mut Quick,
) -> Option<()> {
    let common = common_prefix(a, b);
    // Skip the whole entries inside the common start (same offsets in both).
    let mut pa = 0;
    while let Some(end) = skip_entry(a, pa, hash_len) {
        if end > common {
            break;
        }
        pa = end;
    }
    let mut pb = pa;
    let suffix = common_suffix(&a[pa..], &b[pb..]);
    loop {
        // Past the differing stretch on entry boundaries with as many bytes
        // left on both sides: the rest is the same bytes.
        if a.len() - pa == b.len() - pb && a.len() - pa <= suffix {
            return Some(());
        }
        let ea = entry_at(a, pa, hash_len);
        let eb = entry_at(b, pb, hash_len);
        match (ea, eb) {
            (None, None) => return Some(()),
            (Some(x), None) => {
                gone(objects, &x, prefix, hash_len, &mut out.deleted)?;
                pa = x.end;
            }
            (None, Some(y)) => {
                gone(objects, &y, prefix, hash_len, &mut out.added)?;
                pb = y.end;
            }
            (Some(x), Some(y)) => match order(&x, &y) {
                std::cmp::Ordering::Less => {
                    gone(objects, &x, prefix, hash_len, &mut out.deleted)?;
                    pa = x.end;
                }
                std::cmp::Ordering::Greater => {
                    gone(objects, &y, prefix, hash_len, &mut out.added)?;
                    pb = y.end;
                }
                std::cmp::Ordering::Equal => {
                    if x.oid != y.oid || x.is_tree != y.is_tree || x.is_file != y.is_file {
                        let path = join(prefix, x.name);
                        match (x.is_tree, y.is_tree) {
                            (true, true) => {
                                let ta = read_tree(objects, x.oid)?;
                                let tb = read_tree(objects, y.oid)?;
                                diff(objects, &ta, &tb, &path, hash_len, out)?;
                            }
                            (false, false) => {
                                if x.is_file && y.is_file {
                                    out.modified.push(path);
                                } else {
                                    if x.is_file {
                                        out.deleted.push(path.clone());
                                    }
                                    if y.is_file {
                                        out.added.push(path);
                                    }
                                }
                            }
                            _ => {
                                gone(objects, &x, prefix, hash_len, &mut out.deleted)?;
                                gone(objects, &y, prefix, hash_len, &mut out.added)?;
                            }
                        }
                    }
                    pa = x.end;
                    pb = y.end;
                }
            },
        }
    }
}

fn join(prefix: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

fn read_tree(objects: &impl Trees, oid: &[u8]) -> Option<TreeData> {
    objects.tree(&ObjectId::try_from(oid).ok()?)
}

/// Every file at or under an entry present on one side only.
fn gone(objects: &impl Trees, e: &Entry<'_>, prefix: &str, hash_len: usize, out: &mut Vec<String>) -> Option<()> {
    let path = join(prefix, e.name);
    if !e.is_tree {
        if e.is_file {
            out.push(path);
        }
        return Some(());
    }
    let data = read_tree(objects, e.oid)?;
    let mut pos = 0;
    while let Some(child) = entry_at(&data, pos, hash_len) {
        gone(objects, &child, &path, hash_len, out)?;
        pos = child.end;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mode: &str, name: &str, oid: u8) -> Vec<u8> {
        let mut v = format!("{mode} {name}\0").into_bytes();
        v.extend([oid; 20]);
        v
    }

    struct NoObjects;
    impl Trees for NoObjects {
        fn tree(&self, _: &gix::oid) -> Option<TreeData> {
            None
        }
    }

    #[test]
    fn finds_edits_additions_and_deletions_between_long_equal_stretches() {
        let names: Vec<String> = (0..50).map(|n| format!("inc-{n:03}.md")).collect();
        let tree = |f: &dyn Fn(usize, &str) -> Option<Vec<u8>>| -> Vec<u8> {
            names.iter().enumerate().filter_map(|(n, name)| f(n, name)).flatten().collect()
        };
        let old = tree(&|_, name| Some(entry("100644", name, 1)));
        let new = tree(&|n, name| match n {
            10 => Some(entry("100644", name, 2)),
            20 => None,
            _ => Some(entry("100644", name, 1)),
        });
        let mut new = new;
        new.extend(entry("100644", "zz-new.md", 3));
        let mut out = Quick::default();
        diff(&NoObjects, &old, &new, "incidents", 20, &mut out).unwrap();
        assert_eq!(out.modified, ["incidents/inc-010.md"]);
        assert_eq!(out.deleted, ["incidents/inc-020.md"]);
        assert_eq!(out.added, ["incidents/zz-new.md"]);
        let mut same = Quick::default();
        diff(&NoObjects, &old, &old, "", 20, &mut same).unwrap();
        assert!(same.added.is_empty() && same.deleted.is_empty() && same.modified.is_empty());
    }

    /// Trees served by id from memory, counting the reads.
    #[derive(Default)]
    struct Store {
        trees: std::collections::HashMap<ObjectId, TreeData>,
        reads: std::cell::Cell<usize>,
    }
    impl Store {
        fn add(&mut self, id: u8, data: Vec<u8>) {
            self.trees.insert(ObjectId::from_bytes_or_panic(&[id; 20]), Rc::new(data));
        }
    }
    impl Trees for Store {
        fn tree(&self, id: &gix::oid) -> Option<TreeData> {
            self.reads.set(self.reads.get() + 1);
            self.trees.get(id).cloned()
        }
    }

    #[test]
    fn descends_into_changed_folders_only_and_lists_new_and_removed_folders() {
        let mut store = Store::default();
        // 2020 unchanged (same id on both sides), 2021 edited, 2022 added, 2019 removed.
        store.add(10, [entry("100644", "a.md", 1), entry("100644", "b.md", 2)].concat());
        store.add(11, [entry("100644", "c.md", 3), entry("100644", "d.md", 4)].concat());
        store.add(12, [entry("100644", "c.md", 3), entry("100644", "d.md", 5)].concat());
        store.add(13, [entry("40000", "deep", 14), entry("100644", "e.md", 6)].concat());
        store.add(14, entry("100644", "f.md", 7));
        store.add(15, entry("100644", "old.md", 8));
        let old = [entry("40000", "2019", 15), entry("40000", "2020", 10), entry("40000", "2021", 11)].concat();
        let new = [entry("40000", "2020", 10), entry("40000", "2021", 12), entry("40000", "2022", 13)].concat();
        let mut out = Quick::default();
        diff(&store, &old, &new, "incidents", 20, &mut out).unwrap();
        assert_eq!(out.modified, ["incidents/2021/d.md"]);
        assert_eq!(out.added, ["incidents/2022/deep/f.md", "incidents/2022/e.md"]);
        assert_eq!(out.deleted, ["incidents/2019/old.md"]);
        // 2019, both sides of 2021, 2022 and 2022/deep: never the unchanged 2020.
        assert_eq!(store.reads.get(), 5);
        // A sub-tree that cannot be read fails the quick diff (the caller
        // then reports the error through gix's diff).
        store.trees.remove(&ObjectId::from_bytes_or_panic(&[14; 20]));
        assert!(diff(&store, &old, &new, "", 20, &mut Quick::default()).is_none());
    }

    #[test]
    fn common_start_and_end_are_exact_at_any_length() {
        for len in [0usize, 1, 15, 16, 17, 300, 5000] {
            let a: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            for cut in [0, len / 3, len.saturating_sub(1)] {
                let mut b = a.clone();
                if len > 0 {
                    b[cut] ^= 0xff;
                    assert_eq!(common_prefix(&a, &b), cut);
                    assert_eq!(common_suffix(&a, &b), len - cut - 1);
                } else {
                    assert_eq!(common_prefix(&a, &b), 0);
                }
            }
            assert_eq!(common_prefix(&a, &a), len);
            assert_eq!(common_suffix(&a, &a), len);
        }
    }

    #[test]
    fn orders_trees_as_if_their_names_ended_in_a_slash() {
        let mut a = entry("100644", "a.md", 1);
        a.extend(entry("40000", "a", 2));
        let x = entry_at(&a, 0, 20).unwrap();
        let y = entry_at(&a, x.end, 20).unwrap();
        // "a.md" < "a/" because '.' < '/'.
        assert_eq!(order(&x, &y), std::cmp::Ordering::Less);
    }
}
