//! `homeward lr`: the likelihood ratio of two pedigree hypotheses.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use kinship::{likelihood_ratio, unrelated_alternative, Conditions, Hypothesis, LikelihoodError, LrReport};
use serde::Serialize;

use crate::case;
use crate::input_error;
use crate::model::ModelArgs;

#[derive(Debug, Args)]
pub struct LrArgs {
    /// Pedigree and genotypes under H1 (ped format).
    #[arg(long, value_name = "H1.ped", required_unless_present = "fam")]
    h1: Option<PathBuf>,
    /// Pedigree under H2 with the same typed members; default: all typed members unrelated.
    #[arg(long, value_name = "H2.ped")]
    h2: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// A Familias kinship case: every pedigree in it against the reference pedigree, with the file's
    /// database, mutation models and theta.
    #[arg(long, value_name = "CASE.fam", conflicts_with_all = FAM_CONFLICTS)]
    fam: Option<PathBuf>,
    /// With --fam: the pedigree the others are compared with (default: the first).
    #[arg(long, value_name = "NAME", requires = "fam")]
    reference: Option<String>,
    /// Also write the case (H1, H2, frequencies, models, theta, dropout) as a Familias file.
    #[arg(long, value_name = "CASE.fam", conflicts_with = "fam")]
    write_fam: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Flags that a `.fam` file replaces (it carries the case, database, mutation models and theta);
/// `ModelArgs` is the group clap makes of the model flags.
const FAM_CONFLICTS: [&str; 3] = ["h1", "h2", "ModelArgs"];

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

pub fn run(args: &LrArgs) -> Result<()> {
    if let Some(fam) = &args.fam {
        return crate::fam::run_lr(fam, args.reference.as_deref(), args.json);
    }
    let Some(h1_path) = &args.h1 else {
        return Err(input_error!("--h1 H1.ped (or --fam CASE.fam) is required"));
    };
    let h1_file = case::read_ped(h1_path)?;
    let h1_ped = case::pedigree(h1_path, &h1_file)?;
    let h2_file = args.h2.as_ref().map(|p| case::read_ped(p)).transpose()?;
    let mut ped_files: Vec<(&Path, &formats::PedFile)> = vec![(h1_path, &h1_file)];
    if let (Some(path), Some(file)) = (&args.h2, &h2_file) {
        ped_files.push((path, file));
    }
    let markers = args.model.markers(&ped_files)?;
    let h1_typings = case::typings(h1_path, &h1_file, &markers)?;
    let conditions = args.model.conditions(|id| h1_ped.index_of(id).is_some())?;
    let h1 = Hypothesis {
        pedigree: &h1_ped,
        typings: &h1_typings,
    };
    let (h2_ped, h2_typings) = match (&args.h2, &h2_file) {
        (Some(path), Some(file)) => (case::pedigree(path, file)?, case::typings(path, file, &markers)?),
        _ => unrelated_alternative(h1),
    };
    let h2 = Hypothesis {
        pedigree: &h2_ped,
        typings: &h2_typings,
    };
    // What Familias cannot hold is refused before computing; the file is written after.
    let fam = match &args.write_fam {
        Some(path) => Some((
            path,
            crate::fam::case_to_fam(&[("H1", h1), ("H2", h2)], &markers, &conditions)?,
        )),
        None => None,
    };
    let report = compute(&markers, h1, h2, &conditions)?;
    if let Some((path, fam)) = fam {
        std::fs::write(path, formats::write_fam(&fam))
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    }
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

pub(crate) fn format_lr(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e6).contains(&x) {
        format!("{x:.4}")
    } else {
        format!("{x:.4e}")
    }
}
