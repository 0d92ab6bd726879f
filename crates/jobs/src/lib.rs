//! Matching jobs: every sample with an STR profile screened against every missing member of every
//! family with references, as a background task whose progress the registry records; the best
//! pairs stored as candidates with their per-marker evidence.
//!
//! Architecture: reads and writes go through `registry::Store`; the statistics are `identify`'s
//! screening (exact LRs, see its invariant); this crate only translates between the two and runs
//! the CPU-bound part off the async threads.

pub mod advice;
pub mod planning;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use identify::dvi::{DviCase, Family, Victim};
use identify::screen::{screen, ScreenOptions, ScreenTables};
use kinship::{Conditions, Marker, MemberSpec, Pedigree, Sex, Typing};
use registry::{MarkerEvidence, MatchFamily, MatchingData, NewCandidate, Store, StrProfile};

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

/// Runs job `job_id` to the end, recording progress, candidates, or the failure.
pub async fn run_matching_job(store: Store, job_id: i64, actor: String, settings: Arc<MatchingSettings>) {
    let result = run(&store, job_id, &actor, settings).await;
    if let Err(e) = result {
        // The failure itself is recorded; if even that fails there is nothing left to tell.
        let _ = store.fail_job(&actor, job_id, &e.to_string()).await;
    }
}

async fn run(store: &Store, job_id: i64, actor: &str, settings: Arc<MatchingSettings>) -> Result<(), JobError> {
    let data = store.matching_data(actor, job_id).await?;
    let total = (data.samples.len() * data.families.iter().map(|f| f.missing.len()).sum::<usize>()) as i64;
    store.start_job(job_id, total).await?;
    let done = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Progress goes to the registry twice a second while the computation runs.
    let ticker = {
        let (store, done, finished) = (store.clone(), done.clone(), finished.clone());
        tokio::spawn(async move {
            while !finished.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let _ = store.job_progress(job_id, done.load(Ordering::Relaxed) as i64).await;
            }
        })
    };
    let work = {
        let (settings, done) = (settings.clone(), done.clone());
        tokio::task::spawn_blocking(move || compute(&data, &settings, &done))
    };
    let candidates = work.await.map_err(|e| JobError::Task(e.to_string()));
    finished.store(true, Ordering::Relaxed);
    let _ = ticker.await;
    let candidates = candidates??;
    store.finish_job(actor, job_id, &candidates).await?;
    Ok(())
}

/// The CPU-bound part: tables, screen, evidence of the reported pairs.
fn compute(data: &MatchingData, settings: &MatchingSettings, done: &AtomicU64) -> Result<Vec<NewCandidate>, JobError> {
    let case = build_case(data, &settings.markers)?;
    if case.victims().is_empty() || case.families().is_empty() {
        return Ok(Vec::new());
    }
    let tables = ScreenTables::build(&case, settings.threads)?;
    let options = ScreenOptions {
        top_per_victim: settings.top,
        top_per_missing: settings.top,
        min_log10_lr: settings.min_log10_lr,
        threads: settings.threads,
    };
    let result = screen(&case, &tables, &options, &|d, _| done.store(d, Ordering::Relaxed))?;
    let mut out = Vec::with_capacity(result.hits.len());
    for hit in &result.hits {
        let (f, k) = tables.missing()[hit.missing];
        let terms = tables.marker_terms(&case, hit.victim, hit.missing)?;
        let member_index = case.families()[f].missing[k];
        let member_id = data.families[f]
            .missing
            .iter()
            .copied()
            .find(|&m| case.families()[f].pedigree.index_of(&format!("m{m}")) == Some(member_index));
        out.push(NewCandidate {
            sample_id: data.samples[hit.victim].0,
            family_id: data.families[f].family_id,
            member_id: member_id.expect("every missing index comes from a member id"),
            log10_lr: hit.log10_lr,
            exclusions: i64::from(hit.exclusions),
            evidence: settings
                .markers
                .iter()
                .zip(terms)
                .map(|(m, t)| MarkerEvidence {
                    marker: m.name().to_owned(),
                    log10_lr: t,
                })
                .collect(),
        });
    }
    Ok(out)
}
