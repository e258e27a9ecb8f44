//! What a build may keep from the build before it.
//!
//! [`crate::pipeline`] runs every stage on every build and asks a [`Reuse`]
//! at each stage what it may keep instead of computing it again. `build`
//! and `check` pass [`NoReuse`]: every default below computes everything,
//! so the pipeline never needs to know whether anything was kept. `serve`
//! passes its cache (`serve::incremental::Cache`), which keeps parsed
//! files, bodies, cards and the pages an edit leaves as they were. The
//! pipeline does not depend on serve; serve depends on this trait.

use rayon::prelude::*;

use crate::archive::Archive;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::Rendered;
use crate::model::{CauseDoc, Incident, Include, Page};
use crate::parse;
use crate::render::{Bodies, CardCache, OutputFile, PageKey, Renderer, Skip};
use crate::source::Snapshot;

/// One incident file's parse result.
pub type Parsed = Result<Incident, Vec<Diagnostic>>;

/// What the pipeline asks, stage by stage, in this order. Every method
/// has the answer of a build that keeps nothing.
pub trait Reuse {
    /// The pages this build leaves as they were ([`Skip`]).
    type Plan: Skip;

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
    fn bodies(&mut self, archive: &Archive) -> Vec<Option<Rendered>> {
        archive.incidents.iter().map(|_| None).collect()
    }

    /// plan: which pages may be left as they were, now that the bodies are
    /// known; `None`: render every page.
    fn plan(&mut self, _archive: &Archive, _bodies: &Bodies) -> Option<Self::Plan> {
        None
    }

    /// render: the incident cards kept from the last build (none: every
    /// card is built).
    fn cards(&mut self) -> Option<&mut CardCache> {
        None
    }

    /// render: the plan again, once the shared page data (cross-links) is
    /// built, for the pages whose cross-links differ from the last build's.
    fn crosslinks(&mut self, _archive: &Archive, _renderer: &Renderer<'_>, _plan: Option<&mut Self::Plan>) {}

    /// outputs: an output made from the front matter of the whole archive
    /// (feeds, sitemap), kept while only bodies changed.
    fn listing(&mut self, _path: &'static str, make: &mut dyn FnMut() -> OutputFile) -> OutputFile {
        make()
    }

    /// The pages, feeds and assets are in the sink; only the search index
    /// and its page are left.
    fn pages_ready(&mut self, _paths: &[String], _plan: Option<&Self::Plan>, _diags: &Diagnostics) {}

    /// The build rendered its pages: the cards and cross-links it built,
    /// for the next build to keep.
    fn keep_cards(&mut self, _renderer: Renderer<'_>) {}

    /// The build got through (`diags` says whether it succeeded): what it
    /// made, for the next build to keep.
    fn keep(&mut self, _archive: Archive, _bodies: Bodies, _plan: Option<Self::Plan>, _diags: &Diagnostics) {}

    /// The build stopped before rendering (errors, a broken template).
    fn failed(&mut self, _archive: Archive) {}
}

/// Keeps nothing: `build` and `check`.
pub struct NoReuse;

/// The plan of a build that keeps nothing: there is none.
pub enum NoPlan {}

impl Skip for NoPlan {
    fn skip(&self, _: PageKey<'_>) -> Option<String> {
        match *self {}
    }

    fn rendered(&self, _: PageKey<'_>, _: &str) {
        match *self {}
    }
}

impl Reuse for NoReuse {
    type Plan = NoPlan;
}
