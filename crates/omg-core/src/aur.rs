//! The AUR's package records as aurweb describes them (RPC answers and metadata
//! dumps share the field names), and a search's hits. Shared here because omgd
//! answers AUR searches over the wire; fetching and matching live in
//! `omg-packages`.

use crate::MatchKind;
use serde::{Deserialize, Serialize};

/// One package as aurweb describes it. RPC search answers carry the first block
/// of fields; info answers and the metadata dump add the dependency lists and the
/// rest, whose keys aurweb leaves out when they are empty. Hits from omgd's local
/// index fill only what a search shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AurPackage {
    #[serde(rename = "ID", default)]
    pub id: u64,
    #[serde(rename = "PackageBaseID", default)]
    pub package_base_id: u64,
    pub name: String,
    pub package_base: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "URL", default)]
    pub url: Option<String>,
    #[serde(rename = "URLPath", default)]
    pub url_path: Option<String>,
    #[serde(default)]
    pub num_votes: u64,
    #[serde(default)]
    pub popularity: f64,
    /// When it was flagged out of date (unix time); `None`: it is not.
    #[serde(default)]
    pub out_of_date: Option<i64>,
    /// `None`: orphaned, anyone may adopt it.
    #[serde(default)]
    pub maintainer: Option<String>,
    /// Info only (search answers dropped it).
    #[serde(default)]
    pub submitter: Option<String>,
    #[serde(default)]
    pub first_submitted: i64,
    #[serde(default)]
    pub last_modified: i64,
    #[serde(default)]
    pub depends: Vec<String>,
    #[serde(default)]
    pub make_depends: Vec<String>,
    #[serde(default)]
    pub check_depends: Vec<String>,
    #[serde(default)]
    pub opt_depends: Vec<String>,
    #[serde(default)]
    pub conflicts: Vec<String>,
    #[serde(default)]
    pub provides: Vec<String>,
    #[serde(default)]
    pub replaces: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub co_maintainers: Vec<String>,
    #[serde(default)]
    pub license: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub pending_requests: u64,
}

/// One AUR package matching a search, with how it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AurHit {
    /// The package as the AUR described it.
    pub package: AurPackage,
    /// How its name matched (or only its description).
    pub matched: MatchKind,
}

/// An AUR search's answer: the hits, ranked and cut at the limit, and how many
/// matched before the cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AurSearchResults {
    /// Ranked hits, at most the limit asked for.
    pub hits: Vec<AurHit>,
    /// How many matched in all.
    pub total: usize,
}
