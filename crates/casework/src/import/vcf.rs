//! `import snp-panel FILE --name NAME` and `import vcf FILE --panel NAME`: SNP panels kept in the
//! registry, and SNP profiles from a VCF file recorded on the samples and references its sample
//! columns name (by external id).
//!
//! A panel is checked as a job reads it (`formats::read_snp_panel`, then its chromosomes and
//! frequencies) and kept whole under its name; the same file again changes nothing, another file
//! under a name in use is refused. A VCF file is read whole (`formats::read_vcf`), then aligned to
//! the registry's panel (`formats::align_vcf`: every record a panel SNP on its chromosome with its
//! alleles; every call a valid likelihood), each sample column found among the registry's samples
//! and references, and written in one transaction in the compact form of `formats::snp_profile`.
//! The VCF file is named in each profile by its SHA-256. Errors name the file, line and field.

use std::collections::HashMap;
use std::fmt;

use anyhow::Result;
use formats::{SnpProfile, VcfFile};
use registry::{NewSnpProfile, SnpSource, Store, TypingTargetInfo};

use super::{write_failure, Import, IntoRegistry};
use crate::input_error;

/// The panel import.
#[derive(Debug, Clone)]
pub struct SnpPanelImport {
    /// The name the registry keeps it under (`FORCE`).
    pub name: String,
}

/// A checked panel: its text and SNP count.
#[derive(Debug)]
pub struct CheckedPanel {
    text: String,
    snps: usize,
    chromosomes: usize,
}

/// What the panel import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelWritten {
    pub name: String,
    pub snps: i64,
    pub chromosomes: usize,
    pub sha256: String,
}

impl fmt::Display for PanelWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SNP panel '{}' kept: {} SNPs on {} chromosomes (SHA-256 {})",
            self.name, self.snps, self.chromosomes, self.sha256
        )
    }
}

impl Import for SnpPanelImport {
    type Checked = CheckedPanel;

    fn check(&self, label: &str, text: &str) -> Result<CheckedPanel> {
        let panel = formats::read_snp_panel(text).map_err(|e| input_error!("{label}: {e}"))?;
        // As a job will read it: every SNP autosomal, with a frequency strictly inside (0, 1).
        let chromosomes = panel
            .linked_chromosomes(None, panel.has_sex_specific_map())
            .map_err(|e| input_error!("{label}: {e}"))?;
        if panel.snps.is_empty() {
            return Err(input_error!("{label}: line 2: the panel has no SNPs"));
        }
        Ok(CheckedPanel {
            text: text.to_owned(),
            snps: panel.snps.len(),
            chromosomes: chromosomes.len(),
        })
    }
}

impl IntoRegistry for SnpPanelImport {
    type Plan = CheckedPanel;
    type Written = PanelWritten;

    async fn plan(&self, _store: &Store, _label: &str, checked: CheckedPanel) -> Result<CheckedPanel> {
        Ok(checked)
    }

    async fn write(&self, store: &Store, label: &str, actor: &str, plan: CheckedPanel) -> Result<PanelWritten> {
        let kept = store
            .store_snp_panel(actor, &self.name, &plan.text, plan.snps as i64, label)
            .await
            .map_err(|e| write_failure(label, 1, e))?;
        Ok(PanelWritten {
            name: kept.name,
            snps: kept.snps,
            chromosomes: plan.chromosomes,
            sha256: kept.sha256,
        })
    }
}

/// The VCF import.
#[derive(Debug, Clone)]
pub struct VcfImport {
    /// The registry's panel the file was typed on.
    pub panel: String,
    /// Read counts (`AD`) are used, with this per-read error rate, where a column has them.
    pub sequencing_error: Option<f64>,
}

/// A checked VCF file and its SHA-256.
#[derive(Debug)]
pub struct CheckedVcf {
    vcf: VcfFile,
    sha256: String,
}

/// The profiles to write.
#[derive(Debug)]
pub struct VcfPlan {
    panel_id: i64,
    source: SnpSource,
    profiles: Vec<NewSnpProfile>,
    header_line: usize,
}

/// What the VCF import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcfWritten {
    pub written: usize,
    pub unchanged: usize,
}

impl fmt::Display for VcfWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} SNP profiles recorded, {} unchanged (already recorded with the same calls)",
            self.written, self.unchanged
        )
    }
}

impl Import for VcfImport {
    type Checked = CheckedVcf;

    fn check(&self, label: &str, text: &str) -> Result<CheckedVcf> {
        if let Some(e) = self.sequencing_error {
            if !(e > 0.0 && e < 0.5) {
                return Err(input_error!("--sequencing-error {e}: must be in (0, 0.5)"));
            }
        }
        let vcf = formats::read_vcf(text).map_err(|e| input_error!("{label}: {e}"))?;
        Ok(CheckedVcf {
            vcf,
            sha256: registry::sha256_hex(text),
        })
    }
}

/// Each VCF sample's registry record (a sample or a reference with that external id).
fn targets_of(label: &str, vcf: &VcfFile, found: &[TypingTargetInfo]) -> Result<Vec<registry::TypingTarget>> {
    let mut by_id: HashMap<&str, Vec<&TypingTargetInfo>> = HashMap::new();
    for t in found {
        by_id.entry(t.external_id.trim()).or_default().push(t);
    }
    vcf.samples
        .iter()
        .map(|name| match by_id.get(name.trim()).map(Vec::as_slice) {
            Some([t]) => Ok(t.target),
            Some(_) => Err(input_error!(
                "{label}: line {}, field '{name}': '{name}' is both a sample and a reference in the registry",
                vcf.header_line
            )),
            None => Err(input_error!(
                "{label}: line {}, field '{name}': no sample or reference '{name}' in the registry",
                vcf.header_line
            )),
        })
        .collect()
}

impl IntoRegistry for VcfImport {
    type Plan = VcfPlan;
    type Written = VcfWritten;

    async fn plan(&self, store: &Store, label: &str, checked: CheckedVcf) -> Result<VcfPlan> {
        let panel = store.snp_panel(&self.panel).await?.ok_or_else(|| {
            input_error!(
                "--panel {}: the registry keeps no such SNP panel (homeward import snp-panel FILE --name {})",
                self.panel,
                self.panel
            )
        })?;
        let (panel, text) = store
            .snp_panel_content(panel.id)
            .await?
            .ok_or_else(|| input_error!("--panel {}: the panel is gone", self.panel))?;
        let read = formats::read_snp_panel(&text).map_err(|e| input_error!("panel '{}': {e}", panel.name))?;
        let vcf = &checked.vcf;
        let profiles: Vec<SnpProfile> = formats::align_vcf(&read, vcf, self.sequencing_error)
            .map_err(|e| input_error!("{label}: {e} (panel '{}')", panel.name))?;
        let names: Vec<&str> = vcf.samples.iter().map(|s| s.trim()).collect();
        let targets = targets_of(label, vcf, &store.typing_targets(&names).await?)?;
        let mut out = Vec::with_capacity(profiles.len());
        for ((profile, target), name) in profiles.iter().zip(targets).zip(&vcf.samples) {
            if profile.typed() == 0 {
                return Err(input_error!(
                    "{label}: line {}, field '{name}': sample '{name}' has no call at any SNP",
                    vcf.header_line
                ));
            }
            let kinds = profile.kinds();
            out.push(NewSnpProfile {
                target,
                sequencing_error: if kinds.contains(&"AD") {
                    self.sequencing_error
                } else {
                    None
                },
                evidence: kinds.join(","),
                typed_snps: profile.typed() as i64,
                data: profile.encode(),
            });
        }
        Ok(VcfPlan {
            panel_id: panel.id,
            source: SnpSource {
                sha256: checked.sha256,
                name: label.to_owned(),
            },
            profiles: out,
            header_line: vcf.header_line,
        })
    }

    async fn write(&self, store: &Store, label: &str, actor: &str, plan: VcfPlan) -> Result<VcfWritten> {
        let summary = store
            .import_snp_profiles(actor, plan.panel_id, &plan.source, &plan.profiles)
            .await
            .map_err(|(_, e)| write_failure(label, plan.header_line as u64, e))?;
        Ok(VcfWritten {
            written: summary.written,
            unchanged: summary.unchanged,
        })
    }
}
