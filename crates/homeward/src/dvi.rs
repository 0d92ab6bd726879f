//! `homeward dvi`: joint identification of victims against reference families (the dvir method).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use formats::PedFile;
use identify::dvi::{self, DviCase, Family, JointOptions, Thresholds};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::case;
use crate::input_error;
use crate::model::ModelArgs;

/// The input files of an identification problem.
#[derive(Debug, Args)]
pub struct CaseFiles {
    /// Victims (post-mortem samples), as singletons in a ped file.
    #[arg(long, value_name = "PM.ped", required_unless_present = "fam")]
    pm: Option<PathBuf>,
    /// Reference families (ante-mortem data): a ped file with a leading famid column.
    #[arg(long, value_name = "AM.ped", required_unless_present = "fam")]
    am: Option<PathBuf>,
    /// Missing-person ids, one per line.
    #[arg(long, value_name = "FILE", required_unless_present = "fam")]
    missing: Option<PathBuf>,
    /// A Familias file with a [DVI] section: victims, reference families, database, models and theta.
    #[arg(long, value_name = "DVI.fam", conflicts_with_all = DVI_FAM_CONFLICTS)]
    fam: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

/// Flags that a `.fam` file replaces (it carries the case, database, mutation models and theta);
/// `ModelArgs` is the group clap makes of the model flags.
const DVI_FAM_CONFLICTS: [&str; 4] = ["pm", "am", "missing", "ModelArgs"];

#[derive(Debug, Args)]
pub struct DviArgs {
    #[command(flatten)]
    files: CaseFiles,
    /// LR threshold T: undisputed pairs (LR ≥ T and ≥ T times every rival); probable at T/10.
    #[arg(long, value_name = "T", default_value_t = 1e4)]
    threshold: f64,
    /// Prior probability of each identification for the pairwise posteriors (default 1 / missing persons).
    #[arg(long, value_name = "P")]
    prior: Option<f64>,
    /// Show this many assignments in the table (all in JSON).
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Keep pairings whose pairwise LR is at most this out of the joint search (negative: keep all).
    #[arg(long, allow_negative_numbers = true, value_name = "X", default_value_t = 0.0)]
    limit: f64,
    /// Prior odds of each identification in the joint posteriors (1: flat prior over assignments).
    #[arg(long, value_name = "W", default_value_t = 1.0)]
    identification_odds: f64,
    /// Refuse to enumerate more joint assignments than this.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_assignments: usize,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

/// Reads the three files into a checked DVI problem.
pub fn load(args: &CaseFiles) -> Result<DviCase> {
    if let Some(path) = &args.fam {
        let fam = crate::fam::read(path)?;
        return crate::fam::dvi_case(path, &fam);
    }
    let (Some(pm_path), Some(am_path), Some(missing_path)) = (&args.pm, &args.am, &args.missing) else {
        return Err(input_error!("--pm, --am and --missing (or --fam DVI.fam) are required"));
    };
    let pm = case::read_ped(pm_path)?;
    let am = case::read_ped(am_path)?;
    for (path, file, other_path, other) in [(am_path, &am, pm_path, &pm), (pm_path, &pm, am_path, &am)] {
        if let Some(m) = file.markers.iter().find(|m| !other.markers.contains(m)) {
            return Err(input_error!(
                "{}: line 1, field '{m}': marker '{m}' is not in {}",
                path.display(),
                other_path.display()
            ));
        }
    }
    let markers = args.model.markers(&[(am_path, &am), (pm_path, &pm)])?;
    let victims = case::victims(pm_path, &pm, &markers)?;
    let missing_ids = read_missing(missing_path)?;
    let families = families(am_path, &am, &markers, &missing_ids)?;
    let found: HashSet<&str> = families
        .iter()
        .flat_map(|f| f.missing.iter().map(|&m| f.pedigree.member(m).id.as_str()))
        .collect();
    for (id, line) in &missing_ids {
        if !found.contains(id.as_str()) {
            return Err(input_error!(
                "{}: line {line}: missing person '{id}' is not in {}",
                missing_path.display(),
                am_path.display()
            ));
        }
    }
    let ids: HashSet<&str> = victims
        .iter()
        .map(|v| v.id.as_str())
        .chain(
            families
                .iter()
                .flat_map(|f| f.pedigree.members().iter().map(|m| m.id.as_str())),
        )
        .collect();
    let conditions = args.model.conditions(|id| ids.contains(id))?;
    DviCase::new(markers, victims, families, conditions).map_err(|e| input_error!("{e}"))
}

fn read_missing(path: &Path) -> Result<Vec<(String, usize)>> {
    let text = case::read_text(path)?;
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let id = line.trim();
        if id.is_empty() || id.starts_with('#') {
            continue;
        }
        if !seen.insert(id) {
            return Err(input_error!(
                "{}: line {}: '{id}' is listed twice",
                path.display(),
                i + 1
            ));
        }
        out.push((id.to_owned(), i + 1));
    }
    if out.is_empty() {
        return Err(input_error!("{}: no missing persons listed", path.display()));
    }
    Ok(out)
}

/// Splits the AM file into families by famid, each with its own pedigree.
fn families(
    path: &Path,
    am: &PedFile,
    markers: &[kinship::Marker],
    missing: &[(String, usize)],
) -> Result<Vec<Family>> {
    // Typings of the whole file at once, then split by family.
    let all = case::typings(path, am, markers)?;
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, row) in am.rows.iter().enumerate() {
        let Some(fam) = &row.famid else {
            return Err(input_error!(
                "{}: line 1: the AM file needs a leading famid column",
                path.display()
            ));
        };
        let g = *index.entry(fam.as_str()).or_insert_with(|| {
            groups.push((fam.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    let missing: HashMap<&str, usize> = missing.iter().map(|(id, line)| (id.as_str(), *line)).collect();
    let mut out = Vec::with_capacity(groups.len());
    for (fam, rows) in groups {
        // The rows without their genotypes: enough for the pedigree and its error messages.
        let sub = PedFile {
            markers: Vec::new(),
            rows: rows
                .iter()
                .map(|&i| formats::PedRow {
                    genotypes: Vec::new(),
                    ..am.rows[i].clone()
                })
                .collect(),
        };
        let pedigree = case::pedigree(path, &sub)?;
        let typings: Vec<Vec<kinship::Typing>> = all
            .iter()
            .map(|per_row| rows.iter().map(|&i| per_row[i]).collect())
            .collect();
        let mut missing_here = Vec::new();
        for (m, row) in sub.rows.iter().enumerate() {
            if missing.contains_key(row.id.as_str()) {
                if typings.iter().any(|t| t[m].is_typed()) {
                    return Err(input_error!(
                        "{}: line {}: missing person '{}' is typed; missing persons must be untyped",
                        path.display(),
                        row.line,
                        row.id
                    ));
                }
                missing_here.push(m);
            }
        }
        out.push(Family {
            id: fam,
            pedigree,
            typings,
            missing: missing_here,
        });
    }
    Ok(out)
}

#[derive(Debug, Serialize)]
struct PairJson<'a> {
    victim: &'a str,
    missing: &'a str,
    family: &'a str,
    lr: Option<f64>,
    exclusions: Option<usize>,
}

#[derive(Debug, Serialize)]
struct JointJson {
    assignment: Map<String, Value>,
    loglik: Option<f64>,
    lr: f64,
    posterior: f64,
}

#[derive(Debug, Serialize)]
struct ConclusionJson<'a> {
    victim: Option<&'a str>,
    missing: Option<&'a str>,
    family: Option<&'a str>,
    lr: Option<f64>,
    glr: Option<f64>,
    posterior: Option<f64>,
    conclusion: &'static str,
    comment: Option<String>,
}

#[derive(Debug, Serialize)]
struct DviJson<'a> {
    pairwise: Vec<PairJson<'a>>,
    undisputed: Vec<PairJson<'a>>,
    joint: Vec<JointJson>,
    marginals: Map<String, Value>,
    symmetric: Vec<[&'a str; 2]>,
    conclusions: Vec<ConclusionJson<'a>>,
    conclusions_pm: Vec<ConclusionJson<'a>>,
    thresholds: Map<String, Value>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

pub fn run(args: &DviArgs) -> Result<()> {
    if args.identification_odds.is_nan() || args.identification_odds <= 0.0 {
        return Err(input_error!(
            "--identification-odds {}: must be positive",
            args.identification_odds
        ));
    }
    if args.threshold.is_nan() || args.threshold <= 1.0 {
        return Err(input_error!("--threshold {}: must be above 1", args.threshold));
    }
    let case = load(&args.files)?;
    let prior = args.prior.unwrap_or(1.0 / case.missing_persons().count() as f64);
    if !(prior > 0.0 && prior < 1.0) {
        return Err(input_error!("--prior {prior}: must be in (0, 1)"));
    }
    let compute = |e: dvi::DviError| match e {
        dvi::DviError::TooManyAssignments { .. } | dvi::DviError::FamilyImpossible { .. } => input_error!("{e}"),
        other => anyhow::Error::new(other),
    };
    let pairwise = dvi::pairwise_lrs(&case).map_err(compute)?;
    let options = JointOptions {
        limit: (args.limit >= 0.0).then_some(args.limit),
        undisputed: Some(args.threshold),
        max_assignments: args.max_assignments,
        identification_odds: args.identification_odds,
        ..JointOptions::default()
    };
    let joint = dvi::joint(&case, &options).map_err(compute)?;
    let thresholds = Thresholds {
        undisputed: args.threshold,
        probable: args.threshold / 10.0,
    };
    let (am, pm) = dvi::conclusions(&case, &pairwise, &joint, thresholds);
    let victim_id = |v: usize| case.victims()[v].id.as_str();
    let missing_id = |f: usize, k: usize| case.missing_id(f, k);
    let family_id = |f: usize| case.families()[f].id.as_str();
    let out = DviJson {
        pairwise: pairwise
            .iter()
            .map(|p| PairJson {
                victim: victim_id(p.victim),
                missing: missing_id(p.family, p.missing),
                family: family_id(p.family),
                lr: p.lr(),
                exclusions: p.exclusions,
            })
            .collect(),
        undisputed: joint
            .undisputed
            .iter()
            .map(|u| PairJson {
                victim: victim_id(u.victim),
                missing: missing_id(u.family, u.missing),
                family: family_id(u.family),
                lr: Some(u.ln_lr.exp()),
                exclusions: None,
            })
            .collect(),
        joint: joint
            .assignments
            .iter()
            .map(|a| JointJson {
                assignment: a
                    .pairs
                    .iter()
                    .enumerate()
                    .map(|(v, p)| {
                        let m = p.map_or("*", |(f, k)| missing_id(f, k));
                        (victim_id(v).to_owned(), Value::from(m))
                    })
                    .collect(),
                loglik: finite(a.loglik),
                lr: a.ln_lr.exp(),
                posterior: a.posterior,
            })
            .collect(),
        marginals: (0..case.victims().len())
            .map(|v| {
                let probs: Map<String, Value> = joint
                    .marginals(v)
                    .into_iter()
                    .map(|(p, prob)| (p.map_or("*", |(f, k)| missing_id(f, k)).to_owned(), Value::from(prob)))
                    .collect();
                (victim_id(v).to_owned(), Value::Object(probs))
            })
            .collect(),
        symmetric: joint
            .symmetric_pairs()
            .iter()
            .map(|&(a, b)| [missing_id(a.0, a.1), missing_id(b.0, b.1)])
            .collect(),
        conclusions: am
            .iter()
            .map(|c| ConclusionJson {
                victim: c.victim.map(victim_id),
                missing: c.missing.map(|k| missing_id(c.family, k)),
                family: Some(family_id(c.family)),
                lr: c.lr,
                glr: c.glr,
                posterior: c.victim.and(c.lr).map(|lr| dvi::posterior(lr, prior)),
                conclusion: c.class.label(),
                comment: c.comment.clone(),
            })
            .collect(),
        conclusions_pm: pm
            .iter()
            .map(|c| ConclusionJson {
                victim: c.victim.map(victim_id),
                missing: c.missing.map(|k| missing_id(c.family, k)),
                family: c.missing.map(|_| family_id(c.family)),
                lr: c.lr,
                glr: c.glr,
                posterior: c.missing.and(c.lr).map(|lr| dvi::posterior(lr, prior)),
                conclusion: c.class.label(),
                comment: c.comment.clone(),
            })
            .collect(),
        thresholds: [
            ("undisputed".to_owned(), Value::from(thresholds.undisputed)),
            ("probable".to_owned(), Value::from(thresholds.probable)),
            ("prior".to_owned(), Value::from(prior)),
        ]
        .into_iter()
        .collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        print_tables(&out, args.top);
    }
    Ok(())
}

fn print_tables(out: &DviJson<'_>, top: usize) {
    let lr = |x: Option<f64>| x.map_or("excluded by sex".to_owned(), |v| format!("{v:.4e}"));
    println!("Pairwise LRs (victim is missing person vs unrelated):");
    for p in &out.pairwise {
        let excl = p.exclusions.map_or(String::new(), |e| format!("  exclusions {e}"));
        println!(
            "  {:<12} {:<12} {:<10} {}{excl}",
            p.victim,
            p.missing,
            p.family,
            lr(p.lr)
        );
    }
    if !out.undisputed.is_empty() {
        println!("\nUndisputed:");
        for u in &out.undisputed {
            println!("  {} = {} ({})  LR {}", u.victim, u.missing, u.family, lr(u.lr));
        }
    }
    println!("\nBest joint assignments ({} in all):", out.joint.len());
    for a in out.joint.iter().take(top) {
        let pairs: Vec<String> = a
            .assignment
            .iter()
            .map(|(v, m)| format!("{v}={}", m.as_str().unwrap_or("*")))
            .collect();
        println!(
            "  {:<40} LR {:>12.4e}  posterior {:.6}",
            pairs.join(" "),
            a.lr,
            a.posterior
        );
    }
    for [a, b] in &out.symmetric {
        println!("  note: {a} and {b} cannot be told apart by these data (swapping them changes nothing)");
    }
    println!("\nConclusions per missing person:");
    for c in &out.conclusions {
        println!(
            "  {:<12} {:<10} {:<14} sample {:<10} LR {:<12} GLR {:<12} {}",
            c.missing.unwrap_or("-"),
            c.family.unwrap_or("-"),
            c.conclusion,
            c.victim.unwrap_or("-"),
            c.lr.map_or("-".into(), |x| format!("{x:.4e}")),
            c.glr.map_or("-".into(), |x| format!("{x:.4e}")),
            c.comment.as_deref().unwrap_or("")
        );
    }
}
