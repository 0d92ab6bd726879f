//! Families and the reference samples their members gave, imported together in one transaction
//! (for files such as Familias's DVI section, which hold both).

use crate::model::{Consent, ImportFamily, ImportSummary, NewReference, ReferenceProfile};
use crate::store::{Store, StoreError};

/// A reference sample given by a member of a family imported in the same call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFamilyReference {
    /// Position of the family in the families of the call.
    pub family: usize,
    /// Position of the donor in that family's members.
    pub member: usize,
    pub external_id: String,
    pub kit: String,
    pub profile: ReferenceProfile,
    pub consent: Consent,
}

/// Which list of [`Store::import_families_with_references`] the failing record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPart {
    Families,
    References,
}

impl Store {
    /// Imports families with their members, then the references they gave, in one transaction:
    /// everything, or nothing if anything is rejected. Each part is checked and written as
    /// [`Store::import_families`] and [`Store::import_references`] do; the error names the part and
    /// the index of the first bad record in it.
    pub async fn import_families_with_references(
        &self,
        actor: &str,
        families: &[ImportFamily],
        references: &[ImportFamilyReference],
    ) -> Result<(ImportSummary, usize), (ImportPart, usize, StoreError)> {
        let at = |part: ImportPart| move |(i, e): (usize, StoreError)| (part, i, e);
        for (i, r) in references.iter().enumerate() {
            let known = families.get(r.family).is_some_and(|f| r.member < f.members.len());
            if !known {
                return Err((
                    ImportPart::References,
                    i,
                    StoreError::Invalid(crate::model::FieldError::new(
                        "donor_member_id",
                        format!("family {} has no member {}", r.family, r.member),
                    )),
                ));
            }
        }
        let backend = self.backend();
        let mut tx = self.begin_write().await.map_err(|e| (ImportPart::Families, 0, e))?;
        let (_, member_ids) = self.write_families(&mut tx, backend, actor, families)
            .await
            .map_err(at(ImportPart::Families))?;
        let references: Vec<NewReference> = references
            .iter()
            .map(|r| NewReference {
                external_id: r.external_id.clone(),
                donor_member_id: member_ids[r.family][r.member],
                kit: r.kit.clone(),
                profile: r.profile.clone(),
                consent: r.consent,
            })
            .collect();
        let n = self.import_references_in(&mut tx, backend, actor, &references)
            .await
            .map_err(at(ImportPart::References))?;
        tx.commit()
            .await
            .map_err(|e| (ImportPart::References, references.len(), e.into()))?;
        let summary = crate::ImportSummary {
            families: families.len(),
            members: families.iter().map(|f| f.members.len()).sum(),
        };
        Ok((summary, n))
    }
}
