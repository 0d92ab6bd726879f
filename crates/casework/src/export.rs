//! Exports from the registry: persons as the CSV that `import persons` reads, families with their
//! members (contacts left out), and CODIS CMF ([`cmf`], written by the module that reads it).

use std::io::Write;

use anyhow::Result;
use registry::model::Person;
use registry::{Family, FamilyMember, Store};
use serde::Serialize;

pub use crate::import::cmf::{export as cmf, CmfHeader};
use crate::import::persons::{person_record, COLUMNS};

/// How many persons are read per query while exporting.
const PAGE: i64 = 1000;

/// Writes every person as a persons CSV (header first), page by page.
pub async fn persons_csv(store: &Store, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    let mut offset = 0;
    loop {
        let page = store.search_persons(None, PAGE, offset).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as i64;
        for p in &page {
            w.write_record(person_record(p))?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Every person, in the registry's order.
pub async fn persons(store: &Store) -> Result<Vec<Person>> {
    let mut all = Vec::new();
    loop {
        let page = store.search_persons(None, PAGE, all.len() as i64).await?;
        if page.is_empty() {
            return Ok(all);
        }
        all.extend(page);
    }
}

/// A family and its members, as `export families` writes them.
#[derive(Debug, Serialize)]
pub struct FamilyWithMembers {
    pub family: Family,
    pub members: Vec<FamilyMember>,
}

/// Every family with its members.
pub async fn families(store: &Store) -> Result<Vec<FamilyWithMembers>> {
    let mut out = Vec::new();
    for family in store.list_families().await? {
        let members = store.list_members(family.id).await?;
        out.push(FamilyWithMembers { family, members });
    }
    Ok(out)
}
