//! What a build may keep from the build before it.
//!
//! [`crate::pipeline`] runs every stage on every build and asks a [`Reuse`]
//! at each stage what it may keep instead of computing it again. `build`
//! and `check` pass [`NoReuse`]: every default below computes everything,
//! so the pipeline never needs to know whether anything was kept. `serve`
//! passes its cache (`serve::incremental::Cache`), which keeps parsed
//! files, bodies, cards and the pages whose fingerprints are those of
//! the pages it kept. The
//! pipeline does not depend on serve; serve depends on this trait.

use rayon::prelude::*;

use crate::archive::Archive;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::Rendered;
use crate::model::{CauseDoc, Incident, Include, Page};
use crate::pages::fingerprint::Lookup;
use crate::pages::{Bodies, CardCache, Renderer};
use crate::parse;
use crate::select::Selection;
use crate::source::Snapshot;

/// One incident file's parse result.
pub type Parsed = Result<Incident, Vec<Diagnostic>>;

/// A rendered body kept from the last build, with what it was made from
/// ([`crate::pages::Bodies`]).
pub struct KeptBody {
    pub rendered: Rendered,
    pub digest: u64,
    pub lookups: Vec<Lookup>,
}

/// What the pipeline asks, stage by stage, in this order. Every method
/// has the answer of a build that keeps nothing.
pub trait Reuse {
    /// Whether this build fingerprints its pages and bodies (to keep
    /// them next time); `build` does not, and pays nothing for it.
    fn fingerprints(&self) -> bool {
        false
    }

    /// source: the snapshot's incident files, in snapshot order.
    fn incident_files<'s>(&mut self, snapshot: &'s Snapshot, selection: &Selection) -> Vec<(&'s str, &'s [u8])> {
        let all: Vec<(&String, &std::sync::Arc<Vec<u8>>)> = snapshot.files.iter().collect();
        all.par_iter().filter(|(p, _)| selection.is_incident(p)).map(|(p, b)| (p.as_str(), b.as_slice())).collect()
    }

    /// parse: the incident files' parse results, parallel to `files`.
    fn parse_incidents(
        &mut self,
        _snapshot: &Snapshot,
        files: &[(&str, &[u8])],
        config: &Config,
        _include: Include,
    ) -> Vec<Parsed> {
        files.par_iter().map(|(path, bytes)| parse::parse_incident(path, bytes, config)).collect()
    }

    /// link: the archive of these documents.
    #[allow(clippy::too_many_arguments)]
    fn archive(
        &mut self,
        config: Config,
        include: Include,
        incidents: Vec<Incident>,
        causes: Vec<CauseDoc>,
        pages: Vec<Page>,
        home: Option<Page>,
        diags: &mut Diagnostics,
    ) -> Archive {
        Archive::build(config, include, incidents, causes, pages, home, diags)
    }

    /// bodies: the rendered bodies still valid, parallel to
    /// `archive.incidents` (`None`: render it).
    fn bodies(&mut self, archive: &Archive) -> Vec<Option<KeptBody>> {
        archive.incidents.iter().map(|_| None).collect()
    }

    /// render: the digest of every incident but its body, parallel to
    /// `archive.incidents` ([`crate::pages::fingerprint::incident`]).
    fn incident_digests(&mut self, archive: &Archive) -> Vec<u64> {
        crate::pages::fingerprint::incidents(archive)
    }

    /// render: the incident cards kept from the last build (none: every
    /// card is built). `Some` also means the renderer is handed over in
    /// [`Reuse::keep_cards`]; with `None` the pipeline frees the renderer's
    /// card and board values and cross-links once the pages are rendered.
    fn cards(&mut self) -> Option<&mut CardCache> {
        None
    }

    /// render and outputs: here are this build's pages, each with its key,
    /// path and fingerprint; which of them do you still have the bytes of
    /// (the same key, path and fingerprint as a page you kept)? Those are
    /// not rendered. Asked only when [`Reuse::fingerprints`] says so.
    fn still_have(&mut self, pages: &[crate::pages::Page], _fingerprints: &[u64]) -> Vec<bool> {
        vec![false; pages.len()]
    }

    /// outputs: the elements of incidents.json made last time (none:
    /// every element is written).
    fn json_elements(&mut self) -> Option<&mut crate::feeds::JsonCache> {
        None
    }

    /// The pages, feeds and assets are in the sink; only the search index
    /// and its page are left.
    fn pages_ready(&mut self, _paths: &[String], _diags: &Diagnostics) {}

    /// search: the words of the documents indexed last time (none: every
    /// document is tokenised).
    fn search_index(&mut self) -> Option<&mut crate::search::index::IndexCache> {
        None
    }

    /// render: the theme's templates compiled (`None`: they do not
    /// compile, and `diags` says why).
    fn templates(
        &mut self,
        theme: &crate::theme::Theme,
        diags: &mut Diagnostics,
    ) -> Option<std::sync::Arc<tera::Tera>> {
        crate::render::compile_templates(theme, diags).map(std::sync::Arc::new)
    }

    /// The build rendered its pages: the cards and cross-links it built,
    /// for the next build to keep.
    fn keep_cards(&mut self, _renderer: Renderer<'_>) {}

    /// The build got through (`diags` says whether it succeeded): what it
    /// made, for the next build to keep.
    fn keep(&mut self, _archive: Archive, _bodies: Bodies, _diags: &Diagnostics) {}

    /// The build stopped before rendering (errors, a broken template).
    fn failed(&mut self, _archive: Archive) {}
}

/// Keeps nothing: `build` and `check`.
pub struct NoReuse;

impl Reuse for NoReuse {}
