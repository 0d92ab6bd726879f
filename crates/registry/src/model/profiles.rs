//! DNA profiles as the registry keeps them: STR genotypes by marker, and the texts of Y haplotypes
//! and mtDNA profiles. The registry only checks their shape; reading them into alleles and
//! variants is the identification crates' work.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::FieldError;
use serde::{Deserialize, Serialize};

words! {
    /// The kinds of profile a laboratory reports.
    pub enum ProfileKind {
        Str = "STR",
        Y = "Y",
        Mtdna = "mtDNA",
    }
    parse: none;
}

impl FromStr for ProfileKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "str" | "autosomal" => Ok(ProfileKind::Str),
            "y" | "y-str" | "ystr" => Ok(ProfileKind::Y),
            "mtdna" | "mt" => Ok(ProfileKind::Mtdna),
            _ => Err(format!("'{s}' is not a profile kind (STR, Y or mtDNA)")),
        }
    }
}

/// STR genotypes by marker, `{"D3S1358": "14/15", "TH01": "9.3"}`: one or two alleles separated by
/// `/` (one allele: homozygous, or a partner lost to dropout; `-` for an allele known to be missing;
/// off-ladder alleles as reported, `<6` or `>17`).
/// Markers are kept sorted, so the JSON of a profile is always the same text.
/// The most markers a profile holds (kits type 16 to 30 autosomal STRs, Y kits up to 27).
pub const MAX_MARKERS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "BTreeMap<String, String>", into = "BTreeMap<String, String>")]
pub struct StrProfile(BTreeMap<String, String>);

fn check_allele(marker: &str, allele: &str) -> Result<(), FieldError> {
    // Off-ladder alleles keep the `<` or `>` a laboratory reports them with (`<6`, `>17`).
    let body = allele.strip_prefix(['<', '>']).unwrap_or(allele);
    let ok = allele == "-"
        || (!body.is_empty() && allele.len() <= 20 && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "str_profile",
            format!("marker {marker}: '{allele}' is not an allele (such as 14, 9.3, X, <6 or -)"),
        ))
    }
}

impl StrProfile {
    /// Genotypes by marker; marker names are trimmed, genotypes written `a/b` or `a`.
    pub fn new<K: AsRef<str>, V: AsRef<str>>(
        genotypes: impl IntoIterator<Item = (K, V)>,
    ) -> Result<StrProfile, FieldError> {
        let mut out = BTreeMap::new();
        for (marker, genotype) in genotypes {
            if out.len() == MAX_MARKERS {
                return Err(FieldError::new(
                    "str_profile",
                    format!("more than {MAX_MARKERS} markers: no STR kit types that many"),
                ));
            }
            let marker = marker.as_ref().trim();
            if marker.is_empty() || marker.chars().count() > 64 || marker.chars().any(char::is_control) {
                return Err(FieldError::new(
                    "str_profile",
                    format!("'{marker}' is not a marker name (1–64 characters)"),
                ));
            }
            let alleles: Vec<&str> = genotype.as_ref().split('/').map(str::trim).collect();
            if alleles.len() > 2 {
                return Err(FieldError::new(
                    "str_profile",
                    format!("marker {marker}: '{}' has more than two alleles", genotype.as_ref()),
                ));
            }
            for a in &alleles {
                check_allele(marker, a)?;
            }
            if out.insert(marker.to_owned(), alleles.join("/")).is_some() {
                return Err(FieldError::new(
                    "str_profile",
                    format!("marker {marker} is given twice"),
                ));
            }
        }
        Ok(StrProfile(out))
    }

    pub fn genotypes(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl TryFrom<BTreeMap<String, String>> for StrProfile {
    type Error = FieldError;
    fn try_from(map: BTreeMap<String, String>) -> Result<Self, FieldError> {
        StrProfile::new(map)
    }
}

impl From<StrProfile> for BTreeMap<String, String> {
    fn from(p: StrProfile) -> Self {
        p.0
    }
}

/// A Y haplotype or mtDNA profile as text (`DYS19=14;DYS390=24`, `16129A 16223T`): not empty, at most
/// 10,000 characters.
pub(crate) fn check_lineage_text(field: &str, text: &str) -> Result<(), FieldError> {
    super::required_text(field, text, 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_profiles_parse_and_serialise_sorted() {
        let p = StrProfile::new([
            ("TH01", "9.3 / 10"),
            ("D3S1358", "14"),
            ("AMEL", "X/Y"),
            ("vWA", "17/-"),
        ])
        .unwrap();
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"AMEL":"X/Y","D3S1358":"14","TH01":"9.3/10","vWA":"17/-"}"#
        );
        let back: StrProfile = serde_json::from_str(r#"{"TH01":"9.3/10"}"#).unwrap();
        assert_eq!(back.genotypes()["TH01"], "9.3/10");
        for bad in [
            ("TH01", "9/10/11"),
            ("TH01", ""),
            ("", "9"),
            ("TH01", "9,10"),
            ("TH01", "9/"),
        ] {
            let e = StrProfile::new([bad]).unwrap_err();
            assert_eq!(e.field, "str_profile", "{bad:?}");
        }
        assert!(serde_json::from_str::<StrProfile>(r#"{"TH01":"x y"}"#).is_err());
    }

    #[test]
    fn profile_kinds_read_common_spellings() {
        assert_eq!("y-str".parse::<ProfileKind>().unwrap(), ProfileKind::Y);
        assert_eq!("mtDNA".parse::<ProfileKind>().unwrap(), ProfileKind::Mtdna);
        assert_eq!(serde_json::to_string(&ProfileKind::Str).unwrap(), r#""STR""#);
    }
}
