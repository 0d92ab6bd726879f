//! `homeward lr`: the likelihood ratio of two pedigree hypotheses.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use kinship::{
    likelihood_ratio, unrelated_alternative, Conditions, Hypothesis, LikelihoodError, LrReport, MutationModel,
};
use serde::Serialize;

use crate::case::{self, MutationPlan};
use crate::input_error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    Trivial,
    Equal,
    Proportional,
    Stepwise,
    Onestep,
}

#[derive(Debug, Args)]
pub struct LrArgs {
    /// Pedigree and genotypes under H1 (ped format).
    #[arg(long, value_name = "H1.ped")]
    h1: PathBuf,
    /// Pedigree under H2 with the same typed members; default: all typed members unrelated.
    #[arg(long, value_name = "H2.ped")]
    h2: Option<PathBuf>,
    /// Allele frequencies: Familias list, ladder (CSV/TSV) or long form, detected automatically.
    #[arg(long, value_name = "FILE")]
    freqs: PathBuf,
    /// Mutation model for every marker (overridden per marker by --mutation-table).
    #[arg(long, value_enum)]
    mutation: Option<ModelName>,
    /// Mutation rate for both sexes.
    #[arg(long, allow_negative_numbers = true, value_name = "R", conflicts_with_all = ["rate_female", "rate_male"])]
    rate: Option<f64>,
    /// Female mutation rate.
    #[arg(long, allow_negative_numbers = true, value_name = "RF", requires = "rate_male")]
    rate_female: Option<f64>,
    /// Male mutation rate.
    #[arg(long, allow_negative_numbers = true, value_name = "RM", requires = "rate_female")]
    rate_male: Option<f64>,
    /// Stepwise: rate of mutations to other microvariant groups.
    #[arg(long, allow_negative_numbers = true, value_name = "R2", default_value_t = 0.0)]
    rate2: f64,
    /// Stepwise: relative probability of each further step.
    #[arg(long, allow_negative_numbers = true, value_name = "K", default_value_t = 0.5)]
    range: f64,
    /// Balding–Nichols subpopulation correction.
    #[arg(long, allow_negative_numbers = true, value_name = "T", default_value_t = 0.0)]
    theta: f64,
    /// Markers on the X chromosome, comma-separated.
    #[arg(long, value_name = "M1,M2", value_delimiter = ',')]
    x_markers: Vec<String>,
    /// Dropout probabilities of degraded samples.
    #[arg(long, value_name = "ID=D[,ID=D…]")]
    dropout: Option<String>,
    /// Drop-in probability for the samples given a dropout probability.
    #[arg(long, allow_negative_numbers = true, value_name = "C", default_value_t = 0.0)]
    dropin: f64,
    /// Per-marker mutation models: marker, model, rate_female, rate_male, rate2, range (tab-separated).
    #[arg(long, value_name = "FILE")]
    mutation_table: Option<PathBuf>,
    /// Frequency given to alleles missing from the frequency file (the others are rescaled).
    #[arg(long, allow_negative_numbers = true, value_name = "F")]
    unknown_allele_freq: Option<f64>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct LrJson<'a> {
    lr: f64,
    log10_lr: Option<f64>,
    loglik_h1: Option<f64>,
    loglik_h2: f64,
    markers: Vec<MarkerJson<'a>>,
}

#[derive(Debug, Serialize)]
struct MarkerJson<'a> {
    marker: &'a str,
    lr: f64,
}

fn model_from_flags(args: &LrArgs) -> Result<MutationPlan> {
    let Some(name) = args.mutation else {
        if args.rate.is_some() || args.rate_female.is_some() {
            return Err(input_error!("--rate needs --mutation MODEL"));
        }
        return Ok(MutationPlan::default());
    };
    let (rf, rm) = match (args.rate, args.rate_female, args.rate_male) {
        (Some(r), _, _) => (r, r),
        (None, Some(f), Some(m)) => (f, m),
        _ if name == ModelName::Trivial => (0.0, 0.0),
        _ => {
            return Err(input_error!(
                "--mutation {name:?}: give --rate R, or --rate-female RF and --rate-male RM"
            ))
        }
    };
    for (flag, r) in [
        ("--rate/--rate-female", rf),
        ("--rate/--rate-male", rm),
        ("--rate2", args.rate2),
    ] {
        if !(0.0..=1.0).contains(&r) {
            return Err(input_error!("{flag}: rate {r} is outside [0, 1]"));
        }
    }
    let model = |rate: f64| match name {
        ModelName::Trivial => MutationModel::Trivial,
        ModelName::Equal => MutationModel::Equal { rate },
        ModelName::Proportional => MutationModel::Proportional { rate },
        ModelName::Stepwise => MutationModel::Stepwise {
            rate,
            rate2: args.rate2,
            range: args.range,
        },
        ModelName::Onestep => MutationModel::OneStep { rate },
    };
    Ok(MutationPlan {
        female: Some(model(rf)),
        male: Some(model(rm)),
        per_marker: Default::default(),
    })
}

pub fn run(args: &LrArgs) -> Result<()> {
    if !(0.0..1.0).contains(&args.theta) {
        return Err(input_error!("--theta {}: must be in [0, 1)", args.theta));
    }
    if !(0.0..=1.0).contains(&args.dropin) {
        return Err(input_error!("--dropin {}: must be in [0, 1]", args.dropin));
    }
    let mut plan = model_from_flags(args)?;
    if let Some(path) = &args.mutation_table {
        let text = case::read_text(path)?;
        let rows = formats::read_mutation_table(&text).map_err(|e| input_error!("{}: {e}", path.display()))?;
        for row in rows {
            plan.per_marker.insert(row.marker, (row.female, row.male));
        }
    }
    let h1_file = case::read_ped(&args.h1)?;
    let h1_ped = case::pedigree(&args.h1, &h1_file)?;
    let h2_file = args.h2.as_ref().map(|p| case::read_ped(p)).transpose()?;
    let db = case::read_frequencies(&args.freqs)?;
    for x in &args.x_markers {
        if !h1_file.markers.contains(x) {
            return Err(input_error!(
                "--x-markers: '{x}' is not a marker of {}",
                args.h1.display()
            ));
        }
    }
    if let Some(path) = &args.mutation_table {
        for m in plan.per_marker.keys() {
            if db.get(m).is_none() && !h1_file.markers.contains(m) {
                return Err(input_error!(
                    "{}: marker '{m}' is neither in the ped file nor the frequency file",
                    path.display()
                ));
            }
        }
    }
    let mut ped_files: Vec<(&Path, &formats::PedFile)> = vec![(&args.h1, &h1_file)];
    if let (Some(path), Some(file)) = (&args.h2, &h2_file) {
        ped_files.push((path, file));
    }
    let markers = case::markers(
        &ped_files,
        &args.freqs,
        &db,
        &plan,
        &args.x_markers,
        args.unknown_allele_freq,
    )?;
    let h1_typings = case::typings(&args.h1, &h1_file, &markers)?;
    let conditions = Conditions {
        theta: args.theta,
        dropout: match &args.dropout {
            Some(spec) => case::dropout_map(spec, &h1_ped)?,
            None => Default::default(),
        },
        dropin: args.dropin,
    };
    let h1 = Hypothesis {
        pedigree: &h1_ped,
        typings: &h1_typings,
    };
    let report = match (&args.h2, &h2_file) {
        (Some(path), Some(file)) => {
            let ped = case::pedigree(path, file)?;
            let typings = case::typings(path, file, &markers)?;
            compute(
                &markers,
                h1,
                Hypothesis {
                    pedigree: &ped,
                    typings: &typings,
                },
                &conditions,
            )?
        }
        _ => {
            let (ped, typings) = unrelated_alternative(h1);
            compute(
                &markers,
                h1,
                Hypothesis {
                    pedigree: &ped,
                    typings: &typings,
                },
                &conditions,
            )?
        }
    };
    let names: Vec<&str> = markers.iter().map(|m| m.name()).collect();
    if args.json {
        println!("{}", serde_json::to_string(&to_json(&report, &names))?);
    } else {
        print_table(&report, &names);
    }
    Ok(())
}

fn compute(markers: &[kinship::Marker], h1: Hypothesis<'_>, h2: Hypothesis<'_>, c: &Conditions) -> Result<LrReport> {
    likelihood_ratio(markers, h1, h2, c).map_err(|e| match e {
        LikelihoodError::TooComplex { .. } => anyhow::Error::new(e),
        other => input_error!("{other}"),
    })
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn to_json<'a>(report: &LrReport, names: &[&'a str]) -> LrJson<'a> {
    LrJson {
        lr: report.lr(),
        log10_lr: finite(report.log10_lr()),
        loglik_h1: finite(report.ln_h1()),
        loglik_h2: report.ln_h2(),
        markers: report
            .markers
            .iter()
            .zip(names)
            .map(|(m, &marker)| MarkerJson { marker, lr: m.lr() })
            .collect(),
    }
}

fn print_table(report: &LrReport, names: &[&str]) {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(6).max(6);
    println!("{:<width$}  {:>14}  {:>10}", "marker", "LR", "log10 LR");
    for (m, name) in report.markers.iter().zip(names) {
        println!("{:<width$}  {:>14}  {:>10.4}", name, format_lr(m.lr()), m.lr().log10());
    }
    println!(
        "{:<width$}  {:>14}  {:>10.4}",
        "total",
        format_lr(report.lr()),
        report.log10_lr()
    );
    println!();
    println!("ln L(H1) = {:.6}", report.ln_h1());
    println!("ln L(H2) = {:.6}", report.ln_h2());
}

fn format_lr(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e6).contains(&x) {
        format!("{x:.4}")
    } else {
        format!("{x:.4e}")
    }
}
