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
//!
//! The formats: `persons`, `sites`, `families`, `profiles` (CSV, columns in each module's
//! documentation), `fam` (a Familias DVI file), `cmf` (CODIS CMF 3.2 XML), `gedcom` (a family tree),
//! `genemapper` (an allele table). All CSV files are UTF-8 with a header row; columns may come in
//! any order, values are trimmed, and an empty cell is the same as a missing column.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;

use anyhow::Result;
use registry::{FamilyMember, Store};

use crate::input_error;

pub mod cmf;
pub mod fam;
pub mod families;
pub mod gedcom;
pub mod genemapper;
pub mod persons;
pub mod profiles;
pub mod sites;
pub(crate) mod table;

/// One kind of file imported into the registry: check, then plan, then write (see the module
/// documentation). `label` names the file in every error.
pub trait Import {
    /// The file read and checked on its own.
    type Checked: Send;
    /// What will be written, checked against the registry.
    type Plan: Send;
    /// What was written, for the closing line the command prints.
    type Written: Display;

    /// Reads and checks the whole text of the file.
    fn check(&self, label: &str, text: &str) -> Result<Self::Checked>;

    /// What the user should know about a file that checked (data kept but not understood).
    fn warnings(&self, _checked: &Self::Checked) -> Vec<String> {
        Vec::new()
    }

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
pub async fn plan_and_write<I: Import + Sync>(
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
pub async fn run<I: Import + Sync>(
    importer: &I,
    store: &Store,
    label: &str,
    text: &str,
    actor: &str,
) -> Result<I::Written> {
    let checked = importer.check(label, text)?;
    plan_and_write(importer, store, label, actor, checked).await
}

/// A failed write of the record on `line`: the registry's refusal is bad input (exit code 2), anything
/// else (a lost connection) is not; either way nothing was written.
pub(crate) fn write_failure(path: &str, line: u64, e: registry::StoreError) -> anyhow::Error {
    let advice = "nothing was written (the file is imported in one transaction)";
    match e {
        e @ (registry::StoreError::Invalid(_)
        | registry::StoreError::Duplicate { .. }
        | registry::StoreError::NotFound { .. }) => input_error!("{path}: line {line}: {e}; {advice}"),
        other => anyhow::Error::new(other).context(format!("{path}: line {line}: writing failed; {advice}")),
    }
}

/// The registry's families among `external_ids` (by trimmed external id → family id) and all their
/// members: two bulk reads, whatever the number of rows naming them.
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
