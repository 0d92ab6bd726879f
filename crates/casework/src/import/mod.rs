//! Every import into the registry, in the same three steps behind one trait, [`Import`]:
//!
//! 1. **check**: the file's text is read and checked on its own (no registry needed); the first
//!    problem stops the import, naming the file, line and column, and nothing is written;
//! 2. **plan**: the checked records are compared with what the registry holds (the persons,
//!    families, samples they name; records already there are skipped after checking that they
//!    agree with the file); reads only;
//! 3. **write**: the plan is written in **one transaction**: all of the file or, if anything fails
//!    (a crash, a lost connection, a concurrent change), nothing.
//!
//! So re-running a file that was imported writes nothing, and a bad file leaves the registry as it
//! was. The command line and the server call the same importers: [`run`] does the three steps.
//! Step 1 is the trait [`Import`], steps 2 and 3 [`IntoRegistry`]; without the `store` feature
//! only the CSV importers' checks are built (what the fuzz targets call).
//!
//! The formats: `persons`, `sites`, `families`, `profiles` (CSV, columns in each module's
//! documentation), `fam` (a Familias DVI file), `cmf` (CODIS CMF 3.2 XML), `gedcom` (a family tree),
//! `genemapper` (an allele table). All CSV files are UTF-8 with a header row; columns may come in
//! any order, values are trimmed, and an empty cell is the same as a missing column.

#[cfg(feature = "store")]
use std::{collections::HashMap, fmt::Display, future::Future};

use anyhow::Result;
#[cfg(feature = "store")]
use registry::{FamilyMember, Store};

#[cfg(feature = "store")]
use crate::input_error;

// The importers whose checked records are the store's own types (specimens, genealogy, typings, a
// `.fam` file's references) need the registry whole; the CSV importers' checks work without it.
#[cfg(feature = "store")]
pub mod cmf;
#[cfg(feature = "store")]
pub mod fam;
pub mod families;
#[cfg(feature = "store")]
pub mod gedcom;
#[cfg(feature = "store")]
pub mod genemapper;
pub mod persons;
pub mod profiles;
pub mod sites;
pub(crate) mod table;
#[cfg(feature = "store")]
pub mod vcf;

/// One kind of file imported into the registry, step 1: the file read and checked on its own (see
/// the module documentation). `label` names the file in every error. Needs no registry, so it is
/// there without the `store` feature (the fuzz targets call it).
pub trait Import {
    /// The file read and checked on its own.
    type Checked: Send;

    /// Reads and checks the whole text of the file.
    fn check(&self, label: &str, text: &str) -> Result<Self::Checked>;

    /// What the user should know about a file that checked (data kept but not understood).
    fn warnings(&self, _checked: &Self::Checked) -> Vec<String> {
        Vec::new()
    }
}

/// Steps 2 and 3 of an import: the checked records planned against the registry, then written
/// (feature `store`).
#[cfg(feature = "store")]
pub trait IntoRegistry: Import {
    /// What will be written, checked against the registry.
    type Plan: Send;
    /// What was written, for the closing line the command prints.
    type Written: Display;

    /// Checks the records against the registry; reads only.
    fn plan(
        &self,
        store: &Store,
        label: &str,
        checked: Self::Checked,
    ) -> impl Future<Output = Result<Self::Plan>> + Send;

    /// Writes the plan in one transaction, recording `actor` in the audit log.
    fn write(
        &self,
        store: &Store,
        label: &str,
        actor: &str,
        plan: Self::Plan,
    ) -> impl Future<Output = Result<Self::Written>> + Send;
}

/// Plans and writes records that were checked: the registry part of an import.
#[cfg(feature = "store")]
pub async fn plan_and_write<I: IntoRegistry + Sync>(
    importer: &I,
    store: &Store,
    label: &str,
    actor: &str,
    checked: I::Checked,
) -> Result<I::Written> {
    let plan = importer.plan(store, label, checked).await?;
    importer.write(store, label, actor, plan).await
}

/// The three steps on the text of one file.
#[cfg(feature = "store")]
pub async fn run<I: IntoRegistry + Sync>(
    importer: &I,
    store: &Store,
    label: &str,
    text: &str,
    actor: &str,
) -> Result<I::Written> {
    let checked = importer.check(label, text)?;
    plan_and_write(importer, store, label, actor, checked).await
}

/// What an import that skips the records the registry holds already (by external id) wrote: its
/// closing line, "N sites imported, M skipped (…)".
#[cfg(feature = "store")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenAndSkipped {
    /// The records, in the plural ("sites", "references").
    pub what: &'static str,
    pub written: usize,
    pub skipped: usize,
}

#[cfg(feature = "store")]
impl Display for WrittenAndSkipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} imported, {} skipped (external_id already in the registry)",
            self.written, self.what, self.skipped
        )
    }
}

/// A failed write of the record on `line`: the registry's refusal is bad input (exit code 2), anything
/// else (a lost connection) is not; either way nothing was written.
#[cfg(feature = "store")]
pub(crate) fn write_failure(path: &str, line: u64, e: registry::StoreError) -> anyhow::Error {
    let advice = "nothing was written (the file is imported in one transaction)";
    match e {
        e @ (registry::StoreError::Invalid(_)
        | registry::StoreError::Duplicate { .. }
        | registry::StoreError::NotFound { .. }) => input_error!("{path}: line {line}: {e}; {advice}"),
        other => anyhow::Error::new(other).context(format!("{path}: line {line}: writing failed; {advice}")),
    }
}

/// What a failed batch write (the registry's index of the refused record and its error) becomes:
/// [`write_failure`] naming the line that record came from (`lines[index]`, 0 if unknown).
#[cfg(feature = "store")]
pub(crate) fn batch_write_failure<'a>(
    path: &'a str,
    lines: &'a [u64],
) -> impl FnOnce((usize, registry::StoreError)) -> anyhow::Error + 'a {
    move |(index, e)| write_failure(path, lines.get(index).copied().unwrap_or(0), e)
}

/// The registry's families among `external_ids` (by trimmed external id → family id) and all their
/// members: two bulk reads, whatever the number of rows naming them.
#[cfg(feature = "store")]
pub(crate) async fn families_with_members(
    store: &Store,
    mut external_ids: Vec<&str>,
) -> Result<(HashMap<String, i64>, Vec<FamilyMember>)> {
    external_ids.sort_unstable();
    external_ids.dedup();
    let families: HashMap<String, i64> = store
        .families_by_external_id(&external_ids)
        .await?
        .into_iter()
        .map(|f| (f.external_id.trim().to_owned(), f.id))
        .collect();
    let ids: Vec<i64> = families.values().copied().collect();
    let members = store.members_of_families(&ids).await?;
    Ok((families, members))
}
