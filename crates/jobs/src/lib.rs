//! Matching jobs: every sample with an STR profile screened against every missing member of every
//! family with references, as a background task whose progress the registry records; the best
//! pairs stored as candidates with their per-marker evidence.
//!
//! Architecture: reads and writes go through `registry::Store`; the statistics are `identify`'s
//! screening (exact LRs, see its invariant); this crate only translates between the two and runs
//! the CPU-bound part off the async threads.
//!
//! Each job runs in a `tracing` span `job` (job id, kind): its start, end and failure are logged
//! there with their causes, and so is every progress update the registry refused (the job goes
//! on: progress is a display, the result is what counts).

pub mod advice;
mod causes;
pub mod planning;
pub mod provenance;
pub mod snp;

pub use causes::Causes;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use identify::dvi::{DviCase, Family, Victim};
use identify::screen::{screen, ScreenOptions, ScreenTables};
use kinship::{Conditions, Marker, MemberSpec, Pedigree, Sex, Typing};
use registry::{MarkerEvidence, MatchFamily, MatchingData, NewCandidate, Store, StrProfile};
use tracing::Instrument;

/// What every matching job uses: the markers (with their frequencies and mutation models) and how
/// many pairs to keep.
#[derive(Debug, Clone)]
pub struct MatchingSettings {
    pub markers: Vec<Marker>,
    /// The best missing persons kept per sample, and samples per missing person.
    pub top: usize,
    /// Candidates need an LR of at least 10^this.
    pub min_log10_lr: f64,
    pub threads: usize,
    /// The SNP profiles to use and their model; `None`: STR profiles only.
    pub snp: Option<snp::SnpSettings>,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Store(#[from] registry::StoreError),
    #[error("family {family}: {message}")]
    Family { family: i64, message: String },
    #[error("{0}")]
    Identify(#[from] identify::dvi::DviError),
    #[error("the matching task stopped: {0}")]
    Task(String),
    #[error("SNP evidence: {0}")]
    Snp(String),
}

/// Reads a registry genotype (`14/15`, `14`, `-`) at a marker; unknown alleles count as untyped
/// (the frequency database decides which alleles exist).
fn typing(marker: &Marker, genotype: Option<&String>) -> Typing {
    let Some(g) = genotype else { return Typing::Untyped };
    let index = |a: &str| marker.allele_index(a.trim());
    match g.split_once('/') {
        Some((a, b)) if a.trim() == "-" && b.trim() == "-" => Typing::Untyped,
        Some((a, b)) => match (index(a), index(b)) {
            (Some(x), Some(y)) => Typing::Pair(x, y),
            (Some(x), None) | (None, Some(x)) if a.trim() == "-" || b.trim() == "-" => Typing::OneAndMissing(x),
            _ => Typing::Untyped,
        },
        None if g.trim() == "-" => Typing::Untyped,
        None => index(g).map_or(Typing::Untyped, Typing::Single),
    }
}

fn typings(markers: &[Marker], profile: &StrProfile) -> Vec<Typing> {
    markers
        .iter()
        .map(|m| typing(m, profile.genotypes().get(m.name())))
        .collect()
}

/// One registry family as the engine sees it: members are `m<member id>`, the references' profiles
/// are the typings, and the missing members are the ones to identify.
pub fn family(f: &MatchFamily, markers: &[Marker]) -> Result<Family, JobError> {
    let specs = f
        .pedigree
        .iter()
        .map(|(id, father, mother, sex)| {
            let sex = match sex {
                registry::model::Sex::Male => Sex::Male,
                registry::model::Sex::Female => Sex::Female,
                registry::model::Sex::Unknown => Sex::Unknown,
            };
            MemberSpec::new(
                &format!("m{id}"),
                father.as_deref().map(|x| format!("m{x}")).as_deref(),
                mother.as_deref().map(|x| format!("m{x}")).as_deref(),
                sex,
            )
        })
        .collect();
    let pedigree = Pedigree::new(specs).map_err(|e| JobError::Family {
        family: f.family_id,
        message: e.to_string(),
    })?;
    let index = |member: i64| {
        pedigree
            .index_of(&format!("m{member}"))
            .ok_or_else(|| JobError::Family {
                family: f.family_id,
                message: format!("member {member} is not in the pedigree"),
            })
    };
    let mut per_marker = vec![vec![Typing::Untyped; pedigree.len()]; markers.len()];
    for (donor, profile) in &f.references {
        let i = index(*donor)?;
        for (m, t) in typings(markers, profile).into_iter().enumerate() {
            per_marker[m][i] = t;
        }
    }
    let missing = f.missing.iter().map(|&m| index(m)).collect::<Result<Vec<_>, _>>()?;
    Ok(Family {
        id: format!("family-{}", f.family_id),
        pedigree,
        typings: per_marker,
        missing,
        dropout: Default::default(),
    })
}

/// The registry's data as an identification problem. Victim ids are `sample-<id>`.
pub fn build_case(data: &MatchingData, markers: &[Marker]) -> Result<DviCase, JobError> {
    let victims: Vec<Victim> = data
        .samples
        .iter()
        .map(|(id, p)| Victim {
            id: format!("sample-{id}"),
            sex: Sex::Unknown,
            typings: typings(markers, p),
        })
        .collect();
    let families = data
        .families
        .iter()
        .map(|f| family(f, markers))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DviCase::new(
        markers.to_vec(),
        victims,
        families,
        Conditions::default(),
    )?)
}

/// Runs job `job_id` to the end, recording progress, candidates, or the failure, in a span `job`.
pub async fn run_matching_job(store: Store, job_id: i64, actor: String, settings: Arc<MatchingSettings>) {
    let span = tracing::info_span!("job", job_id, kind = "matching");
    async move {
        let started = Instant::now();
        tracing::info!("started");
        match run(&store, job_id, &actor, settings).await {
            Ok(candidates) => tracing::info!(candidates, seconds = started.elapsed().as_secs_f64(), "done"),
            Err(e) => {
                tracing::error!(error = %Causes(&e), "failed");
                // The job's row says so too, for the pages; if even that fails, the log is all.
                if let Err(record) = store.fail_job(&actor, job_id, &e.to_string()).await {
                    tracing::error!(error = %Causes(&record), "the failure could not be recorded");
                }
            }
        }
    }
    .instrument(span)
    .await
}

/// Sends `done` to the registry twice a second until `finished`. A refused update is logged once
/// per run of failures (the job goes on; its result is recorded at the end).
async fn report_progress(store: Store, job_id: i64, done: Arc<AtomicU64>, finished: Arc<AtomicBool>) {
    let mut failed = 0u64;
    while !finished.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        match store.job_progress(job_id, done.load(Ordering::Relaxed) as i64).await {
            Ok(()) if failed > 0 => {
                tracing::info!(failed, "progress updates recorded again");
                failed = 0;
            }
            Ok(()) => {}
            Err(e) => {
                if failed == 0 {
                    tracing::warn!(error = %Causes(&e), "a progress update was refused");
                }
                failed += 1;
            }
        }
    }
    if failed > 0 {
        tracing::warn!(failed, "the last progress updates were refused");
    }
}

/// The job itself; returns how many candidates it stored.
async fn run(store: &Store, job_id: i64, actor: &str, settings: Arc<MatchingSettings>) -> Result<usize, JobError> {
    let snp_panel = match &settings.snp {
        Some(s) => Some(
            store
                .snp_panel(&s.panel)
                .await?
                .ok_or_else(|| JobError::Snp(format!("the registry keeps no SNP panel '{}'", s.panel)))?,
        ),
        None => None,
    };
    // The model first: every candidate the job stores can then be recomputed under it.
    store
        .record_job_model(job_id, &provenance::model_record(&settings, snp_panel.as_ref()))
        .await?;
    let data = store
        .matching_data(actor, job_id, settings.snp.as_ref().map(|s| s.panel.as_str()))
        .await?;
    let missing = data.families.iter().map(|f| f.missing.len()).sum::<usize>() as i64;
    let snp_missing = data
        .families
        .iter()
        .filter(|f| !f.snp_references.is_empty())
        .map(|f| f.missing.len())
        .sum::<usize>() as i64;
    let snp_samples = data.snp.as_ref().map_or(0, |s| s.samples.len()) as i64;
    let total = data.samples.len() as i64 * missing + snp_samples * snp_missing;
    store.start_job(job_id, total, missing).await?;
    tracing::info!(
        samples = data.samples.len(),
        families = data.families.len(),
        pairs = total,
        "running"
    );
    let done = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let ticker = tokio::spawn(
        report_progress(store.clone(), job_id, done.clone(), finished.clone()).instrument(tracing::Span::current()),
    );
    let work = {
        let (settings, done, span) = (settings.clone(), done.clone(), tracing::Span::current());
        tokio::task::spawn_blocking(move || span.in_scope(|| compute(&data, &settings, &done)))
    };
    let candidates = work.await.map_err(|e| JobError::Task(e.to_string()));
    finished.store(true, Ordering::Relaxed);
    if let Err(e) = ticker.await {
        tracing::warn!(error = %Causes(&e), "the progress reporter stopped");
    }
    let candidates = candidates??;
    store.finish_job(actor, job_id, &candidates).await?;
    Ok(candidates.len())
}

/// Pairings this plausible (log10 LR) join samples and families into groups solved jointly, and
/// only they are inside the joint search's hypotheses: weaker candidates would tie every sample to
/// every family and leave nothing to solve.
pub const JOINT_MIN_LOG10_LR: f64 = 2.0;
/// Components of the candidate graph at most this large get the joint search.
const JOINT_MAX_VICTIMS: usize = 300;
const JOINT_MAX_FAMILIES: usize = 300;
/// Time budget of the joint search of one component; past it the posteriors found are stored with
/// the (larger) bound reached.
const JOINT_SECONDS: f64 = 20.0;

/// The joint posterior of every plausible candidate pair whose samples and families are entangled:
/// the connected components of the graph of `pairs` (samples and families joined by a pair) in
/// which a family has several missing members or a sample has candidates in several families.
/// Each such component is solved as one identification problem, every sample against every
/// missing member of its families with pairwise LR above the job's threshold (flat prior over
/// assignments). Returns (posterior, certified bound) by (victim, family, missing index).
///
/// A component with a family or victim in `with_snps` (SNP evidence, which the joint search does
/// not use) is not solved: a posterior from STRs alone would contradict the candidates' LRs.
fn joint_posteriors(
    case: &DviCase,
    pairs: &[(usize, usize, usize)],
    min_log10_lr: f64,
    with_snps: &WithSnps,
) -> std::collections::HashMap<(usize, usize, usize), (f64, f64)> {
    use std::collections::{BTreeSet, HashMap};
    let nv = case.victims().len();
    let mut parent: Vec<usize> = (0..nv + case.families().len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for &(v, f, _) in pairs {
        let (a, b) = (root(&mut parent, v), root(&mut parent, nv + f));
        parent[a] = b;
    }
    let mut groups: HashMap<usize, (BTreeSet<usize>, BTreeSet<usize>)> = HashMap::new();
    for &(v, f, _) in pairs {
        let r = root(&mut parent, v);
        let g = groups.entry(r).or_default();
        g.0.insert(v);
        g.1.insert(f);
    }
    let mut out = HashMap::new();
    for (victims, families) in groups.into_values() {
        let entangled = families.len() > 1 || families.iter().any(|&f| case.families()[f].missing.len() > 1);
        if !entangled {
            continue;
        }
        if families.iter().any(|f| with_snps.families.contains(f))
            || victims.iter().any(|v| with_snps.victims.contains(v))
        {
            tracing::info!(
                samples = victims.len(),
                families = families.len(),
                "joint search not run: the group has SNP evidence, which it does not use"
            );
            continue;
        }
        if victims.len() > JOINT_MAX_VICTIMS || families.len() > JOINT_MAX_FAMILIES {
            tracing::warn!(
                samples = victims.len(),
                families = families.len(),
                "joint search skipped: the group is above {JOINT_MAX_VICTIMS} samples or {JOINT_MAX_FAMILIES} families"
            );
            continue;
        }
        let victims: Vec<usize> = victims.into_iter().collect();
        let families: Vec<usize> = families.into_iter().collect();
        let sub = DviCase::new(
            case.markers().to_vec(),
            victims.iter().map(|&v| case.victims()[v].clone()).collect(),
            families.iter().map(|&f| case.families()[f].clone()).collect(),
            case.conditions().clone(),
        );
        let options = identify::dvi::JointOptions {
            top: 1,
            // The screen's threshold: pairings it would not report are outside the hypotheses.
            limit: Some(10f64.powf(min_log10_lr) * (1.0 - 1e-12)),
            undisputed: None,
            max_seconds: Some(JOINT_SECONDS),
            max_placements: 200_000,
            ..identify::dvi::JointOptions::default()
        };
        let solved = sub
            .map_err(JobError::from)
            .and_then(|sub| Ok(identify::dvi::joint(&sub, &options)?));
        match solved {
            Ok(result) => {
                for (sv, &v) in victims.iter().enumerate() {
                    for (pair, p) in result.marginals(sv) {
                        if let Some((sf, k)) = pair {
                            out.insert((v, families[sf], k), (p, result.bound));
                        }
                    }
                }
                // Pairs the search gave no mass (below its bound) have posterior 0 to that bound.
                for &(v, f, k) in pairs {
                    if let (Some(_), Some(_)) = (victims.binary_search(&v).ok(), families.binary_search(&f).ok()) {
                        out.entry((v, f, k)).or_insert((0.0, result.bound));
                    }
                }
            }
            Err(e) => tracing::warn!(
                samples = victims.len(),
                families = families.len(),
                error = %Causes(&e),
                "joint search failed; its pairs keep their pairwise LRs only"
            ),
        }
    }
    out
}

/// The families and STR victims (indices in the case) that have SNP evidence.
#[derive(Debug, Default)]
struct WithSnps {
    families: std::collections::HashSet<usize>,
    victims: std::collections::HashSet<usize>,
}

/// A pair to report, before it is a candidate.
struct Scored {
    sample_id: i64,
    family: usize,
    member_id: i64,
    str_log10_lr: f64,
    exclusions: i64,
    evidence: Vec<MarkerEvidence>,
    snp: Option<registry::SnpEvidence>,
    /// (victim, family, missing index) in the STR case, for the joint posterior.
    str_pair: Option<(usize, usize, usize)>,
}

/// The CPU-bound part: tables, screen, the SNP chains, evidence of the reported pairs.
fn compute(data: &MatchingData, settings: &MatchingSettings, done: &AtomicU64) -> Result<Vec<NewCandidate>, JobError> {
    let case = build_case(data, &settings.markers)?;
    if case.families().is_empty() {
        return Ok(Vec::new());
    }
    let mut scored: Vec<Scored> = Vec::new();
    let mut at: std::collections::HashMap<(i64, usize, i64), usize> = std::collections::HashMap::new();
    let mut with_snps = WithSnps::default();
    let str_tables = if case.victims().is_empty() {
        None
    } else {
        let tables = ScreenTables::build(&case, settings.threads)?;
        let options = ScreenOptions {
            top_per_victim: settings.top,
            top_per_missing: settings.top,
            min_log10_lr: settings.min_log10_lr,
            threads: settings.threads,
        };
        let result = screen(&case, &tables, &options, &|d, _| done.store(d, Ordering::Relaxed))?;
        for hit in &result.hits {
            let (f, k) = tables.missing()[hit.missing];
            let terms = tables.marker_terms(&case, hit.victim, hit.missing)?;
            let key = (data.samples[hit.victim].0, f, data.families[f].missing[k]);
            at.insert(key, scored.len());
            scored.push(Scored {
                sample_id: key.0,
                family: f,
                member_id: key.2,
                str_log10_lr: hit.log10_lr,
                exclusions: i64::from(hit.exclusions),
                evidence: marker_evidence(&settings.markers, terms),
                snp: None,
                str_pair: Some((hit.victim, f, k)),
            });
        }
        Some(tables)
    };
    if let (Some(snp_settings), Some(snp_data)) = (&settings.snp, &data.snp) {
        let model = snp::SnpModel::new(snp_settings, snp_data.panel.clone(), &snp_data.content)?;
        let samples: Vec<snp::ChromosomeRows> = snp_data
            .samples
            .iter()
            .map(|(id, p)| model.rows(p, &format!("sample {id}")))
            .collect::<Result<_, _>>()?;
        let alone: Vec<Vec<f64>> = samples
            .iter()
            .map(|r| snp::alone(&model, r))
            .collect::<Result<_, _>>()?;
        let victim_of: std::collections::HashMap<i64, usize> =
            data.samples.iter().enumerate().map(|(v, (id, _))| (*id, v)).collect();
        let families: Vec<(usize, snp::SnpFamily<'_>)> = data
            .families
            .iter()
            .enumerate()
            .map(|(f, family)| Ok(snp::SnpFamily::new(&model, family, &case.families()[f].pedigree)?.map(|s| (f, s))))
            .collect::<Result<Vec<_>, JobError>>()?
            .into_iter()
            .flatten()
            .collect();
        // The families split over the threads; each family's pairs in one piece.
        let started = Instant::now();
        let per_family = snp_family_pairs(&model, &families, &samples, &alone, settings.threads, done)?;
        tracing::info!(
            samples = samples.len(),
            families = families.len(),
            pairs = per_family.iter().map(|p| p.len()).sum::<usize>(),
            snps = snp_data.panel.snps,
            seconds = started.elapsed().as_secs_f64(),
            "SNP chains done"
        );
        for ((f, snp_family), pairs) in families.iter().zip(per_family) {
            let (f, family) = (*f, snp_family.family);
            with_snps.families.insert(f);
            for ((s, member_id), evidence) in pairs {
                let sample_id = snp_data.samples[s].0;
                if let Some(&v) = victim_of.get(&sample_id) {
                    with_snps.victims.insert(v);
                }
                let key = (sample_id, f, member_id);
                if let Some(&i) = at.get(&key) {
                    scored[i].snp = Some(evidence);
                    continue;
                }
                // Not reported by the STR screen: its STR share, where the sample has a profile.
                let k = family.missing.iter().position(|&m| m == member_id).unwrap_or(0);
                let str_pair = match (&str_tables, victim_of.get(&sample_id)) {
                    (Some(tables), Some(&v)) => {
                        let miss =
                            tables
                                .missing()
                                .iter()
                                .position(|&p| p == (f, k))
                                .ok_or_else(|| JobError::Family {
                                    family: family.family_id,
                                    message: format!("member {member_id} is not among the screened missing"),
                                })?;
                        Some((v, miss, tables.marker_terms(&case, v, miss)?))
                    }
                    _ => None,
                };
                let (str_log10_lr, exclusions, evidence_str, pair) = match str_pair {
                    Some((v, _, terms)) => (
                        terms.iter().sum::<f64>(),
                        terms.iter().filter(|t| **t == f64::NEG_INFINITY).count() as i64,
                        marker_evidence(&settings.markers, terms),
                        Some((v, f, k)),
                    ),
                    None => (0.0, 0, Vec::new(), None),
                };
                at.insert(key, scored.len());
                scored.push(Scored {
                    sample_id,
                    family: f,
                    member_id,
                    str_log10_lr,
                    exclusions,
                    evidence: evidence_str,
                    snp: Some(evidence),
                    str_pair: pair,
                });
            }
        }
    }
    let total = |s: &Scored| s.str_log10_lr + s.snp.as_ref().map_or(0.0, registry::SnpEvidence::log10_lr);
    // Every candidate's LR, STRs and SNPs together, is at least the job's threshold: an STR hit
    // whose SNPs tell against it drops out like a pair the SNPs alone bring in below it.
    scored.retain(|s| total(s).is_finite() && total(s) >= settings.min_log10_lr);
    let threshold = JOINT_MIN_LOG10_LR.max(settings.min_log10_lr);
    let mut plausible: Vec<(usize, usize, usize)> = Vec::new();
    for s in &scored {
        if let (Some(pair), true) = (s.str_pair, total(s) >= threshold) {
            plausible.push(pair);
        }
    }
    let joint = joint_posteriors(&case, &plausible, threshold, &with_snps);
    Ok(scored
        .into_iter()
        .map(|s| {
            let (joint_posterior, joint_bound) = s
                .str_pair
                .and_then(|p| joint.get(&p))
                .map_or((None, None), |&(p, b)| (Some(p), Some(b)));
            let family = &data.families[s.family];
            let mut reference_ids = family.reference_ids.clone();
            if s.snp.is_some() {
                for r in &family.snp_references {
                    if !reference_ids.contains(&r.reference_id) {
                        reference_ids.push(r.reference_id);
                    }
                }
            }
            NewCandidate {
                log10_lr: total(&s),
                joint_posterior,
                joint_bound,
                sample_id: s.sample_id,
                family_id: family.family_id,
                member_id: s.member_id,
                exclusions: s.exclusions,
                reference_ids,
                evidence: s.evidence,
                snp_evidence: s.snp,
            }
        })
        .collect())
}

/// [`snp::family_pairs`] of every family, the families shared out over `threads` scoped threads
/// (results in the families' order, so the thread count changes nothing); `done` counts the pairs.
fn snp_family_pairs(
    model: &snp::SnpModel,
    families: &[(usize, snp::SnpFamily<'_>)],
    samples: &[snp::ChromosomeRows],
    alone: &[Vec<f64>],
    threads: usize,
    done: &AtomicU64,
) -> Result<Vec<snp::FamilyPairs>, JobError> {
    let next = AtomicU64::new(0);
    let mut results: Vec<Option<Result<_, JobError>>> = (0..families.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1).min(families.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                        let Some((_, family)) = families.get(i) else { break };
                        mine.push((i, snp::family_pairs(model, family, samples, alone)));
                        done.fetch_add((samples.len() * family.missing.len()) as u64, Ordering::Relaxed);
                    }
                    mine
                })
            })
            .collect();
        for w in workers {
            // A worker that panicked leaves its families empty: reported below.
            if let Ok(mine) = w.join() {
                for (i, r) in mine {
                    results[i] = Some(r);
                }
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(JobError::Task("a SNP worker stopped".into()))))
        .collect()
}

fn marker_evidence(markers: &[Marker], terms: Vec<f64>) -> Vec<MarkerEvidence> {
    markers
        .iter()
        .zip(terms)
        .map(|(m, t)| MarkerEvidence {
            marker: m.name().to_owned(),
            log10_lr: t,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinship::Chromosome;

    fn marker(name: &str) -> Marker {
        let alleles = (0..8).map(|a| (format!("{}", 10 + a), 1.0 / 8.0)).collect();
        Marker::without_mutation(name, alleles, Chromosome::Autosomal).unwrap()
    }

    /// Two brothers B1, B2 of a typed mother; victims 0 and 1 are the brothers (their paternal
    /// alleles agree), victim 2 belongs to a one-missing family of its own.
    fn case() -> DviCase {
        let markers: Vec<Marker> = (0..6).map(|i| marker(&format!("L{i}"))).collect();
        let brothers = Pedigree::new(vec![
            MemberSpec::new("FA", None, None, Sex::Male),
            MemberSpec::new("MO", None, None, Sex::Female),
            MemberSpec::new("B1", Some("FA"), Some("MO"), Sex::Male),
            MemberSpec::new("B2", Some("FA"), Some("MO"), Sex::Male),
        ])
        .unwrap();
        let mo = brothers.index_of("MO").unwrap();
        let mut typings = vec![vec![Typing::Untyped; 4]; markers.len()];
        for t in &mut typings {
            t[mo] = Typing::Pair(0, 1);
        }
        let fam1 = Family {
            id: "brothers".into(),
            missing: vec![brothers.index_of("B1").unwrap(), brothers.index_of("B2").unwrap()],
            pedigree: brothers,
            typings,
            dropout: Default::default(),
        };
        let duo = Pedigree::new(vec![
            MemberSpec::new("FA", None, None, Sex::Male),
            MemberSpec::new("MO", None, None, Sex::Female),
            MemberSpec::new("MP", Some("FA"), Some("MO"), Sex::Male),
        ])
        .unwrap();
        let fa = duo.index_of("FA").unwrap();
        let mut typings = vec![vec![Typing::Untyped; duo.len()]; markers.len()];
        for t in &mut typings {
            t[fa] = Typing::Pair(6, 7);
        }
        let fam2 = Family {
            id: "duo".into(),
            missing: vec![duo.index_of("MP").unwrap()],
            pedigree: duo,
            typings,
            dropout: Default::default(),
        };
        let victim = |id: &str, a: usize, b: usize| Victim {
            id: id.into(),
            sex: Sex::Male,
            typings: vec![Typing::Pair(a, b); markers.len()],
        };
        DviCase::new(
            markers.clone(),
            vec![victim("s1", 0, 4), victim("s2", 1, 4), victim("s3", 6, 5)],
            vec![fam1, fam2],
            Conditions::default(),
        )
        .unwrap()
    }

    #[test]
    fn a_sample_claimed_by_two_families_is_shared_between_them() {
        let case = case();
        // Sample 2 against the duo's son and the first brother: two families, so one joint problem
        // in which the sample is at most one of them.
        let pairs = [(2, 1, 0), (2, 0, 0)];
        let joint = joint_posteriors(&case, &pairs, 0.0, &WithSnps::default());
        assert_eq!(joint.len(), 2, "{joint:?}");
        let total: f64 = pairs.iter().map(|k| joint[k].0).sum();
        assert!(total <= 1.0 + 1e-12, "{total}");
        assert!(
            joint[&(2, 1, 0)].0 > joint[&(2, 0, 0)].0,
            "the duo's father shares its alleles: {joint:?}"
        );
        // With SNP evidence in one of its families (which the search does not use), the group
        // gets no joint posterior from STRs alone.
        let with_snps = WithSnps {
            families: [1].into_iter().collect(),
            victims: Default::default(),
        };
        assert!(joint_posteriors(&case, &pairs, 0.0, &with_snps).is_empty());
    }

    #[test]
    fn no_pairs_need_no_joint_search() {
        assert!(joint_posteriors(&case(), &[], 0.0, &WithSnps::default()).is_empty());
    }

    /// Log lines written while `f` runs on this thread (spawned tasks included, on a runtime of one
    /// thread), as text.
    fn logged<F: std::future::Future>(f: F) -> (F::Output, String) {
        #[derive(Clone, Default)]
        struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::INFO)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let out = rt.block_on(f);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        (out, text)
    }

    async fn sqlite_store() -> Store {
        let dir = std::env::temp_dir().join(format!(
            "homeward-jobs-unit-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Store::open(&format!("sqlite://{}", dir.join("db.sqlite").display()))
            .await
            .unwrap()
    }

    #[test]
    fn progress_reaches_the_registry_while_the_job_runs() {
        let ((), log) = logged(async {
            let store = sqlite_store().await;
            let job = store.create_job("test", "matching").await.unwrap();
            store.start_job(job.id, 10, 10).await.unwrap();
            let (done, finished) = (Arc::new(AtomicU64::new(7)), Arc::new(AtomicBool::new(false)));
            let reporter = tokio::spawn(report_progress(store.clone(), job.id, done, finished.clone()));
            tokio::time::sleep(Duration::from_millis(1200)).await;
            let seen = store.get_job(job.id).await.unwrap().unwrap();
            assert_eq!(
                (seen.status, seen.done, seen.total),
                (registry::JobStatus::Running, 7, 10)
            );
            finished.store(true, Ordering::Relaxed);
            reporter.await.unwrap();
        });
        assert!(!log.contains("refused"), "{log}");
    }

    #[test]
    fn a_refused_progress_update_is_logged_with_its_cause_once_per_run_of_failures() {
        let ((), log) = logged(async {
            let store = sqlite_store().await;
            let job = store.create_job("test", "matching").await.unwrap();
            store.start_job(job.id, 10, 10).await.unwrap();
            // A closed pool refuses every update, as a database gone away would.
            store.close().await;
            let (done, finished) = (Arc::new(AtomicU64::new(3)), Arc::new(AtomicBool::new(false)));
            let reporter = tokio::spawn(report_progress(store, job.id, done, finished.clone()));
            tokio::time::sleep(Duration::from_millis(1700)).await;
            finished.store(true, Ordering::Relaxed);
            reporter.await.unwrap();
        });
        assert_eq!(log.matches("a progress update was refused").count(), 1, "{log}");
        assert!(log.contains("closed"), "the cause is logged: {log}");
        // Ticks every 500 ms for 1.7 s: three or four refused updates, counted once at the end.
        let counted = log
            .split("the last progress updates were refused failed=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok());
        assert!(matches!(counted, Some(3 | 4)), "{log}");
    }

    #[test]
    fn a_job_that_fails_logs_why_in_its_span_and_so_does_recording_the_failure() {
        let ((), log) = logged(async {
            let store = sqlite_store().await;
            let job = store.create_job("test", "matching").await.unwrap();
            store.close().await;
            let settings = Arc::new(MatchingSettings {
                markers: vec![marker("L0")],
                top: 1,
                min_log10_lr: 0.0,
                threads: 1,
                snp: None,
            });
            run_matching_job(store, job.id, "test".into(), settings).await;
        });
        let failed = log
            .lines()
            .find(|l| l.contains(" failed"))
            .unwrap_or_else(|| panic!("{log}"));
        assert!(failed.contains("ERROR"), "{failed}");
        assert!(
            failed.contains("job{job_id=1 kind=\"matching\"}"),
            "in the job's span: {failed}"
        );
        assert!(failed.contains("closed"), "with its cause: {failed}");
        assert!(log.contains("the failure could not be recorded"), "{log}");
    }

    #[test]
    fn entangled_candidates_get_the_joint_posterior_and_lone_pairs_do_not() {
        let case = case();
        let pairs = [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1), (2, 1, 0)];
        let joint = joint_posteriors(&case, &pairs, 0.0, &WithSnps::default());
        // The brothers' family has two missing members: its pairs are solved jointly. The two
        // brothers cannot be told apart, so each pairing has posterior about one half.
        for key in [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1)] {
            let (p, bound) = joint[&key];
            assert!((p - 0.5).abs() < 0.05, "{key:?}: {p}");
            assert!(bound <= 1e-9, "{bound}");
        }
        let both = joint[&(0, 0, 0)].0 + joint[&(0, 0, 1)].0;
        assert!(both > 0.9 && both <= 1.0 + 1e-12, "{both}");
        // One sample and one family with one missing member: nothing to solve jointly.
        assert!(!joint.contains_key(&(2, 1, 0)));
    }
}
