//! `build --rev`: the archive's files read from a commit's tree, without a
//! checkout.

use std::path::Path;

use super::{open, read_error, GitError};
use crate::source::Snapshot;

/// The snapshot (`rca-site.toml`, `content/**`, `theme/**`) of the archive
/// at `root` as it is in the commit `rev` names. Symbolic links and
/// submodules in the tree are skipped.
pub fn snapshot_at(root: &Path, rev: &str) -> Result<Snapshot, GitError> {
    let Some(repo) = open(root)? else {
        return Err(GitError::NotARepository(format!(
            "--rev needs a git repository, and {} is not in one",
            root.display()
        )));
    };
    let commit =
        repo.commit_id(Some(rev))?.ok_or_else(|| GitError::BadRev(format!("--rev {rev:?}: no such commit")))?;
    let r = &repo.repo;
    let tree = r
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| read_error(&format!("reading the tree of {rev}"), e))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for top in [crate::config::CONFIG_FILE, "content", "theme"] {
        let path = repo.path_in_repo(top).join("/");
        let entry = tree.lookup_entry_by_path(&path).map_err(|e| read_error(&format!("reading {path} in {rev}"), e))?;
        let Some(entry) = entry else { continue };
        let mode = entry.mode();
        if mode.is_blob() {
            let blob =
                r.find_blob(entry.object_id()).map_err(|e| read_error(&format!("reading {path} in {rev}"), e))?;
            files.push((top.to_string(), blob.data.clone()));
        } else if mode.is_tree() {
            let sub = r.find_tree(entry.object_id()).map_err(|e| read_error(&format!("reading {path} in {rev}"), e))?;
            let entries =
                sub.traverse().breadthfirst.files().map_err(|e| read_error(&format!("listing {path} in {rev}"), e))?;
            for e in entries.into_iter().filter(|e| e.mode.is_blob()) {
                let rel = format!("{top}/{}", e.filepath);
                let blob = r.find_blob(e.oid).map_err(|err| read_error(&format!("reading {rel} in {rev}"), err))?;
                files.push((rel, blob.data.clone()));
            }
        }
    }
    // An archive adopted in place: incident files outside content/.
    let config = files.iter().find(|(p, _)| p == crate::config::CONFIG_FILE).map(|(_, b)| b.as_slice());
    let (_, selection) = crate::select::of_config_text(config);
    if !selection.inside_content() {
        for base in selection.bases() {
            if base == "content" || base.starts_with("content/") || base == "theme" || base.starts_with("theme/") {
                continue;
            }
            let path = repo.path_in_repo(&base).into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("/");
            let sub = if path.is_empty() {
                Some(tree.clone())
            } else {
                match tree
                    .lookup_entry_by_path(&path)
                    .map_err(|e| read_error(&format!("reading {path} in {rev}"), e))?
                {
                    Some(entry) if entry.mode().is_tree() => Some(
                        r.find_tree(entry.object_id())
                            .map_err(|e| read_error(&format!("reading {path} in {rev}"), e))?,
                    ),
                    _ => None,
                }
            };
            let Some(sub) = sub else { continue };
            let entries =
                sub.traverse().breadthfirst.files().map_err(|e| read_error(&format!("listing {path} in {rev}"), e))?;
            for e in entries.into_iter().filter(|e| e.mode.is_blob()) {
                let rel = if base.is_empty() { e.filepath.to_string() } else { format!("{base}/{}", e.filepath) };
                let top = rel.split('/').next().unwrap_or("");
                if top == "content" || top == "theme" || !selection.is_incident(&rel) {
                    continue;
                }
                let blob = r.find_blob(e.oid).map_err(|err| read_error(&format!("reading {rel} in {rev}"), err))?;
                files.push((rel, blob.data.clone()));
            }
        }
    }
    Ok(Snapshot::from_files(files))
}
