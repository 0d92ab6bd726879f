//! The SNP share of a matching job's LRs: every sample with a SNP profile on the job's panel
//! against every missing member of every family with SNP references on it, by the Lander–Green
//! chain along each chromosome (`kinship::LinkedChain`), the same computation as `homeward lr
//! --vcf --panel` (the panel read by `formats`, the evidence turned into likelihoods by
//! `formats::SnpCall::likelihoods`).
//!
//! LR = P(sample is the member, the references in their pedigree) / (P(references in their
//! pedigree) · P(sample, unrelated)), per chromosome; the chromosomes' product is the SNP LR, and
//! it multiplies the STR LR (independent marker sets).

use std::collections::HashMap;

use formats::{PanelChromosome, SnpProfile};
use kinship::{GenotypeLikelihoods, LinkageError, LinkedChain, MapFunction, MemberSpec, Pedigree, Sex};
use registry::{ChromosomeEvidence, MatchFamily, SnpBytes, SnpEvidence, SnpPanelInfo};

use crate::JobError;

/// The SNP part of a job's model.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpSettings {
    /// The registry's panel whose profiles the job uses.
    pub panel: String,
    /// The panel's `freq_alt:POP` column (`None`: `freq_alt`).
    pub population: Option<String>,
    /// Genotyping error of calls (GT); never applied to PL, GL or reads.
    pub genotype_error: f64,
    pub map: MapFunction,
    /// Use the sex-averaged map even where the panel has a female and a male one.
    pub sex_averaged_map: bool,
}

impl SnpSettings {
    /// Panel `panel` under `homeward lr`'s defaults: `freq_alt`, no genotyping error, Haldane,
    /// the panel's sex-specific map where it has one.
    pub fn for_panel(panel: &str) -> SnpSettings {
        SnpSettings {
            panel: panel.to_owned(),
            population: None,
            genotype_error: 0.0,
            map: MapFunction::Haldane,
            sex_averaged_map: false,
        }
    }
}

/// Evidence as the chain takes it: `[chromosome][marker]`.
pub type ChromosomeRows = Vec<Vec<Option<GenotypeLikelihoods>>>;

/// A pedigree's evidence along one chromosome: `[marker][member]`.
type MemberRows = Vec<Vec<Option<GenotypeLikelihoods>>>;

/// A panel read for a job: its chromosomes in map order and the model's error rates.
#[derive(Debug, Clone)]
pub struct SnpModel {
    pub panel: SnpPanelInfo,
    pub chromosomes: Vec<PanelChromosome>,
    snps: usize,
    genotype_error: f64,
    map: MapFunction,
}

fn snp_error(what: impl std::fmt::Display) -> JobError {
    JobError::Snp(what.to_string())
}

impl SnpModel {
    /// The panel's text (as the registry keeps it) read under `settings`.
    pub fn new(settings: &SnpSettings, panel: SnpPanelInfo, content: &str) -> Result<SnpModel, JobError> {
        if !(0.0..1.0).contains(&settings.genotype_error) {
            return Err(snp_error(format!(
                "genotype error {} must be in [0, 1)",
                settings.genotype_error
            )));
        }
        let read = formats::read_snp_panel(content).map_err(|e| snp_error(format!("panel '{}': {e}", panel.name)))?;
        let sex_specific = read.has_sex_specific_map() && !settings.sex_averaged_map;
        let chromosomes = read
            .linked_chromosomes(settings.population.as_deref(), sex_specific)
            .map_err(|e| snp_error(format!("panel '{}': {e}", panel.name)))?;
        Ok(SnpModel {
            panel,
            chromosomes,
            snps: read.snps.len(),
            genotype_error: settings.genotype_error,
            map: settings.map,
        })
    }

    /// One stored profile's likelihoods per chromosome and marker (`what` names it in errors).
    pub fn rows(&self, profile: &SnpBytes, what: &str) -> Result<ChromosomeRows, JobError> {
        let decoded = SnpProfile::decode(&profile.data, self.snps).map_err(|e| snp_error(format!("{what}: {e}")))?;
        let calls = decoded.calls();
        self.chromosomes
            .iter()
            .map(|c| {
                c.snps
                    .iter()
                    .map(|&i| {
                        calls[i]
                            .map(|call| call.likelihoods(self.genotype_error, profile.sequencing_error))
                            .transpose()
                            .map_err(|e| snp_error(format!("{what}: {e}")))
                    })
                    .collect()
            })
            .collect()
    }

    /// The chain of `ped` for the `typed` members (index, their rows) and its evidence
    /// `[chromosome][marker][member]`.
    fn chain(
        &self,
        ped: &Pedigree,
        typed: &[(usize, &ChromosomeRows)],
    ) -> Result<(LinkedChain, Vec<MemberRows>), JobError> {
        let mut flags = vec![false; ped.len()];
        for (i, _) in typed {
            flags[*i] = true;
        }
        let chain = LinkedChain::new(ped, &flags).map_err(linkage)?;
        let evidence = self
            .chromosomes
            .iter()
            .enumerate()
            .map(|(c, chrom)| {
                (0..chrom.markers.len())
                    .map(|k| {
                        let mut row = vec![None; ped.len()];
                        for (i, rows) in typed {
                            row[*i] = rows[c][k];
                        }
                        row
                    })
                    .collect()
            })
            .collect();
        Ok((chain, evidence))
    }

    /// ln L per chromosome of `ped` with `typed` members (index, their rows).
    fn ln_likelihoods(&self, ped: &Pedigree, typed: &[(usize, &ChromosomeRows)]) -> Result<Vec<f64>, JobError> {
        let (mut chain, evidence) = self.chain(ped, typed)?;
        self.chromosomes
            .iter()
            .zip(&evidence)
            .map(|(chrom, e)| chain.ln_likelihood(&chrom.markers, e, self.map).map_err(linkage))
            .collect()
    }

    /// Per chromosome and marker, P(IBD = 0, 1, 2) between members `a` and `b` of `ped` given the
    /// `typed` members' evidence (both `a` and `b` typed).
    pub fn ibd_posteriors(
        &self,
        ped: &Pedigree,
        typed: &[(usize, &ChromosomeRows)],
        a: usize,
        b: usize,
    ) -> Result<Vec<Vec<[f64; 3]>>, JobError> {
        let (mut chain, evidence) = self.chain(ped, typed)?;
        self.chromosomes
            .iter()
            .zip(&evidence)
            .map(|(chrom, e)| chain.ibd_posteriors(&chrom.markers, e, self.map, a, b).map_err(linkage))
            .collect()
    }

    /// The evidence of `log10` per chromosome.
    fn evidence(&self, log10: Vec<f64>) -> SnpEvidence {
        SnpEvidence {
            panel_id: self.panel.id,
            panel: self.panel.name.clone(),
            chromosomes: self
                .chromosomes
                .iter()
                .zip(log10)
                .map(|(c, l)| ChromosomeEvidence {
                    chrom: c.name.clone(),
                    markers: c.markers.len() as i64,
                    log10_lr: l,
                })
                .collect(),
        }
    }
}

fn linkage(e: LinkageError) -> JobError {
    snp_error(e)
}

/// A family's SNP references read for the chain: (member index in `pedigree`, rows).
#[derive(Debug)]
pub struct SnpFamily<'a> {
    pub family: &'a MatchFamily,
    pub pedigree: &'a Pedigree,
    /// The missing members' indices in `pedigree`, with their member ids.
    pub missing: Vec<(usize, i64)>,
    pub references: Vec<(usize, ChromosomeRows)>,
}

impl<'a> SnpFamily<'a> {
    /// `family`'s SNP references on the model's panel (`None` when it has none).
    pub fn new(model: &SnpModel, family: &'a MatchFamily, pedigree: &'a Pedigree) -> Result<Option<Self>, JobError> {
        if family.snp_references.is_empty() {
            return Ok(None);
        }
        let index = |member: i64| {
            pedigree
                .index_of(&format!("m{member}"))
                .ok_or_else(|| JobError::Family {
                    family: family.family_id,
                    message: format!("member {member} is not in the pedigree"),
                })
        };
        let mut references = Vec::new();
        for r in &family.snp_references {
            let rows = model.rows(&r.profile, &format!("reference {}", r.reference_id))?;
            references.push((index(r.member_id)?, rows));
        }
        let missing = family
            .missing
            .iter()
            .map(|&m| Ok((index(m)?, m)))
            .collect::<Result<Vec<_>, JobError>>()?;
        Ok(Some(SnpFamily {
            family,
            pedigree,
            missing,
            references,
        }))
    }

    fn typed(&self) -> Vec<(usize, &ChromosomeRows)> {
        self.references.iter().map(|(i, r)| (*i, r)).collect()
    }
}

/// ln L per chromosome of one sample alone (a founder, unrelated to anyone).
pub fn alone(model: &SnpModel, rows: &ChromosomeRows) -> Result<Vec<f64>, JobError> {
    let ped = Pedigree::new(vec![MemberSpec::new("sample", None, None, Sex::Unknown)]).map_err(snp_error)?;
    model.ln_likelihoods(&ped, &[(0, rows)])
}

/// One family's SNP evidence by (sample index, member id).
pub type FamilyPairs = HashMap<(usize, i64), SnpEvidence>;

/// The SNP evidence of every (sample, missing member) pair of `family`: per chromosome log10 LR,
/// by member id and sample index. `samples_alone[s]` is [`alone`] of `samples[s]`.
pub fn family_pairs(
    model: &SnpModel,
    family: &SnpFamily<'_>,
    samples: &[ChromosomeRows],
    samples_alone: &[Vec<f64>],
) -> Result<FamilyPairs, JobError> {
    let references = family.typed();
    let h0 = model.ln_likelihoods(family.pedigree, &references)?;
    let mut out = HashMap::new();
    for &(missing, member_id) in &family.missing {
        let mut typed = references.clone();
        typed.push((missing, &samples[0]));
        for (s, rows) in samples.iter().enumerate() {
            let last = typed.len() - 1;
            typed[last] = (missing, rows);
            let h1 = model.ln_likelihoods(family.pedigree, &typed)?;
            let log10: Vec<f64> = h1
                .iter()
                .zip(&h0)
                .zip(&samples_alone[s])
                .map(|((h1, h0), a)| (h1 - h0 - a) / std::f64::consts::LN_10)
                .collect();
            // A chromosome that excludes the pairing gives −∞ (LR 0), which is kept: the pair's
            // LR is then 0. NaN would mean the references contradict their own pedigree.
            if log10.iter().any(|x| x.is_nan()) {
                return Err(JobError::Family {
                    family: family.family.family_id,
                    message:
                        "the SNP references are impossible in their own pedigree (check the pedigree and the profiles)"
                            .into(),
                });
            }
            out.insert((s, member_id), model.evidence(log10));
        }
    }
    Ok(out)
}
