//! `homeward advise`: which living relative to sample next for a missing person, ranked by the
//! simulated chance that their sample gives a conclusive LR.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use formats::RawGenotype;
use serde::Serialize;
use simulate::{advise, default_candidates, Advice, AdviceOptions, FamilyPlan, PowerEstimate, SimulateError};

use crate::db::RegistryArg;
use crate::model::ModelArgs;
use casework::case;
use casework::input_error;

#[derive(Debug, Args)]
pub struct AdviseArgs {
    /// The family: pedigree with the references typed so far (ped format; genotype columns may be
    /// absent when nobody is typed yet, and then every marker of the frequency file is used).
    #[arg(
        long,
        value_name = "FAMILY.ped",
        required_unless_present = "family",
        conflicts_with = "family"
    )]
    ped: Option<PathBuf>,
    /// The missing person's id in the pedigree (with `--ped`).
    #[arg(long, value_name = "ID", requires = "ped")]
    missing: Option<String>,
    /// A registry family (its external id) instead of a ped file: its pedigree, the references
    /// whose consent stands (read through the audited profile reads), its first missing member;
    /// the candidates are its living members who have given no sample.
    #[arg(long, value_name = "KEY")]
    family: Option<String>,
    #[command(flatten)]
    db: RegistryArg,
    /// Relatives who could give a sample (default: every untyped member but the missing person).
    #[arg(long, value_name = "ID,…", value_delimiter = ',')]
    candidates: Vec<String>,
    /// The LR a true identification should exceed.
    #[arg(long, value_name = "LR", default_value_t = 1e4)]
    threshold: f64,
    /// Simulations per candidate.
    #[arg(long, default_value_t = 1000)]
    runs: usize,
    /// Seed of the simulations: the same seed gives the same advice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    model: ModelArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct AdviceJson<'a> {
    missing: &'a str,
    markers: usize,
    runs: usize,
    seed: u64,
    threshold: f64,
    current: EstimateJson,
    candidates: Vec<CandidateJson<'a>>,
}

#[derive(Debug, Serialize)]
struct CandidateJson<'a> {
    id: &'a str,
    #[serde(flatten)]
    power: EstimateJson,
}

#[derive(Debug, Serialize)]
struct EstimateJson {
    p_above_threshold: f64,
    standard_error: f64,
    median_log10_lr: Option<f64>,
    low_log10_lr: Option<f64>,
    exclusion_power: Option<f64>,
    exclusion_exact: bool,
}

impl From<&PowerEstimate> for EstimateJson {
    fn from(p: &PowerEstimate) -> Self {
        let finite = |x: f64| x.is_finite().then_some(x);
        EstimateJson {
            p_above_threshold: p.above_threshold.fraction(),
            standard_error: p.above_threshold.standard_error(),
            median_log10_lr: finite(p.median_log10_lr),
            low_log10_lr: finite(p.low_log10_lr),
            exclusion_power: p.exclusion_power,
            exclusion_exact: p.exclusion_exact,
        }
    }
}

pub fn run(args: &AdviseArgs) -> Result<()> {
    if !(args.threshold > 0.0 && args.threshold.is_finite()) {
        return Err(input_error!("--threshold {}: must be a positive LR", args.threshold));
    }
    if args.runs == 0 {
        return Err(input_error!("--runs: must be at least 1"));
    }
    if let Some(key) = &args.family {
        return run_registry(args, key);
    }
    let (Some(ped_path), Some(missing_id)) = (&args.ped, &args.missing) else {
        return Err(input_error!("--ped FAMILY.ped and --missing ID, or --family KEY"));
    };
    let mut file = case::read_ped(ped_path)?;
    if file.markers.is_empty() {
        // Planning before any sample: every marker of the frequency file, nobody typed.
        let freqs = args
            .model
            .freqs
            .as_ref()
            .ok_or_else(|| input_error!("--freqs FILE is required"))?;
        let db = case::read_population(freqs, args.model.population.as_deref())?;
        file.markers = db.markers.iter().map(|m| m.name.clone()).collect();
        for row in &mut file.rows {
            row.genotypes = vec![RawGenotype::Missing; file.markers.len()];
        }
    }
    let ped = case::pedigree(ped_path, &file)?;
    let markers = args.model.markers(&[(ped_path, &file)])?;
    let typings = case::typings(ped_path, &file, &markers)?;
    let conditions = args.model.conditions(|id| ped.index_of(id).is_some())?;
    let member = |id: &str, flag: &str| {
        ped.index_of(id)
            .ok_or_else(|| input_error!("{flag} '{id}': not in the pedigree {}", ped_path.display()))
    };
    let missing = member(missing_id, "--missing")?;
    let plan = FamilyPlan::new(ped.clone(), typings, missing, vec![]).map_err(|e| plan_error(ped_path, e))?;
    let candidates = if args.candidates.is_empty() {
        default_candidates(&plan)
    } else {
        let mut out = Vec::with_capacity(args.candidates.len());
        for id in &args.candidates {
            let i = member(id, "--candidates")?;
            if plan.typings().iter().any(|t| t[i].is_typed()) {
                return Err(input_error!(
                    "--candidates '{id}': already typed in {}",
                    ped_path.display()
                ));
            }
            if i == missing || out.contains(&i) {
                return Err(input_error!("--candidates '{id}': the missing person, or listed twice"));
            }
            out.push(i);
        }
        out
    };
    let options = AdviceOptions {
        log10_threshold: args.threshold.log10(),
        runs: args.runs,
        seed: args.seed,
        ..AdviceOptions::default()
    };
    let advice = advise(&plan, &markers, &conditions, &candidates, &options).map_err(|e| plan_error(ped_path, e))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&to_json(&advice, missing_id, markers.len(), args.threshold))?
        );
    } else {
        print_table(&advice, missing_id, markers.len(), args.threshold);
    }
    Ok(())
}

/// `advise --family KEY`: the registry family's pedigree and references, markers from `--freqs`.
fn run_registry(args: &AdviseArgs, key: &str) -> Result<()> {
    let Some(freqs) = &args.model.freqs else {
        return Err(input_error!("--freqs FILE is required"));
    };
    let db = case::read_population(freqs, args.model.population.as_deref())?;
    let file = formats::PedFile {
        markers: db.markers.iter().map(|m| m.name.clone()).collect(),
        rows: Vec::new(),
    };
    let label = PathBuf::from(format!("family {key}"));
    let markers = args.model.markers(&[(&label, &file)])?;
    let options = AdviceOptions {
        log10_threshold: args.threshold.log10(),
        runs: args.runs,
        seed: args.seed,
        ..AdviceOptions::default()
    };
    // The advice reads the family's genotypes (each read audited under the user): ReadFamilies, as
    // the family's advice page asks.
    let advice = args
        .db
        .run_as(&[server::Permission::ReadFamilies], |store, acting| async move {
            let family = store
                .get_family_by_external_id(key)
                .await?
                .ok_or_else(|| input_error!("--family '{key}': no such family in the registry"))?;
            jobs::advice::family_advice(&store, &acting.name, family.id, &markers, options)
                .await
                .map_err(|e| match e {
                    jobs::JobError::Family { message, .. } => input_error!("--family '{key}': {message}"),
                    other => anyhow::Error::new(other),
                })?
                .ok_or_else(|| input_error!("--family '{key}': the family has no missing member"))
        })?;
    let plain = Advice {
        current: advice.current.clone(),
        candidates: advice
            .candidates
            .iter()
            .map(|c| simulate::CandidateAdvice {
                member: 0,
                id: c.name.clone(),
                power: c.power.clone(),
            })
            .collect(),
        options: advice.options,
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&to_json(&plain, &advice.missing_name, advice.markers, args.threshold))?
        );
    } else {
        print_table(&plain, &advice.missing_name, advice.markers, args.threshold);
    }
    Ok(())
}

/// Problems with the family's data are bad input; only an engine limit is not.
fn plan_error(path: &Path, e: SimulateError) -> anyhow::Error {
    match e {
        SimulateError::Likelihood(kinship::LikelihoodError::TooComplex { .. }) => anyhow::Error::new(e),
        other => input_error!("{}: {other}", path.display()),
    }
}

fn to_json<'a>(advice: &'a Advice, missing: &'a str, markers: usize, threshold: f64) -> AdviceJson<'a> {
    AdviceJson {
        missing,
        markers,
        runs: advice.options.runs,
        seed: advice.options.seed,
        threshold,
        current: (&advice.current).into(),
        candidates: advice
            .candidates
            .iter()
            .map(|c| CandidateJson {
                id: &c.id,
                power: (&c.power).into(),
            })
            .collect(),
    }
}

fn print_table(advice: &Advice, missing: &str, markers: usize, threshold: f64) {
    println!(
        "Missing person {missing}: {markers} markers, {} runs per candidate (seed {}), threshold LR > {threshold}",
        advice.options.runs, advice.options.seed
    );
    println!(
        "{:<24} {:>14} {:>8} {:>12} {:>12} {:>10}",
        "sample next", "P(LR > thr.)", "± se", "median log10", "5% log10", "exclusion"
    );
    let row = |name: &str, p: &PowerEstimate| {
        let exclusion = match p.exclusion_power {
            Some(e) if p.exclusion_exact => format!("{e:.4}"),
            Some(e) => format!("{e:.4}*"),
            None => "n/a".to_owned(),
        };
        println!(
            "{:<24} {:>14.3} {:>8.3} {:>12} {:>12} {:>10}",
            name,
            p.above_threshold.fraction(),
            p.above_threshold.standard_error(),
            two_places(p.median_log10_lr),
            two_places(p.low_log10_lr),
            exclusion
        );
    };
    row("(current references)", &advice.current);
    for c in &advice.candidates {
        row(&c.id, &c.power);
    }
    println!("Exclusion power without mutation (* simulated; n/a: the data need mutation).");
}

/// A log10 LR with two decimals; rounding noise around an LR of 1 (−1e-17) shows as 0.00, not −0.00.
fn two_places(x: f64) -> String {
    let s = format!("{x:.2}");
    if s == "-0.00" {
        "0.00".to_owned()
    } else {
        s
    }
}
