//! `import genemapper FILE`: a GeneMapper/GeneMarker allele table (see
//! `formats::genemapper`) recorded on the registry's samples and references. Each `Sample Name` is
//! the external id of a sample taken from remains (for STR typing) or of a reference sample. A
//! marker's one allele is written as called (homozygous, or a partner lost to dropout), two as
//! `a/b`; more than two, off-ladder calls (`OL`) and empty rows are refused, naming the line. The
//! amelogenin row is checked against the sex recorded for a reference's donor: a mismatch is an
//! error naming the line (remains have no recorded sex to check).
//!
//! The whole table is checked first (exit code 2 and nothing written on any problem); then every
//! typing is written in one transaction. A typing already recorded with the same genotypes is
//! skipped; different genotypes for a typed sample are refused, never overwritten.

use std::collections::HashMap;
use std::fmt;

use anyhow::Result;
use formats::genemapper::{read_genemapper, GeneMapperProfile};
use registry::model::Sex;
use registry::{NewTyping, Store, StrProfile, TypingTargetInfo};

use super::{batch_write_failure, Import, IntoRegistry};
use crate::input_error;

/// A sample's genotypes as the registry writes them, or the line and message of the first problem.
fn genotypes(path: &str, p: &GeneMapperProfile) -> Result<StrProfile> {
    let mut out = Vec::new();
    for (marker, alleles) in &p.markers {
        let line = p.marker_lines.get(marker).copied().unwrap_or(p.line);
        let bad = |why: String| {
            input_error!(
                "{path}: line {line}, column 'Allele 1': sample '{}', marker {marker}: {why}",
                p.sample
            )
        };
        if let Some(ol) = alleles.iter().find(|a| a.eq_ignore_ascii_case("OL")) {
            return Err(bad(format!(
                "off-ladder call '{ol}': size it against the ladder before import"
            )));
        }
        match alleles.as_slice() {
            [] => continue,
            [a] => out.push((marker.clone(), a.clone())),
            [a, b] => out.push((marker.clone(), format!("{a}/{b}"))),
            more => {
                return Err(bad(format!(
                    "{} alleles ({}): a single-source reference profile has at most two",
                    more.len(),
                    more.join(", ")
                )))
            }
        }
    }
    if out.is_empty() {
        return Err(input_error!(
            "{path}: line {}, column 'Allele 1': sample '{}' has no allele calls",
            p.line,
            p.sample
        ));
    }
    StrProfile::new(out.iter().map(|(m, g)| (m.as_str(), g.as_str()))).map_err(|e| {
        input_error!(
            "{path}: line {}, column 'Allele 1': sample '{}': {}",
            p.line,
            p.sample,
            e.message
        )
    })
}

/// Finds each sample's registry record and checks amelogenin against the recorded sex.
fn match_targets(path: &str, profiles: &[GeneMapperProfile], targets: &[TypingTargetInfo]) -> Result<Vec<NewTyping>> {
    let mut by_id: HashMap<&str, Vec<&TypingTargetInfo>> = HashMap::new();
    for t in targets {
        by_id.entry(t.external_id.trim()).or_default().push(t);
    }
    let mut out = Vec::new();
    for p in profiles {
        let target = match by_id.get(p.sample.trim()).map(Vec::as_slice) {
            Some([t]) => *t,
            Some(_) => {
                return Err(input_error!(
                    "{path}: line {}, column 'Sample Name': '{}' is both a sample and a reference in the registry",
                    p.line,
                    p.sample
                ))
            }
            None => {
                return Err(input_error!(
                    "{path}: line {}, column 'Sample Name': no sample or reference '{}' in the registry",
                    p.line,
                    p.sample
                ))
            }
        };
        if let Some(sex @ (Sex::Male | Sex::Female)) = target.recorded_sex {
            p.check_sex(sex == Sex::Male).map_err(|why| {
                input_error!(
                    "{path}: line {}, column 'Marker': {why}",
                    p.amelogenin_line.unwrap_or(p.line)
                )
            })?;
        }
        out.push(NewTyping {
            target: target.target,
            genotypes: genotypes(path, p)?,
        });
    }
    Ok(out)
}

/// The GeneMapper/GeneMarker import.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeneMapper;

/// The typings to record, each with its line in the table.
#[derive(Debug)]
pub struct GeneMapperPlan {
    typings: Vec<NewTyping>,
    lines: Vec<u64>,
}

/// How many typings were recorded and how many were recorded already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneMapperWritten {
    pub written: usize,
    pub unchanged: usize,
}

impl fmt::Display for GeneMapperWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} typings recorded, {} unchanged (already recorded with the same genotypes)",
            self.written, self.unchanged
        )
    }
}

impl Import for GeneMapper {
    type Checked = Vec<GeneMapperProfile>;

    fn check(&self, label: &str, text: &str) -> Result<Vec<GeneMapperProfile>> {
        read_genemapper(text).map_err(|e| input_error!("{label}: {e}"))
    }
}

impl IntoRegistry for GeneMapper {
    type Plan = GeneMapperPlan;
    type Written = GeneMapperWritten;

    /// Finds each sample's record, checks its calls and amelogenin against the recorded sex.
    async fn plan(&self, store: &Store, label: &str, profiles: Vec<GeneMapperProfile>) -> Result<GeneMapperPlan> {
        let names: Vec<&str> = profiles.iter().map(|p| p.sample.trim()).collect();
        let targets = store.typing_targets(&names).await?;
        Ok(GeneMapperPlan {
            typings: match_targets(label, &profiles, &targets)?,
            lines: profiles.iter().map(|p| p.line as u64).collect(),
        })
    }

    async fn write(&self, store: &Store, label: &str, actor: &str, plan: GeneMapperPlan) -> Result<GeneMapperWritten> {
        let summary = store
            .import_typings(actor, &plan.typings)
            .await
            .map_err(batch_write_failure(label, &plan.lines))?;
        Ok(GeneMapperWritten {
            written: summary.written,
            unchanged: summary.unchanged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use registry::TypingTarget;

    const TABLE: &str = "Sample Name\tMarker\tAllele 1\tAllele 2\tAllele 3
R-1\tD3S1358\t15\t16\t
R-1\tAMEL\tX\tY\t
R-1\tTH01\t9.3\t\t
V-1\tD3S1358\t14\t\t
";

    fn target(id: &str, target: TypingTarget, sex: Option<Sex>) -> TypingTargetInfo {
        TypingTargetInfo {
            external_id: id.into(),
            target,
            recorded_sex: sex,
        }
    }

    #[test]
    fn genotypes_and_the_amelogenin_check() {
        let profiles = read_genemapper(TABLE).unwrap();
        let targets = [
            target("R-1", TypingTarget::Reference(7), Some(Sex::Male)),
            target("V-1", TypingTarget::Sample(3), None),
        ];
        let t = match_targets("t.txt", &profiles, &targets).unwrap();
        assert_eq!(t[0].target, TypingTarget::Reference(7));
        assert_eq!(
            t[0].genotypes,
            StrProfile::new([("D3S1358", "15/16"), ("TH01", "9.3")]).unwrap()
        );
        assert_eq!(t[1].genotypes, StrProfile::new([("D3S1358", "14")]).unwrap());
        let female = [
            target("R-1", TypingTarget::Reference(7), Some(Sex::Female)),
            targets[1].clone(),
        ];
        let e = match_targets("t.txt", &profiles, &female).unwrap_err().to_string();
        assert!(
            e.starts_with("t.txt: line 3, column 'Marker': sample 'R-1': amelogenin shows X and Y"),
            "{e}"
        );
        let e = match_targets("t.txt", &profiles, &targets[..1])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.txt: line 5, column 'Sample Name': no sample or reference 'V-1'"),
            "{e}"
        );
        let three = read_genemapper(&TABLE.replace("9.3\t\t", "9.3\t10\t11")).unwrap();
        let e = match_targets("t.txt", &three, &targets).unwrap_err().to_string();
        assert!(
            e.starts_with("t.txt: line 4, column 'Allele 1': sample 'R-1', marker TH01: 3 alleles"),
            "{e}"
        );
        let ol = read_genemapper(&TABLE.replace("V-1\tD3S1358\t14", "V-1\tD3S1358\tOL")).unwrap();
        let e = match_targets("t.txt", &ol, &targets).unwrap_err().to_string();
        assert!(e.contains("line 5") && e.contains("off-ladder"), "{e}");
    }
}
