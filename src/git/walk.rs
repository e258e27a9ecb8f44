//! The one walk over the history that gives every file its revisions.
//!
//! Commits are visited newest first. A commit whose archive tree (the
//! repository root, or the archive's folder in it) equals a parent's is
//! skipped without diffing; otherwise it is diffed against its parent's
//! with rename tracking. Walking backwards, a rename moves the file's
//! identity to its old path, so older commits under the old name still
//! count for the file as it is named today — also when the file came into
//! `content/` (or the `incidents` globs) from anywhere else in the
//! repository, as adopting an archive with `git mv` does.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::Arc;

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Location;
use gix::diff::tree_with_rewrites::{ChangeRef, Options};
use gix::diff::Rewrites;
use gix::objs::TreeRefIter;
use gix::ObjectId;
use jiff::Timestamp;

use super::quick;
use super::{read_error, FileHistory, GitError, History, Repo, Revision};

/// A file-level change, paths relative to the archive root.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Added(String),
    Modified(String),
    Deleted(String),
    Renamed { from: String, to: String },
}

impl Change {
    /// The path the change leaves behind (for a deletion, the path removed).
    fn path(&self) -> &str {
        match self {
            Change::Added(p) | Change::Modified(p) | Change::Deleted(p) => p,
            Change::Renamed { to, .. } => to,
        }
    }
}

/// Per-file accumulation while walking.
struct FileAcc {
    /// Indices into `revisions`, newest first.
    revisions: Vec<usize>,
    former_paths: Vec<String>,
}

/// The files met so far and which of them each path holds.
#[derive(Default)]
struct Files {
    accs: Vec<FileAcc>,
    /// Path of each file today (at the tip), parallel to `accs`.
    current: Vec<String>,
    /// Which file a path holds at the walk's current point in history;
    /// `None` once the walk is past the commit that created the path.
    /// A path not yet met holds the file of that name at the tip.
    at: HashMap<String, Option<usize>>,
}

impl Files {
    fn file_of(&mut self, path: &str) -> Option<usize> {
        if let Some(k) = self.at.get(path) {
            return *k;
        }
        let k = self.accs.len();
        self.accs.push(FileAcc { revisions: Vec::new(), former_paths: Vec::new() });
        self.current.push(path.to_string());
        self.at.insert(path.to_string(), Some(k));
        Some(k)
    }
}

/// Each kept tree by id, with the generation that last used it.
type Kept = HashMap<ObjectId, (u64, quick::TreeData)>;

/// Trees read for the last two diffs. Walking newest first, a commit's
/// trees are the "old" side of the previous diff: keeping them saves
/// inflating every changed tree twice. The quick diff reads them in place
/// (a year folder's tree is ~150 KB at 10,000 incidents); only gix's full
/// diff, for the rare commit with both additions and deletions, copies
/// them into its own buffer.
struct TreeCache<'r> {
    objects: &'r gix::OdbHandle,
    trees: std::cell::RefCell<Kept>,
    generation: std::cell::Cell<u64>,
}

impl TreeCache<'_> {
    /// Starts the next diff, forgetting trees not used by the previous one.
    fn next_generation(&self) {
        let g = self.generation.get() + 1;
        self.generation.set(g);
        self.trees.borrow_mut().retain(|_, (used, _)| *used + 1 >= g);
    }

    /// The tree `id` if a diff of this or the previous generation read it.
    fn cached(&self, id: &gix::oid) -> Option<quick::TreeData> {
        let mut trees = self.trees.borrow_mut();
        let (used, data) = trees.get_mut(id)?;
        *used = self.generation.get();
        Some(data.clone())
    }

    /// Keeps the tree `id` read into `data` (objects of other kinds: no).
    fn keep(&self, id: &gix::oid, found: &gix::objs::Data<'_>) -> Option<quick::TreeData> {
        if found.kind != gix::object::Kind::Tree {
            return None;
        }
        let data = Rc::new(found.data.to_vec());
        self.trees.borrow_mut().insert(id.to_owned(), (self.generation.get(), data.clone()));
        Some(data)
    }

    /// The serialised tree `id`; `Ok(None)` when there is no such object or
    /// it is not a tree.
    fn get(&self, id: &gix::oid) -> gix::Result<Option<quick::TreeData>> {
        use gix::objs::Find;
        if let Some(data) = self.cached(id) {
            return Ok(Some(data));
        }
        // Read into a buffer of its own, which the cache then holds as it
        // is when the object's bytes are the buffer's (they are, from packs
        // and loose objects alike); else they are copied.
        let mut buf = Vec::new();
        let found = self.objects.try_find(id, &mut buf)?.map(|f| (f.kind, f.data.as_ptr() as usize, f.data.len()));
        let Some((kind, at, len)) = found else { return Ok(None) };
        if kind != gix::object::Kind::Tree {
            return Ok(None);
        }
        let data = if at == buf.as_ptr() as usize && len <= buf.len() {
            buf.truncate(len);
            Rc::new(buf)
        } else {
            let mut again = Vec::new();
            match self.objects.try_find(id, &mut again)? {
                Some(f) => Rc::new(f.data.to_vec()),
                None => return Ok(None),
            }
        };
        self.trees.borrow_mut().insert(id.to_owned(), (self.generation.get(), data.clone()));
        Ok(Some(data))
    }
}

impl quick::Trees for TreeCache<'_> {
    fn tree(&self, id: &gix::oid) -> Option<quick::TreeData> {
        self.get(id).ok().flatten()
    }
}

impl gix::objs::Find for TreeCache<'_> {
    fn try_find<'a>(&self, id: &gix::oid, buffer: &'a mut Vec<u8>) -> gix::Result<Option<gix::objs::Data<'a>>> {
        if let Some(data) = self.cached(id) {
            buffer.clear();
            buffer.extend_from_slice(&data);
            return Ok(Some(gix::objs::Data { kind: gix::object::Kind::Tree, object_hash: id.kind(), data: buffer }));
        }
        let found = self.objects.try_find(id, buffer)?;
        if let Some(d) = &found {
            self.keep(id, d);
        }
        Ok(found)
    }
}

impl gix::objs::FindHeader for TreeCache<'_> {
    fn try_header(&self, id: &gix::oid) -> gix::Result<Option<gix::objs::Header>> {
        self.objects.try_header(id)
    }
}

struct Differ<'r> {
    repo: &'r gix::Repository,
    trees: TreeCache<'r>,
    cache: gix::diff::blob::Platform,
    state: gix::diff::tree::State,
    rewrites: Option<Rewrites>,
}

impl Differ<'_> {
    /// Changes from `old` to `new` (`None`: an empty tree).
    fn diff(&mut self, old: Option<ObjectId>, new: Option<ObjectId>) -> Result<Vec<Change>, GitError> {
        if let Some(changes) = self.quick(old, new) {
            return Ok(changes);
        }
        match self.diff_with(old, new, self.rewrites) {
            Ok(changes) => Ok(changes),
            // Similarity needs blob contents; a partial clone may lack
            // them. Exact renames need only the trees.
            Err(_) if self.rewrites.is_some_and(|r| r.percentage.is_some()) => {
                self.diff_with(old, new, Some(Rewrites { percentage: None, ..Rewrites::default() }))
            }
            Err(e) => Err(e),
        }
    }

    /// The changes when no rename is possible (nothing both added and
    /// deleted), without gix's full tree diff; `None` otherwise.
    fn quick(&mut self, old: Option<ObjectId>, new: Option<ObjectId>) -> Option<Vec<Change>> {
        self.trees.next_generation();
        let old_tree = load_tree(&self.trees, old).ok()?;
        let new_tree = load_tree(&self.trees, new).ok()?;
        let mut q = quick::Quick::default();
        quick::diff(&self.trees, &old_tree, &new_tree, "", self.repo.object_hash().len_in_bytes(), &mut q)?;
        if !q.added.is_empty() && !q.deleted.is_empty() && self.rewrites.is_some() {
            return None;
        }
        let added = q.added.into_iter().map(Change::Added);
        let deleted = q.deleted.into_iter().map(Change::Deleted);
        Some(q.modified.into_iter().map(Change::Modified).chain(added).chain(deleted).collect())
    }

    fn diff_with(
        &mut self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        rewrites: Option<Rewrites>,
    ) -> Result<Vec<Change>, GitError> {
        let kind = self.repo.object_hash();
        self.trees.next_generation();
        let old_tree = load_tree(&self.trees, old)?;
        let new_tree = load_tree(&self.trees, new)?;
        let mut out = Vec::new();
        let result = gix::diff::tree_with_rewrites(
            TreeRefIter::from_bytes(&old_tree, kind),
            TreeRefIter::from_bytes(&new_tree, kind),
            &mut self.cache,
            &mut self.state,
            &self.trees,
            |change| {
                if let Some(c) = convert(change) {
                    out.push(c);
                }
                Ok(ControlFlow::Continue(()))
            },
            Options { location: Some(Location::Path), rewrites },
        );
        self.cache.clear_resource_cache_keep_allocation();
        result.map_err(|e| read_error("comparing trees", e))?;
        Ok(out)
    }
}

fn convert(change: ChangeRef<'_>) -> Option<Change> {
    let s = |b: &gix::bstr::BStr| b.to_string();
    match change {
        ChangeRef::Addition { location, entry_mode, .. } if !entry_mode.is_tree() => Some(Change::Added(s(location))),
        ChangeRef::Deletion { location, entry_mode, .. } if !entry_mode.is_tree() => Some(Change::Deleted(s(location))),
        ChangeRef::Modification { location, entry_mode, .. } if !entry_mode.is_tree() => {
            Some(Change::Modified(s(location)))
        }
        ChangeRef::Rewrite { source_location, location, entry_mode, copy, .. } if !entry_mode.is_tree() => {
            Some(if copy {
                Change::Added(s(location))
            } else {
                Change::Renamed { from: s(source_location), to: s(location) }
            })
        }
        _ => None,
    }
}

/// The serialised tree `id` (`None`: the empty tree).
fn load_tree(trees: &TreeCache<'_>, id: Option<ObjectId>) -> Result<quick::TreeData, GitError> {
    let Some(id) = id else { return Ok(Rc::new(Vec::new())) };
    match trees.get(&id) {
        Ok(Some(data)) => Ok(data),
        Ok(None) => Err(read_error(&format!("reading tree {id}"), "no such tree")),
        Err(e) => Err(read_error(&format!("reading tree {id}"), e)),
    }
}

/// The id of the tree at `path` (e.g. `["content"]`) under the tree
/// `root`; `None` when there is no such folder.
fn subtree_of_tree(
    repo: &gix::Repository,
    root: ObjectId,
    path: &[String],
    buf: &mut Vec<u8>,
) -> Result<Option<ObjectId>, GitError> {
    use gix::prelude::FindExt;
    let mut id = root;
    for name in path {
        let tree = repo.objects.find_tree_iter(&id, buf).map_err(|e| read_error(&format!("reading tree {id}"), e))?;
        let mut found = None;
        for entry in tree {
            let entry = entry.map_err(|e| read_error(&format!("reading tree {id}"), e))?;
            if entry.filename == name.as_str() {
                found = entry.mode.is_tree().then(|| entry.oid.to_owned());
                break;
            }
        }
        match found {
            Some(next) => id = next,
            None => return Ok(None),
        }
    }
    Ok(Some(id))
}

/// A commit as the walk needs it.
struct CommitNode {
    tree: ObjectId,
    parents: Vec<ObjectId>,
    revision: Revision,
}

/// Every commit reachable from `tip`, newest first by committer date
/// (parents always after their children), each read once.
fn walk_commits(repo: &gix::Repository, tip: ObjectId, shallow: bool) -> Result<Vec<(ObjectId, CommitNode)>, GitError> {
    use gix::prelude::FindExt;
    let mailmap = repo.open_mailmap();
    let mut buf = Vec::new();
    let mut read = |id: ObjectId| -> Result<(i64, CommitNode), GitError> {
        let data =
            repo.objects.find_commit(&id, &mut buf).map_err(|e| read_error(&format!("reading commit {id}"), e))?;
        let time = data.committer().map(|c| c.seconds()).unwrap_or(0);
        let revision = revision(&mailmap, id, &data)?;
        Ok((time, CommitNode { tree: data.tree(), parents: data.parents().collect(), revision }))
    };
    let mut pending: std::collections::BinaryHeap<(i64, ObjectId)> = std::collections::BinaryHeap::new();
    let mut found: HashMap<ObjectId, CommitNode> = HashMap::new();
    let (time, node) = read(tip)?;
    found.insert(tip, node);
    pending.push((time, tip));
    let mut order: Vec<ObjectId> = Vec::new();
    while let Some((_, id)) = pending.pop() {
        order.push(id);
        let parents = found[&id].parents.clone();
        for p in parents {
            if found.contains_key(&p) {
                continue;
            }
            match read(p) {
                Ok((time, node)) => {
                    found.insert(p, node);
                    pending.push((time, p));
                }
                // Beyond a shallow clone's boundary.
                Err(_) if shallow => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(order.into_iter().filter_map(|id| found.remove(&id).map(|n| (id, n))).collect())
}

/// Partial clones mark their promisor remote in the configuration.
fn is_partial(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    if config.string("extensions.partialClone").is_some() {
        return true;
    }
    repo.remote_names().iter().any(|name| config.boolean(format!("remote.{name}.promisor").as_str()).unwrap_or(false))
}

/// A commit whose `content/` tree differs from every parent's.
struct Step {
    revision: Revision,
    own: Option<ObjectId>,
    /// Content trees of the parents present (none: a root commit, or the
    /// boundary of a shallow clone).
    parents: Vec<Option<ObjectId>>,
}

/// What one step changed, and the commit's details when it changed files.
type StepResult = Result<(Vec<Change>, Option<Revision>), GitError>;

pub(super) fn walk(repo: Repo, tip: ObjectId) -> Result<History, GitError> {
    let Repo { repo, prefix } = repo;
    let shallow = repo.is_shallow().unwrap_or(false);
    let partial = is_partial(&repo);
    // The whole archive, not only content/: history follows files moved in
    // from elsewhere (the quick diff keeps unchanged folders nearly free).
    let content_path = prefix;
    let (steps, commits) = content_steps(&repo, tip, &content_path, shallow)?;
    let content_commits = steps.len();

    // Diffing is most of the work and each step stands alone.
    let results: Vec<StepResult> = in_runs(&repo, &steps, |repo, run| diff_steps(repo, run, partial));

    let mut revisions: Vec<Arc<Revision>> = Vec::new();
    let mut files = Files::default();
    for result in results {
        let (changes, revision) = result?;
        let Some(revision) = revision else { continue };
        let rev = revisions.len();
        let mut touched: Vec<usize> = Vec::new();
        for change in changes {
            match change {
                Change::Modified(p) => touched.extend(files.file_of(&p)),
                Change::Added(p) => {
                    touched.extend(files.file_of(&p));
                    files.at.insert(p, None);
                }
                Change::Deleted(p) => {
                    files.at.insert(p, None);
                }
                Change::Renamed { from, to } => {
                    let k = files.file_of(&to);
                    files.at.insert(to, None);
                    if let Some(k) = k {
                        touched.push(k);
                        files.accs[k].former_paths.push(from.clone());
                        files.at.insert(from, Some(k));
                    }
                }
            }
        }
        let mut used = false;
        for k in touched {
            let acc = &mut files.accs[k];
            if acc.revisions.last() != Some(&rev) {
                acc.revisions.push(rev);
                used = true;
            }
        }
        if used {
            revisions.push(Arc::new(revision));
        }
    }
    abbreviate(&mut revisions);

    let files = files
        .current
        .into_iter()
        .zip(files.accs)
        .filter_map(|(path, acc)| {
            let revs: Vec<Arc<Revision>> = acc.revisions.iter().map(|&r| revisions[r].clone()).collect();
            let history = FileHistory {
                created: revs.last()?.date,
                updated: revs.first()?.date,
                revisions: revs,
                former_paths: acc.former_paths,
            };
            Some((path, Arc::new(history)))
        })
        .collect();
    Ok(History {
        tip: tip.to_string(),
        files,
        shallow,
        partial,
        commits,
        content_commits,
        ignored_only: Default::default(),
    })
}

/// Walks the commits newest first and keeps those whose `content/` tree
/// differs from every parent's. Returns them and the number of commits walked.
fn content_steps(
    repo: &gix::Repository,
    tip: ObjectId,
    content_path: &[String],
    shallow: bool,
) -> Result<(Vec<Step>, usize), GitError> {
    let commits = walk_commits(repo, tip, shallow)?;

    // Each commit's content/ tree, looked up in parallel runs.
    let trees: Vec<Result<Option<ObjectId>, GitError>> = in_runs(repo, &commits, |repo, run| {
        let mut buf = Vec::new();
        run.iter().map(|(_, c)| subtree_of_tree(&repo, c.tree, content_path, &mut buf)).collect()
    });
    let mut content_tree: HashMap<ObjectId, Option<ObjectId>> = HashMap::with_capacity(commits.len());
    for ((id, _), tree) in commits.iter().zip(trees) {
        content_tree.insert(*id, tree?);
    }

    let mut steps = Vec::new();
    for (id, commit) in &commits {
        let own = content_tree[id];
        // Parents beyond a shallow clone's boundary were not walked: the
        // commit then acts as a root.
        let parents: Vec<Option<ObjectId>> =
            commit.parents.iter().filter_map(|p| content_tree.get(p).copied()).collect();
        if parents.contains(&own) || (parents.is_empty() && own.is_none()) {
            continue;
        }
        steps.push(Step { revision: commit.revision.clone(), own, parents });
    }
    Ok((steps, commits.len()))
}

/// Runs `f` over `items` split into one contiguous run per thread (runs
/// keep neighbouring commits, which share trees, together), each thread
/// with its own handle on the repository; results in the items' order.
fn in_runs<T: Sync, R: Send>(
    repo: &gix::Repository,
    items: &[T],
    f: impl Fn(gix::Repository, &[T]) -> Vec<Result<R, GitError>> + Sync,
) -> Vec<Result<R, GitError>> {
    let sync = repo.clone().into_sync();
    let chunk = items.len().div_ceil(rayon::current_num_threads().clamp(1, 8)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(chunk).map(|run| scope.spawn(|| f(sync.to_thread_local(), run))).collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| vec![Err(GitError::Read("git: a history thread panicked".into()))])
            })
            .collect()
    })
}

/// The changes of a run of steps, with one diff resource cache and one
/// tree cache for the whole run.
fn diff_steps(mut repo: gix::Repository, steps: &[Step], partial: bool) -> Vec<StepResult> {
    repo.object_cache_size(None);
    let cache = match repo.diff_resource_cache_for_tree_diff() {
        Ok(c) => c,
        Err(e) => return vec![Err(read_error("preparing diffs", e))],
    };
    let mut differ = Differ {
        repo: &repo,
        trees: TreeCache { objects: &repo.objects, trees: Default::default(), generation: Default::default() },
        cache,
        state: Default::default(),
        rewrites: Some(Rewrites { percentage: if partial { None } else { Some(0.5) }, ..Rewrites::default() }),
    };
    let reverse = deltas_point_back(&repo, steps);
    let order: Vec<&Step> = if reverse { steps.iter().rev().collect() } else { steps.iter().collect() };
    let mut out: Vec<StepResult> = order
        .into_iter()
        .map(|step| {
            let changes = match step.parents.as_slice() {
                [] => differ.diff(None, step.own)?,
                [p] => differ.diff(*p, step.own)?,
                [first, rest @ ..] => {
                    // A merge changed a file only if the file differs from
                    // every parent (as `git log -- file` sees it).
                    let mut changes = differ.diff(*first, step.own)?;
                    for p in rest {
                        let other: std::collections::HashSet<String> =
                            differ.diff(*p, step.own)?.iter().map(|c| c.path().to_string()).collect();
                        changes.retain(|c| other.contains(c.path()));
                    }
                    changes
                }
            };
            let revision = if changes.is_empty() { None } else { Some(step.revision.clone()) };
            Ok((changes, revision))
        })
        .collect();
    if reverse {
        out.reverse();
    }
    out
}

/// Whether newer trees are stored as deltas of older ones (as `git
/// fast-import` and received pushes leave them; `git gc` usually does the
/// opposite). gix's pack cache keeps only the objects asked for, so reading
/// a delta chain against its direction inflates the whole chain on every
/// read: read the trees oldest first then. Decided from the delta depths
/// of the trees two neighbouring commits changed, sampled along the history.
fn deltas_point_back(repo: &gix::Repository, steps: &[Step]) -> bool {
    let depth = |id: ObjectId| match repo.try_find_header(id) {
        Ok(Some(gix::odb::find::Header::Packed(o))) => Some(o.num_deltas),
        _ => None,
    };
    let (mut newer_deeper, mut older_deeper) = (0, 0);
    let stride = (steps.len() / 64).max(1);
    for i in (0..steps.len().saturating_sub(1)).step_by(stride) {
        let (Some(newer), Some(older)) = (steps[i].own, steps[i + 1].own) else { continue };
        for (n, o) in changed_path(repo, newer, older) {
            match (depth(n), depth(o)) {
                (Some(n), Some(o)) if n == o + 1 => newer_deeper += 1,
                (Some(n), Some(o)) if o == n + 1 => older_deeper += 1,
                _ => {}
            }
        }
    }
    newer_deeper > older_deeper
}

/// The pairs of differing trees from `a` and `b` down along the first
/// sub-folder that changed.
fn changed_path(repo: &gix::Repository, mut a: ObjectId, mut b: ObjectId) -> Vec<(ObjectId, ObjectId)> {
    use gix::prelude::FindExt;
    let mut pairs = vec![(a, b)];
    let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
    for _ in 0..8 {
        let (Ok(ta), Ok(tb)) =
            (repo.objects.find_tree_iter(&a, &mut buf_a), repo.objects.find_tree_iter(&b, &mut buf_b))
        else {
            break;
        };
        let subtrees = |t: gix::objs::TreeRefIter<'_>| -> Vec<(Vec<u8>, ObjectId)> {
            t.filter_map(Result::ok)
                .filter(|e| e.mode.is_tree())
                .map(|e| (e.filename.to_vec(), e.oid.to_owned()))
                .collect()
        };
        let (sa, sb) = (subtrees(ta), subtrees(tb));
        let Some((na, nb)) =
            sa.iter().find_map(|(name, ia)| sb.iter().find(|(n, ib)| n == name && ib != ia).map(|(_, ib)| (*ia, *ib)))
        else {
            break;
        };
        pairs.push((na, nb));
        (a, b) = (na, nb);
    }
    pairs
}

/// Short ids: 7 characters, more where two of the listed commits would
/// otherwise share one.
fn abbreviate(revisions: &mut [Arc<Revision>]) {
    let mut ids: Vec<&str> = revisions.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    let mut len: HashMap<String, usize> = HashMap::new();
    for pair in ids.windows(2) {
        let common = pair[0].bytes().zip(pair[1].bytes()).take_while(|(a, b)| a == b).count();
        for id in pair {
            let l = len.entry(id.to_string()).or_insert(7);
            *l = (*l).max(common + 1);
        }
    }
    for r in revisions.iter_mut() {
        if let Some(&l) = len.get(&r.id) {
            if l > r.short_id.len() {
                Arc::make_mut(r).short_id = r.id[..l.min(r.id.len())].to_string();
            }
        }
    }
}

fn revision(
    mailmap: &gix::mailmap::Snapshot,
    id: ObjectId,
    commit: &gix::objs::CommitRef<'_>,
) -> Result<Revision, GitError> {
    let author = commit.author().map_err(|e| read_error(&format!("reading commit {id}"), e))?;
    let seconds = author.seconds();
    let name = match mailmap.try_resolve(author) {
        Some(sig) => sig.name.to_string(),
        None => author.trim().name.to_string(),
    };
    let subject = commit
        .message
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_str_lossy().into_owned())
        .unwrap_or_default();
    Ok(Revision {
        id: id.to_string(),
        short_id: id.to_hex_with_len(7).to_string(),
        date: Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH),
        subject,
        author: name,
    })
}
