//! What a matching job computed under, recorded with the job, and the recomputation of one of its
//! candidates from the registry's stored inputs: the check behind `homeward verify identification`
//! and `GET /api/v1/identifications/{id}/verify`.
//!
//! The record holds every number the LR depends on (each marker's alleles, frequencies and both
//! mutation models, the screen's options) and the engine's version, so that the recomputation is
//! the same computation: markers are rebuilt from the record, never from today's configuration.

use kinship::{Chromosome, MapFunction, Marker, MutationModel};
use registry::{CandidateInputs, MatchingData, Store};
use serde::{Deserialize, Serialize};

use crate::snp::{SnpFamily, SnpModel, SnpSettings};
use crate::{build_case, JobError, MatchingSettings};

/// The engine that computes LRs, named in every record: a recomputation by another version says so.
pub const ENGINE: &str = concat!("homeward ", env!("CARGO_PKG_VERSION"));

/// Two LRs agree when their ratio is within this of 1.
pub const RELATIVE_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedModel {
    engine: String,
    /// SHA-256 of the markers' names, alleles and frequencies as recorded below (the frequency
    /// database the job used, whatever file it came from).
    frequencies_sha256: String,
    top: usize,
    min_log10_lr: f64,
    markers: Vec<RecordedMarker>,
    /// The SNP part, when the job used SNP profiles (absent in records from before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    snp: Option<RecordedSnp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedSnp {
    panel: String,
    panel_id: i64,
    /// SHA-256 of the panel file's text as the registry keeps it.
    panel_sha256: String,
    population: Option<String>,
    genotype_error: f64,
    /// `haldane` or `kosambi`.
    map: String,
    sex_averaged_map: bool,
}

impl RecordedSnp {
    fn settings(&self) -> Result<SnpSettings, String> {
        let map = match self.map.as_str() {
            "haldane" => MapFunction::Haldane,
            "kosambi" => MapFunction::Kosambi,
            other => return Err(format!("the job's model: map function '{other}'")),
        };
        Ok(SnpSettings {
            panel: self.panel.clone(),
            population: self.population.clone(),
            genotype_error: self.genotype_error,
            map,
            sex_averaged_map: self.sex_averaged_map,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedMarker {
    name: String,
    x_chromosome: bool,
    alleles: Vec<(String, f64)>,
    female: RecordedMutation,
    male: RecordedMutation,
}

/// `kinship::MutationModel` as recorded (the compute core has no serde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case", deny_unknown_fields)]
enum RecordedMutation {
    Trivial,
    Equal { rate: f64 },
    Proportional { rate: f64 },
    Stepwise { rate: f64, rate2: f64, range: f64 },
    Onestep { rate: f64 },
    Custom { matrix: Vec<Vec<f64>> },
}

impl From<&MutationModel> for RecordedMutation {
    fn from(m: &MutationModel) -> Self {
        match m {
            MutationModel::Trivial => RecordedMutation::Trivial,
            MutationModel::Equal { rate } => RecordedMutation::Equal { rate: *rate },
            MutationModel::Proportional { rate } => RecordedMutation::Proportional { rate: *rate },
            MutationModel::Stepwise { rate, rate2, range } => RecordedMutation::Stepwise {
                rate: *rate,
                rate2: *rate2,
                range: *range,
            },
            MutationModel::OneStep { rate } => RecordedMutation::Onestep { rate: *rate },
            MutationModel::Custom { matrix } => RecordedMutation::Custom { matrix: matrix.clone() },
        }
    }
}

impl From<RecordedMutation> for MutationModel {
    fn from(m: RecordedMutation) -> Self {
        match m {
            RecordedMutation::Trivial => MutationModel::Trivial,
            RecordedMutation::Equal { rate } => MutationModel::Equal { rate },
            RecordedMutation::Proportional { rate } => MutationModel::Proportional { rate },
            RecordedMutation::Stepwise { rate, rate2, range } => MutationModel::Stepwise { rate, rate2, range },
            RecordedMutation::Onestep { rate } => MutationModel::OneStep { rate },
            RecordedMutation::Custom { matrix } => MutationModel::Custom { matrix },
        }
    }
}

fn frequencies_sha256(markers: &[RecordedMarker]) -> String {
    let table: Vec<(&str, &[(String, f64)])> = markers.iter().map(|m| (m.name.as_str(), &m.alleles[..])).collect();
    registry::sha256_hex(&serde_json::to_string(&table).unwrap_or_default())
}

/// The record of `settings`, as JSON: what [`registry::Store::record_job_model`] keeps. `panel`
/// is the registry's panel that `settings.snp` names.
pub fn model_record(settings: &MatchingSettings, panel: Option<&registry::SnpPanelInfo>) -> String {
    let markers: Vec<RecordedMarker> = settings
        .markers
        .iter()
        .map(|m| RecordedMarker {
            name: m.name().to_owned(),
            x_chromosome: m.chromosome() == Chromosome::X,
            alleles: m.alleles().iter().cloned().zip(m.freqs().iter().copied()).collect(),
            female: m.female_model().into(),
            male: m.male_model().into(),
        })
        .collect();
    let record = RecordedModel {
        engine: ENGINE.to_owned(),
        frequencies_sha256: frequencies_sha256(&markers),
        top: settings.top,
        min_log10_lr: settings.min_log10_lr,
        markers,
        snp: settings.snp.as_ref().zip(panel).map(|(s, p)| RecordedSnp {
            panel: p.name.clone(),
            panel_id: p.id,
            panel_sha256: p.sha256.clone(),
            population: s.population.clone(),
            genotype_error: s.genotype_error,
            map: match s.map {
                MapFunction::Haldane => "haldane",
                MapFunction::Kosambi => "kosambi",
            }
            .to_owned(),
            sex_averaged_map: s.sex_averaged_map,
        }),
    };
    // Plain data of strings and finite numbers: serialising cannot fail.
    serde_json::to_string(&record).unwrap_or_default()
}

/// What a report says of the model a job computed under: the engine, the frequency table's hash,
/// the markers, and whether any marker has a mutation model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    pub engine: String,
    pub frequencies_sha256: String,
    pub markers: Vec<String>,
    pub mutations: bool,
    /// The SNP part, when the job used SNP profiles.
    pub snp: Option<SnpSummary>,
}

/// What a report says of a job's SNP model.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpSummary {
    pub panel: String,
    pub panel_sha256: String,
    pub population: Option<String>,
    pub genotype_error: f64,
    /// `Haldane` or `Kosambi`.
    pub map: String,
    pub sex_averaged_map: bool,
}

/// The summary of a job's recorded model (`registry::Store::job_model`'s JSON).
pub fn model_summary(record_json: &str) -> Result<ModelSummary, String> {
    let (record, markers) = markers_of(record_json)?;
    Ok(ModelSummary {
        engine: record.engine,
        frequencies_sha256: record.frequencies_sha256,
        mutations: markers.iter().any(|m| {
            !matches!(m.female_model(), MutationModel::Trivial) || !matches!(m.male_model(), MutationModel::Trivial)
        }),
        markers: markers.iter().map(|m| m.name().to_owned()).collect(),
        snp: record.snp.map(|s| SnpSummary {
            map: if s.map == "kosambi" { "Kosambi" } else { "Haldane" }.to_owned(),
            panel: s.panel,
            panel_sha256: s.panel_sha256,
            population: s.population,
            genotype_error: s.genotype_error,
            sex_averaged_map: s.sex_averaged_map,
        }),
    })
}

/// The markers a record describes, rebuilt as the job built them, and its engine.
fn markers_of(record_json: &str) -> Result<(RecordedModel, Vec<Marker>), String> {
    let record: RecordedModel = serde_json::from_str(record_json).map_err(|e| format!("the job's model: {e}"))?;
    if frequencies_sha256(&record.markers) != record.frequencies_sha256 {
        return Err("the job's model: its frequencies do not match their recorded hash".into());
    }
    let markers = record
        .markers
        .iter()
        .map(|m| {
            let chromosome = if m.x_chromosome {
                Chromosome::X
            } else {
                Chromosome::Autosomal
            };
            Marker::new(
                &m.name,
                m.alleles.clone(),
                chromosome,
                m.female.clone().into(),
                m.male.clone().into(),
            )
            .map_err(|e| format!("the job's model: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((record, markers))
}

/// The outcome of recomputing a candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recomputation {
    pub candidate_id: i64,
    pub job_id: i64,
    /// The stored figure and the recomputed one (log10 LR); `None` where it could not be computed.
    pub stored_log10_lr: f64,
    pub recomputed_log10_lr: Option<f64>,
    /// |LR recomputed / LR stored − 1| (from the logs), where both exist.
    pub relative_difference: Option<f64>,
    /// Whether the recomputation reproduces the stored LR to [`RELATIVE_TOLERANCE`].
    pub reproduced: bool,
    /// The engine the job ran and the one that recomputed.
    pub job_engine: Option<String>,
    pub engine: String,
    pub model_sha256: Option<String>,
    pub frequencies_sha256: Option<String>,
    /// Markers whose recomputed share of the LR differs from the stored one (log10, beyond the
    /// tolerance).
    pub markers_differing: Vec<String>,
    /// Why it could not be reproduced, in words (empty when it was).
    pub problems: Vec<String>,
}

/// Recomputes the LR of identification `id` (the candidate it was proposed from): what `homeward
/// verify identification` and the API's `verify` both run. `Ok(None)` when the identification
/// rests on no candidate (proposed before candidates were cited, or on other grounds).
pub async fn verify_identification(store: &Store, actor: &str, id: i64) -> Result<Option<Recomputation>, JobError> {
    match store.identification_candidate(id).await? {
        Some(candidate) => Ok(Some(recompute_candidate(store, actor, candidate).await?)),
        None => Ok(None),
    }
}

/// Recomputes candidate `candidate_id` of a finished job from what the registry stores now, under
/// the model the job recorded. `actor` is named in the audit entry of the genotype read.
pub async fn recompute_candidate(store: &Store, actor: &str, candidate_id: i64) -> Result<Recomputation, JobError> {
    let inputs = store.candidate_inputs(actor, candidate_id, "verify").await?;
    let threads = 1;
    tokio::task::spawn_blocking(move || recompute(&inputs, threads))
        .await
        .map_err(|e| JobError::Task(e.to_string()))
}

fn recompute(inputs: &CandidateInputs, threads: usize) -> Recomputation {
    let c = &inputs.candidate;
    let mut out = Recomputation {
        candidate_id: c.id,
        job_id: c.job_id,
        stored_log10_lr: c.data.log10_lr,
        recomputed_log10_lr: None,
        relative_difference: None,
        reproduced: false,
        job_engine: None,
        engine: ENGINE.to_owned(),
        model_sha256: inputs.model.as_ref().map(|m| m.sha256.clone()),
        frequencies_sha256: None,
        markers_differing: Vec::new(),
        problems: Vec::new(),
    };
    let Some(model) = &inputs.model else {
        out.problems.push(format!(
            "job {} recorded no model (it ran before models were kept)",
            c.job_id
        ));
        return out;
    };
    if registry::sha256_hex(&model.json) != model.sha256 {
        out.problems.push(format!(
            "job {}: the stored model does not match its recorded hash",
            c.job_id
        ));
        return out;
    }
    let (record, markers) = match markers_of(&model.json) {
        Ok(x) => x,
        Err(e) => {
            out.problems.push(e);
            return out;
        }
    };
    out.job_engine = Some(record.engine.clone());
    out.frequencies_sha256 = Some(record.frequencies_sha256.clone());
    if record.engine != ENGINE {
        out.problems.push(format!(
            "the job ran under {}, this is {ENGINE}; the figures are compared all the same",
            record.engine
        ));
    }
    let missing_refs: Vec<i64> = c
        .data
        .reference_ids
        .iter()
        .copied()
        .filter(|r| !inputs.family.reference_ids.contains(r))
        .collect();
    if !missing_refs.is_empty() {
        out.problems.push(format!(
            "the profiles of references {missing_refs:?} are no longer held (consent withdrawn)"
        ));
    }
    // The STR share (a candidate that rests on SNPs alone has no marker evidence).
    let str_part = if c.data.evidence.is_empty() && c.data.snp_evidence.is_some() {
        Ok((0.0, Vec::new()))
    } else {
        match &inputs.sample_profile {
            Some(sample_profile) => pair_log10_lr(inputs, sample_profile, &markers, threads),
            None => {
                out.problems
                    .push(format!("sample {} has no STR profile any more", c.data.sample_id));
                return out;
            }
        }
    };
    let snp_part = match &c.data.snp_evidence {
        None => Ok(None),
        Some(_) => snp_log10_lrs(inputs, record.snp.as_ref(), &markers).map(Some),
    };
    // Whether the stored evidence has the recomputed one's markers and chromosomes.
    let mut same_shape = false;
    match (str_part, snp_part) {
        (Ok((str_total, per_marker)), Ok(snp)) => {
            same_shape = c.data.evidence.len() == per_marker.len()
                && match (&c.data.snp_evidence, &snp) {
                    (Some(stored), Some(now)) => stored.chromosomes.len() == now.chromosomes.len(),
                    (None, None) => true,
                    _ => false,
                };
            let snp_total = snp.as_ref().map_or(0.0, registry::SnpEvidence::log10_lr);
            let total = str_total + snp_total;
            // |LR / LR stored - 1| from the logs, exact for equal figures.
            let relative = if total == c.data.log10_lr {
                0.0
            } else {
                ((total - c.data.log10_lr) * std::f64::consts::LN_10).exp_m1().abs()
            };
            out.recomputed_log10_lr = Some(total);
            out.relative_difference = Some(relative);
            let agree = |stored: f64, now: f64| {
                stored == now || ((stored - now) * std::f64::consts::LN_10).abs() <= RELATIVE_TOLERANCE
            };
            for (stored, (name, term)) in c.data.evidence.iter().zip(&per_marker) {
                if !(stored.marker == *name && agree(stored.log10_lr, *term)) {
                    out.markers_differing.push(name.clone());
                }
            }
            if let (Some(stored), Some(now)) = (&c.data.snp_evidence, &snp) {
                for (s, n) in stored.chromosomes.iter().zip(&now.chromosomes) {
                    if !(s.chrom == n.chrom && s.markers == n.markers && agree(s.log10_lr, n.log10_lr)) {
                        out.markers_differing.push(format!("chromosome {} (SNPs)", n.chrom));
                    }
                }
                if stored.chromosomes.len() != now.chromosomes.len() {
                    out.problems.push(format!(
                        "the job stored {} chromosomes' SNP evidence, the panel has {}",
                        stored.chromosomes.len(),
                        now.chromosomes.len()
                    ));
                }
            }
            if c.data.evidence.len() != per_marker.len() {
                out.problems.push(format!(
                    "the job stored {} markers' evidence, the model has {}",
                    c.data.evidence.len(),
                    per_marker.len()
                ));
            }
            if relative > RELATIVE_TOLERANCE {
                out.problems.push(format!(
                    "the recomputed log10 LR {total} differs from the stored {} (relative {relative:.3e})",
                    c.data.log10_lr
                ));
            }
            if !out.markers_differing.is_empty() {
                out.problems.push(format!(
                    "{} give another share of the LR than stored",
                    out.markers_differing.join(", ")
                ));
            }
        }
        (Err(e), _) | (_, Err(e)) => out.problems.push(format!("the LR cannot be recomputed: {e}")),
    }
    out.reproduced = out.recomputed_log10_lr.is_some()
        && out.relative_difference.is_some_and(|d| d <= RELATIVE_TOLERANCE)
        && out.markers_differing.is_empty()
        && missing_refs.is_empty()
        && same_shape;
    out
}

/// The pair's log10 LR and per-marker shares, by the job's own code path (`build_case`, the
/// screen's tables) over just this family and this sample.
fn pair_log10_lr(
    inputs: &CandidateInputs,
    sample_profile: &registry::StrProfile,
    markers: &[Marker],
    threads: usize,
) -> Result<(f64, Vec<(String, f64)>), JobError> {
    let c = &inputs.candidate.data;
    let data = MatchingData {
        families: vec![inputs.family.clone()],
        samples: vec![(c.sample_id, sample_profile.clone())],
        snp: None,
    };
    let case = build_case(&data, markers)?;
    let tables = identify::screen::ScreenTables::build(&case, threads)?;
    let member_index = case.families()[0]
        .pedigree
        .index_of(&format!("m{}", c.member_id))
        .ok_or_else(|| JobError::Family {
            family: c.family_id,
            message: format!("member {} is not in the pedigree", c.member_id),
        })?;
    let missing = tables
        .missing()
        .iter()
        .position(|&(f, k)| f == 0 && case.families()[0].missing[k] == member_index)
        .ok_or_else(|| JobError::Family {
            family: c.family_id,
            message: format!("member {} is no longer missing", c.member_id),
        })?;
    let options = identify::screen::ScreenOptions {
        // Every pairing of the one sample is kept: the family's missing members, one sample each.
        top_per_victim: tables.missing().len().max(1),
        top_per_missing: 1,
        min_log10_lr: f64::NEG_INFINITY,
        threads,
    };
    let result = identify::screen::screen(&case, &tables, &options, &|_, _| {})?;
    let hit = result
        .hits
        .iter()
        .find(|h| h.victim == 0 && h.missing == missing)
        .ok_or_else(|| JobError::Task("the screen reported no LR for the pair".into()))?;
    let terms = tables.marker_terms(&case, 0, missing)?;
    Ok((
        hit.log10_lr,
        markers.iter().map(|m| m.name().to_owned()).zip(terms).collect(),
    ))
}

/// What recomputing and drawing a candidate's SNP evidence start from: the recorded SNP model over
/// the stored panel (checked against the SHA-256 the job recorded), the family as the job built
/// it, and the sample's stored profile.
struct SnpCase<'a> {
    model: SnpModel,
    family: identify::dvi::Family,
    sample: &'a registry::SnpBytes,
}

fn snp_case<'a>(
    inputs: &'a CandidateInputs,
    recorded: Option<&RecordedSnp>,
    markers: &[Marker],
) -> Result<SnpCase<'a>, JobError> {
    let recorded = recorded.ok_or_else(|| JobError::Snp("the job recorded no SNP model".into()))?;
    let snp = inputs
        .snp
        .as_ref()
        .ok_or_else(|| JobError::Snp("the SNP panel is not held".into()))?;
    if snp.panel.sha256 != recorded.panel_sha256 {
        return Err(JobError::Snp(format!(
            "panel '{}' is not the one the job recorded (SHA-256 {})",
            snp.panel.name, recorded.panel_sha256
        )));
    }
    let sample = snp.sample.as_ref().ok_or_else(|| {
        JobError::Snp(format!(
            "sample {} has no SNP profile any more",
            inputs.candidate.data.sample_id
        ))
    })?;
    let model = SnpModel::new(
        &recorded.settings().map_err(JobError::Snp)?,
        snp.panel.clone(),
        &snp.content,
    )?;
    Ok(SnpCase {
        model,
        family: crate::family(&inputs.family, markers)?,
        sample,
    })
}

/// The pair's SNP evidence by the job's own code path ([`crate::snp`]) from the stored panel and
/// profiles, under the recorded SNP model.
fn snp_log10_lrs(
    inputs: &CandidateInputs,
    recorded: Option<&RecordedSnp>,
    markers: &[Marker],
) -> Result<registry::SnpEvidence, JobError> {
    let c = &inputs.candidate.data;
    let SnpCase { model, family, sample } = snp_case(inputs, recorded, markers)?;
    let Some(snp_family) = SnpFamily::new(&model, &inputs.family, &family.pedigree)? else {
        return Err(JobError::Snp(
            "no reference of the family has a SNP profile any more".into(),
        ));
    };
    let rows = vec![model.rows(sample, &format!("sample {}", c.sample_id))?];
    let alone = vec![crate::snp::alone(&model, &rows[0])?];
    crate::snp::family_pairs(&model, &snp_family, &rows, &alone)?
        .remove(&(0, c.member_id))
        .ok_or_else(|| JobError::Family {
            family: c.family_id,
            message: format!("member {} is no longer missing", c.member_id),
        })
}

/// Where a candidate's sample and each SNP reference share DNA by descent, if the sample is the
/// missing member: per chromosome and SNP, P(IBD = 0, 1, 2), by the chain's forward–backward
/// algorithm under the job's recorded SNP model, from the profiles stored now.
#[derive(Debug, Clone, PartialEq)]
pub struct IbdPicture {
    /// Per chromosome: its name and its SNPs' sex-averaged positions (cM).
    pub chromosomes: Vec<(String, Vec<f64>)>,
    pub references: Vec<ReferenceIbd>,
}

/// One SNP reference's IBD posteriors with the missing member, `[chromosome][SNP]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceIbd {
    pub reference_id: i64,
    /// The donor (member id).
    pub member_id: i64,
    pub posteriors: Vec<Vec<[f64; 3]>>,
}

/// The [`IbdPicture`] of candidate `candidate_id` (`None` when it has no SNP evidence), reading
/// the profiles audited under `actor` (purpose `karyogram`).
pub async fn ibd_picture(store: &Store, actor: &str, candidate_id: i64) -> Result<Option<IbdPicture>, JobError> {
    let candidate = store
        .get_candidate(candidate_id)
        .await?
        .ok_or(registry::StoreError::NotFound {
            entity: "candidate",
            id: candidate_id.to_string(),
        })?;
    if candidate.data.snp_evidence.is_none() {
        return Ok(None);
    }
    let inputs = store.candidate_inputs(actor, candidate_id, "karyogram").await?;
    tokio::task::spawn_blocking(move || picture(&inputs))
        .await
        .map_err(|e| JobError::Task(e.to_string()))?
        .map(Some)
}

fn picture(inputs: &CandidateInputs) -> Result<IbdPicture, JobError> {
    let c = &inputs.candidate.data;
    let model_json = &inputs
        .model
        .as_ref()
        .ok_or_else(|| JobError::Snp("the job recorded no model".into()))?
        .json;
    let (record, markers) = markers_of(model_json).map_err(JobError::Snp)?;
    let SnpCase { model, family, sample } = snp_case(inputs, record.snp.as_ref(), &markers)?;
    let Some(snp_family) = SnpFamily::new(&model, &inputs.family, &family.pedigree)? else {
        return Ok(IbdPicture {
            chromosomes: Vec::new(),
            references: Vec::new(),
        });
    };
    let missing = snp_family
        .missing
        .iter()
        .find(|(_, m)| *m == c.member_id)
        .map(|(i, _)| *i)
        .ok_or_else(|| JobError::Family {
            family: c.family_id,
            message: format!("member {} is no longer missing", c.member_id),
        })?;
    let rows = model.rows(sample, &format!("sample {}", c.sample_id))?;
    let mut typed: Vec<(usize, &crate::snp::ChromosomeRows)> =
        snp_family.references.iter().map(|(i, r)| (*i, r)).collect();
    typed.push((missing, &rows));
    let mut references = Vec::new();
    for (r, (index, _)) in inputs.family.snp_references.iter().zip(&snp_family.references) {
        let posteriors = model.ibd_posteriors(&family.pedigree, &typed, missing, *index)?;
        references.push(ReferenceIbd {
            reference_id: r.reference_id,
            member_id: r.member_id,
            posteriors,
        });
    }
    Ok(IbdPicture {
        chromosomes: model
            .chromosomes
            .iter()
            .map(|ch| {
                (
                    ch.name.clone(),
                    ch.markers.iter().map(|m| (m.cm_female + m.cm_male) / 2.0).collect(),
                )
            })
            .collect(),
        references,
    })
}
