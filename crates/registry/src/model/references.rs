//! Reference samples given by family members, with the donor's consent, as plain data (see
//! `families` for why they live in the model).

use serde::{Deserialize, Serialize};

use super::profiles::{check_lineage_text, StrProfile};
use super::{external_id, required_text, FieldError, PartialDate};

words! {
    /// What the donor agreed their sample may be used for.
    pub enum ConsentScope {
        IdentificationOnly = "identification-only",
        IdentificationAndResearch = "identification-and-research",
    }
    parse: folded, "a consent scope (identification-only, identification-and-research)";
}

/// The donor's consent: its scope and the date it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub scope: ConsentScope,
    pub date: PartialDate,
}

/// The genetic data of a reference sample: STR genotypes and, where typed, the Y haplotype and the
/// mtDNA profile as text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceProfile {
    #[serde(default)]
    pub str_profile: StrProfile,
    #[serde(default)]
    pub y_haplotype: Option<String>,
    #[serde(default)]
    pub mtdna: Option<String>,
}

impl ReferenceProfile {
    pub fn check(&self) -> Result<(), FieldError> {
        if let Some(y) = &self.y_haplotype {
            check_lineage_text("y_haplotype", y)?;
        }
        if let Some(mt) = &self.mtdna {
            check_lineage_text("mtdna", mt)?;
        }
        if self.str_profile.is_empty() && self.y_haplotype.is_none() && self.mtdna.is_none() {
            return Err(FieldError::new(
                "profile",
                "a reference needs STR genotypes, a Y haplotype or an mtDNA profile",
            ));
        }
        Ok(())
    }
}

/// A reference sample, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReference {
    /// The laboratory's or programme's id for the sample (unique).
    pub external_id: String,
    /// The family member who gave the sample.
    pub donor_member_id: i64,
    /// The typing kit (for example "GlobalFiler").
    pub kit: String,
    pub profile: ReferenceProfile,
    pub consent: Consent,
}

impl NewReference {
    pub fn check(&self) -> Result<(), FieldError> {
        external_id(&self.external_id)?;
        required_text("kit", &self.kit, 200)?;
        self.profile.check()
    }
}

/// What is kept of a withdrawn reference instead of its genotypes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// When the withdrawal was recorded (RFC 3339 UTC).
    pub at: String,
    pub reason: String,
    /// SHA-256 (hex) of the erased profile's JSON (`ReferenceProfile::sha256_hex`).
    pub profile_sha256: String,
}

/// A reference sample as stored, without its genetic data (see `Store::get_reference_profile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub id: i64,
    pub external_id: String,
    pub family_id: i64,
    pub donor_member_id: i64,
    pub kit: String,
    pub consent: Consent,
    /// Set once consent is withdrawn; the genotypes are gone.
    pub withdrawal: Option<Withdrawal>,
    pub version: i64,
}
