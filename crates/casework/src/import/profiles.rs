//! `import profiles`: reference samples (STR profiles with consent) from a CSV file, one row per
//! reference sample given by a family member:
//!
//! | column | meaning |
//! |---|---|
//! | `external_id` | the laboratory's id for the sample, unique (required) |
//! | `family_external_id` | the donor's family, already in the registry (required) |
//! | `donor` | the donor's `member` name in that family (required) |
//! | `kit` | the typing kit, such as GlobalFiler (required) |
//! | `consent_scope` | identification-only or identification-and-research (required) |
//! | `consent_date` | YYYY, YYYY-MM or YYYY-MM-DD (required) |
//! | `y_haplotype`, `mtdna` | optional lineage profiles as text |
//! | every other column | an STR marker (the header is its name); genotypes `14/15`, `9.3`, `X/Y`, `17/-`; empty: untyped |
//!
//! Every reference needs at least one genotype (or a Y or mtDNA profile). Genotypes are written
//! to the registry, which keeps them out of the audit log (only their hash). References whose
//! `external_id` the registry holds already (for the same donor) are skipped.

use std::collections::HashMap;

use anyhow::Result;
use registry::model::PartialDate;
#[cfg(feature = "store")]
use registry::Store;
use registry::{Consent, ConsentScope, NewReference, ReferenceProfile, StrProfile};

use super::table::{cell_error, unique_key, Table};
use super::Import;
#[cfg(feature = "store")]
use super::{batch_write_failure, families_with_members, IntoRegistry, WrittenAndSkipped};
use crate::input_error;

/// The fixed columns of the profiles file; every other column is an STR marker.
pub const PROFILE_COLUMNS: [&str; 8] = [
    "external_id",
    "family_external_id",
    "donor",
    "kit",
    "consent_scope",
    "consent_date",
    "y_haplotype",
    "mtdna",
];

/// One row of a profiles file, checked on its own.
// Without `store` the checked rows are only checked, never planned: their fields go unread.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
#[derive(Debug, Clone)]
pub struct ProfileRow {
    line: u64,
    family: String,
    donor: String,
    reference: NewReference,
}

fn read_profiles(table: &Table) -> Result<Vec<ProfileRow>> {
    let markers: Vec<&str> = table
        .headers()
        .iter()
        .map(String::as_str)
        .filter(|h| !PROFILE_COLUMNS.contains(h))
        .collect();
    for m in &markers {
        StrProfile::new([(*m, "1")]).map_err(|e| cell_error(&table.path, 1, m, e.message))?;
    }
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for row in table.rows() {
        let external_id = row.required("external_id")?;
        unique_key(&mut seen, &row, "external_id", external_id)?;
        let genotypes: Vec<(&str, &str)> = markers.iter().filter_map(|m| Some((*m, row.get(m)?))).collect();
        let str_profile = StrProfile::new(genotypes.iter().copied()).map_err(|e| {
            // Name the column of the bad genotype.
            genotypes
                .iter()
                .find_map(|(m, g)| StrProfile::new([(*m, *g)]).err().map(|e| row.error(m, e.message)))
                .unwrap_or_else(|| row.field_error(e))
        })?;
        let profile = ReferenceProfile {
            str_profile,
            y_haplotype: row.get("y_haplotype").map(str::to_owned),
            mtdna: row.get("mtdna").map(str::to_owned),
        };
        if let Err(e) = profile.check() {
            return Err(match e.field.as_str() {
                "profile" => {
                    let columns = match (markers.first(), markers.last()) {
                        (Some(first), Some(last)) if first != last => format!("columns '{first}'…'{last}'"),
                        (Some(only), _) => format!("column '{only}'"),
                        _ => "no marker columns".to_owned(),
                    };
                    input_error!(
                        "{}: line {}, {columns}: no genotype given; a reference needs STR genotypes, a Y haplotype \
                         or an mtDNA profile",
                        table.path,
                        row.line
                    )
                }
                _ => row.field_error(e),
            });
        }
        let reference = NewReference {
            external_id: external_id.to_owned(),
            donor_member_id: 0,
            kit: row.required("kit")?.to_owned(),
            profile,
            consent: Consent {
                scope: row
                    .parse::<ConsentScope>("consent_scope")?
                    .ok_or_else(|| row.error("consent_scope", "is empty"))?,
                date: row
                    .parse::<PartialDate>("consent_date")?
                    .ok_or_else(|| row.error("consent_date", "is empty"))?,
            },
        };
        reference.check().map_err(|e| row.field_error(e))?;
        out.push(ProfileRow {
            line: row.line,
            family: row.required("family_external_id")?.to_owned(),
            donor: row.required("donor")?.to_owned(),
            reference,
        });
    }
    Ok(out)
}

#[cfg(feature = "store")]
/// Resolves families and donors in the registry and drops the references it holds already (after
/// checking they belong to the same donor). Reads only, with bulk look-ups; returns the references
/// to write and how many were skipped.
async fn plan_profiles(store: &Store, path: &str, rows: Vec<ProfileRow>) -> Result<(Vec<ProfileRow>, usize)> {
    let ids: Vec<&str> = rows.iter().map(|r| r.reference.external_id.trim()).collect();
    let existing: HashMap<String, registry::Reference> = store
        .references_by_external_id(&ids)
        .await?
        .into_iter()
        .map(|r| (r.external_id.trim().to_owned(), r))
        .collect();
    let wanted: Vec<&str> = rows.iter().map(|r| r.family.as_str()).collect();
    let (families, stored_members) = families_with_members(store, wanted).await?;
    // (family id, member name) → the ids of the members with that name.
    let mut members: HashMap<(i64, String), Vec<i64>> = HashMap::new();
    for m in stored_members {
        members
            .entry((m.family_id, m.data.display_name.trim().to_owned()))
            .or_default()
            .push(m.id);
    }
    let mut out = Vec::new();
    let mut skipped = 0;
    for mut row in rows {
        let family_id = *families.get(row.family.as_str()).ok_or_else(|| {
            cell_error(
                path,
                row.line,
                "family_external_id",
                format!("no family '{}' in the registry (import families first)", row.family),
            )
        })?;
        let donor = match members.get(&(family_id, row.donor.clone())).map(Vec::as_slice) {
            Some([d]) => *d,
            None | Some([]) => {
                return Err(cell_error(
                    path,
                    row.line,
                    "donor",
                    format!("family {} has no member '{}' in the registry", row.family, row.donor),
                ))
            }
            Some(_) => {
                return Err(cell_error(
                    path,
                    row.line,
                    "donor",
                    format!("family {} has several members named '{}'", row.family, row.donor),
                ))
            }
        };
        if let Some(r) = existing.get(row.reference.external_id.trim()) {
            if r.family_id != family_id || r.donor_member_id != donor {
                return Err(cell_error(
                    path,
                    row.line,
                    "external_id",
                    format!(
                        "reference '{}' is in the registry already, for another donor",
                        row.reference.external_id
                    ),
                ));
            }
            skipped += 1;
            continue;
        }
        row.reference.donor_member_id = donor;
        out.push(row);
    }
    Ok((out, skipped))
}

const PROFILE_REQUIRED: &[&str] = PROFILE_COLUMNS.split_at(6).0;

/// The profiles CSV import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Profiles;

#[cfg(feature = "store")]
/// The references the registry lacks, their donors found, and how many it has already.
#[derive(Debug)]
pub struct ProfilesPlan {
    fresh: Vec<ProfileRow>,
    skipped: usize,
}

impl Import for Profiles {
    /// The rows, each checked on its own; the registry is not consulted.
    type Checked = Vec<ProfileRow>;

    fn check(&self, label: &str, text: &str) -> Result<Vec<ProfileRow>> {
        read_profiles(&Table::parse(label, text, None, PROFILE_REQUIRED)?)
    }
}

#[cfg(feature = "store")]
impl IntoRegistry for Profiles {
    type Plan = ProfilesPlan;
    type Written = WrittenAndSkipped;

    async fn plan(&self, store: &Store, label: &str, rows: Vec<ProfileRow>) -> Result<ProfilesPlan> {
        let (fresh, skipped) = plan_profiles(store, label, rows).await?;
        Ok(ProfilesPlan { fresh, skipped })
    }

    async fn write(&self, store: &Store, label: &str, actor: &str, plan: ProfilesPlan) -> Result<WrittenAndSkipped> {
        let lines: Vec<u64> = plan.fresh.iter().map(|r| r.line).collect();
        let batch: Vec<NewReference> = plan.fresh.into_iter().map(|r| r.reference).collect();
        let written = store
            .import_references(actor, &batch)
            .await
            .map_err(batch_write_failure(label, &lines))?;
        Ok(WrittenAndSkipped {
            what: "references",
            written,
            skipped: plan.skipped,
        })
    }
}
