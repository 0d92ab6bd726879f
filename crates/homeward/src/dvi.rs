//! `homeward dvi`: joint identification of victims against reference families (the dvir method).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use formats::PedFile;
use identify::dvi::{self, DisableMutations, DviCase, Family, JointOptions, Thresholds};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::ModelArgs;
use casework::case;
use casework::input_error;

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
    /// The K best joint assignments to report.
    #[arg(long, value_name = "K", default_value_t = 10)]
    top: usize,
    /// Keep pairings whose pairwise LR is at most this out of the hypotheses (negative: keep all).
    #[arg(long, allow_negative_numbers = true, value_name = "X", default_value_t = 0.0)]
    limit: f64,
    /// Prior odds of each identification in the joint posteriors (1: flat prior over assignments).
    #[arg(long, value_name = "W", default_value_t = 1.0)]
    identification_odds: f64,
    /// Switch mutation models off in the joint search: never (the model as given), always, or in
    /// the families whose references are consistent without them (dvir's jointDVI default).
    #[arg(long, value_name = "WHEN", default_value = "never")]
    disable_mutations: DisableArg,
    /// The largest share of the posterior mass the search may leave unenumerated (certified).
    #[arg(long, value_name = "E", default_value_t = 1e-9)]
    tolerance: f64,
    /// Stop after this many seconds with the best assignments found and the bound reached (exit code 3).
    #[arg(long, value_name = "S")]
    max_seconds: Option<f64>,
    /// Refuse a family with more placements of candidate victims than this.
    #[arg(long, value_name = "N", default_value_t = 2_000_000)]
    max_placements: usize,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DisableArg {
    Never,
    Always,
    WhenConsistent,
}

/// Reads the three files into a checked DVI problem.
pub fn load(args: &CaseFiles) -> Result<DviCase> {
    if let Some(path) = &args.fam {
        let fam = casework::familias::read(path)?;
        return casework::familias::dvi_case(path, &fam);
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
    let mut families = families(am_path, &am, &markers)?;
    let missing = read_missing(missing_path, &families)?;
    for (f, member, line) in missing {
        let fam = &mut families[f];
        if fam.typings.iter().any(|t| t[member].is_typed()) {
            return Err(input_error!(
                "{}: line {line}: missing person '{}' of family '{}' is typed in {}; missing persons must be untyped",
                missing_path.display(),
                fam.pedigree.member(member).id,
                fam.id,
                am_path.display()
            ));
        }
        fam.missing.push(member);
    }
    // `--dropout ID=D`: a victim by its id, a family member by `FAMID:ID` or by an id found in one
    // family only.
    let victim_ids: HashSet<&str> = victims.iter().map(|v| v.id.as_str()).collect();
    let member_of = |id: &str| -> Option<(usize, usize)> {
        if let Some((fam, member)) = id.split_once(':') {
            let f = families.iter().position(|f| f.id == fam)?;
            return families[f].pedigree.index_of(member).map(|m| (f, m));
        }
        let found: Vec<(usize, usize)> = families
            .iter()
            .enumerate()
            .filter_map(|(f, fam)| fam.pedigree.index_of(id).map(|m| (f, m)))
            .collect();
        (found.len() == 1).then(|| found[0])
    };
    let mut conditions = args
        .model
        .conditions(|id| victim_ids.contains(id) || member_of(id).is_some())?;
    let mut member_dropout = Vec::new();
    conditions.dropout.retain(|id, d| {
        if victim_ids.contains(id.as_str()) {
            return true;
        }
        if let Some(place) = member_of(id) {
            member_dropout.push((place, *d));
        }
        false
    });
    for ((f, m), d) in member_dropout {
        let id = families[f].pedigree.member(m).id.clone();
        families[f].dropout.insert(id, d);
    }
    DviCase::new(markers, victims, families, conditions).map_err(|e| input_error!("{e}"))
}

/// The missing persons of the `--missing` file as (family index, member index, line). A line is
/// `ID` (when that id is a member of one family only), `FAMID ID` or `FAMID:ID`.
fn read_missing(path: &Path, families: &[Family]) -> Result<Vec<(usize, usize, usize)>> {
    let text = case::read_text(path)?;
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let entry = raw.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let in_family = |fam: &str, id: &str| -> Result<(usize, usize)> {
            let Some(f) = families.iter().position(|f| f.id == fam) else {
                return Err(input_error!(
                    "{}: line {line}: family '{fam}' is not in the AM file",
                    path.display()
                ));
            };
            let Some(m) = families[f].pedigree.index_of(id) else {
                return Err(input_error!(
                    "{}: line {line}: missing person '{id}' is not a member of family '{fam}'",
                    path.display()
                ));
            };
            Ok((f, m))
        };
        // The whole line as an id first (ids may hold spaces: "Missing person 1"), then
        // `FAMID ID` split at the first tab or space, then `FAMID:ID`.
        let found: Vec<(usize, usize)> = families
            .iter()
            .enumerate()
            .filter_map(|(f, fam)| fam.pedigree.index_of(entry).map(|m| (f, m)))
            .collect();
        let split = entry
            .split_once('\t')
            .or_else(|| entry.split_once(' '))
            .map(|(f, id)| (f.trim(), id.trim()))
            .filter(|(f, _)| families.iter().any(|fam| fam.id == *f));
        let place = match (found.as_slice(), split, entry.split_once(':')) {
            ([one], _, _) => *one,
            ([], Some((fam, id)), _) => in_family(fam, id)?,
            ([], None, Some((fam, id))) => in_family(fam, id)?,
            ([], None, None) => {
                let first = entry.split([' ', '\t']).next().unwrap_or(entry);
                return Err(if first == entry {
                    input_error!(
                        "{}: line {line}: missing person '{entry}' is not in the AM file",
                        path.display()
                    )
                } else {
                    input_error!(
                        "{}: line {line}: '{entry}' is no member id of the AM file, and family '{first}' is not in it",
                        path.display()
                    )
                });
            }
            (many, _, _) => {
                let names: Vec<&str> = many.iter().map(|&(f, _)| families[f].id.as_str()).collect();
                return Err(input_error!(
                    "{}: line {line}: '{entry}' is a member of families {}; write 'FAMID {entry}' or 'FAMID:{entry}'",
                    path.display(),
                    names.join(", ")
                ));
            }
        };
        if let Some(first) = seen.insert(place, line) {
            return Err(input_error!(
                "{}: line {line}: '{}' of family '{}' is listed twice (first on line {first})",
                path.display(),
                families[place.0].pedigree.member(place.1).id,
                families[place.0].id
            ));
        }
        out.push((place.0, place.1, line));
    }
    if out.is_empty() {
        return Err(input_error!("{}: no missing persons listed", path.display()));
    }
    Ok(out)
}

/// Splits the AM file into families by famid, each with its own pedigree (member ids are scoped
/// by family). The missing persons are added by the caller.
fn families(path: &Path, am: &PedFile, markers: &[kinship::Marker]) -> Result<Vec<Family>> {
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
        out.push(Family {
            id: fam,
            pedigree,
            typings,
            missing: Vec::new(),
            dropout: Default::default(),
        });
    }
    Ok(out)
}

#[derive(Debug, Serialize)]
struct PairJson<'a> {
    victim: &'a str,
    family: &'a str,
    missing: &'a str,
    lr: Option<f64>,
    exclusions: Option<usize>,
}

/// One victim's place in an assignment: `family` and `missing` are null when not identified.
#[derive(Debug, Serialize)]
struct PlacedJson<'a> {
    victim: &'a str,
    family: Option<&'a str>,
    missing: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct JointJson<'a> {
    assignment: Vec<PlacedJson<'a>>,
    loglik: Option<f64>,
    lr: f64,
    posterior: f64,
}

#[derive(Debug, Serialize)]
struct MarginalJson<'a> {
    victim: Option<&'a str>,
    family: Option<&'a str>,
    missing: Option<&'a str>,
    posterior: f64,
}

#[derive(Debug, Serialize)]
struct SearchJson<'a> {
    /// Certified bound on the share of the posterior mass not enumerated.
    bound: f64,
    tolerance: f64,
    complete: bool,
    /// Whether the listed assignments are certainly the K best (no cut branch could hold a better one).
    top_exact: bool,
    /// Assignments visited, per connected component of the pairing graph.
    assignments_visited: u64,
    disable_mutations: &'static str,
    /// Families computed without their mutation models (only with --disable-mutations).
    mutations_disabled: Vec<&'a str>,
    identification_odds: f64,
    limit: Option<f64>,
}

#[derive(Debug, Serialize)]
struct ConclusionJson<'a> {
    victim: Option<&'a str>,
    family: Option<&'a str>,
    missing: Option<&'a str>,
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
    joint: Vec<JointJson<'a>>,
    search: SearchJson<'a>,
    marginals: Vec<MarginalJson<'a>>,
    missing_marginals: Vec<MarginalJson<'a>>,
    symmetric: Vec<[PlacedJson<'a>; 2]>,
    conclusions: Vec<ConclusionJson<'a>>,
    conclusions_pm: Vec<ConclusionJson<'a>>,
    thresholds: Map<String, Value>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Exit code of a search stopped by `--max-seconds`: results printed, but not to the tolerance.
pub const EXIT_TIME_BUDGET: i32 = 3;

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
    if !(args.tolerance >= 0.0 && args.tolerance < 1.0) {
        return Err(input_error!("--tolerance {}: must be in [0, 1)", args.tolerance));
    }
    if let Some(s) = args.max_seconds.filter(|s| !(*s > 0.0 && s.is_finite())) {
        return Err(input_error!("--max-seconds {s}: must be positive"));
    }
    if args.top == 0 {
        return Err(input_error!("--top 0: must be at least 1"));
    }
    let case = load(&args.files)?;
    let prior = args.prior.unwrap_or(1.0 / case.missing_persons().count().max(1) as f64);
    if !(prior > 0.0 && prior < 1.0) {
        return Err(input_error!("--prior {prior}: must be in (0, 1)"));
    }
    let compute = |e: dvi::DviError| match e {
        dvi::DviError::TooManyPlacements { .. } | dvi::DviError::FamilyImpossible { .. } => input_error!("{e}"),
        other => anyhow::Error::new(other),
    };
    let options = JointOptions {
        top: args.top,
        limit: (args.limit >= 0.0).then_some(args.limit),
        undisputed: Some(args.threshold),
        disable_mutations: match args.disable_mutations {
            DisableArg::Never => DisableMutations::Never,
            DisableArg::Always => DisableMutations::Always,
            DisableArg::WhenConsistent => DisableMutations::WhenConsistent,
        },
        identification_odds: args.identification_odds,
        tolerance: args.tolerance,
        max_seconds: args.max_seconds,
        max_placements: args.max_placements,
    };
    let joint = dvi::joint(&case, &options).map_err(compute)?;
    let thresholds = Thresholds {
        undisputed: args.threshold,
        probable: args.threshold / 10.0,
    };
    let (am, pm) = dvi::conclusions(&case, &joint.pairwise, &joint, thresholds);
    let victim_id = |v: usize| case.victims()[v].id.as_str();
    let missing_id = |f: usize, k: usize| case.missing_id(f, k);
    let family_id = |f: usize| case.families()[f].id.as_str();
    let placed = |v: usize, p: Option<(usize, usize)>| PlacedJson {
        victim: victim_id(v),
        family: p.map(|(f, _)| family_id(f)),
        missing: p.map(|(f, k)| missing_id(f, k)),
    };
    // One row of either table; whether it names the family and which LR gives a posterior differ
    // between them (a family's row always names its family; a victim's only when it names a
    // missing person).
    let conclusion = |c: &dvi::Conclusion, names_family: bool, placed_lr: Option<f64>| ConclusionJson {
        victim: c.victim.map(victim_id),
        family: names_family.then(|| family_id(c.family)),
        missing: c.missing.map(|k| missing_id(c.family, k)),
        lr: c.lr,
        glr: c.glr,
        posterior: placed_lr.map(|lr| dvi::posterior(lr, prior)),
        conclusion: c.class.label(),
        comment: c.comment.clone(),
    };
    let out = DviJson {
        pairwise: joint
            .pairwise
            .iter()
            .map(|p| PairJson {
                victim: victim_id(p.victim),
                family: family_id(p.family),
                missing: missing_id(p.family, p.missing),
                lr: p.lr(),
                exclusions: p.exclusions,
            })
            .collect(),
        undisputed: joint
            .undisputed
            .iter()
            .map(|u| PairJson {
                victim: victim_id(u.victim),
                family: family_id(u.family),
                missing: missing_id(u.family, u.missing),
                lr: Some(u.ln_lr.exp()),
                exclusions: None,
            })
            .collect(),
        joint: joint
            .assignments
            .iter()
            .map(|a| JointJson {
                assignment: a.pairs.iter().enumerate().map(|(v, &p)| placed(v, p)).collect(),
                loglik: finite(a.loglik),
                lr: a.ln_lr.exp(),
                posterior: a.posterior,
            })
            .collect(),
        search: SearchJson {
            bound: joint.bound,
            tolerance: args.tolerance,
            complete: joint.complete,
            top_exact: joint.top_exact,
            assignments_visited: joint.enumerated,
            disable_mutations: options.disable_mutations.label(),
            mutations_disabled: joint
                .mutations_disabled
                .iter()
                .enumerate()
                .filter(|(_, &off)| off)
                .map(|(f, _)| family_id(f))
                .collect(),
            identification_odds: args.identification_odds,
            limit: options.limit,
        },
        marginals: (0..case.victims().len())
            .flat_map(|v| {
                joint.marginals(v).into_iter().map(move |(p, prob)| MarginalJson {
                    victim: Some(victim_id(v)),
                    family: p.map(|(f, _)| family_id(f)),
                    missing: p.map(|(f, k)| missing_id(f, k)),
                    posterior: prob,
                })
            })
            .collect(),
        missing_marginals: case
            .missing_persons()
            .flat_map(|(f, k)| {
                joint
                    .missing_marginals(f, k)
                    .into_iter()
                    .map(move |(v, prob)| MarginalJson {
                        victim: v.map(victim_id),
                        family: Some(family_id(f)),
                        missing: Some(missing_id(f, k)),
                        posterior: prob,
                    })
            })
            .collect(),
        symmetric: joint
            .symmetric_pairs()
            .iter()
            .map(|&(a, b)| {
                [
                    PlacedJson {
                        victim: "",
                        family: Some(family_id(a.0)),
                        missing: Some(missing_id(a.0, a.1)),
                    },
                    PlacedJson {
                        victim: "",
                        family: Some(family_id(b.0)),
                        missing: Some(missing_id(b.0, b.1)),
                    },
                ]
            })
            .collect(),
        conclusions: am.iter().map(|c| conclusion(c, true, c.victim.and(c.lr))).collect(),
        conclusions_pm: pm
            .iter()
            .map(|c| conclusion(c, c.missing.is_some(), c.missing.and(c.lr)))
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
    if !joint.complete {
        use std::io::Write;
        std::io::stdout().flush()?;
        eprintln!(
            "homeward dvi: stopped after --max-seconds {}: the posterior mass not enumerated is at most {:.3e} of the total, above --tolerance {:e}",
            args.max_seconds.unwrap_or_default(),
            joint.bound,
            args.tolerance
        );
        std::process::exit(EXIT_TIME_BUDGET);
    }
    Ok(())
}

fn who(p: &PlacedJson<'_>) -> String {
    match (p.family, p.missing) {
        (Some(f), Some(m)) => format!("{f}:{m}"),
        _ => "*".to_owned(),
    }
}

fn print_tables(out: &DviJson<'_>, top: usize) {
    let lr = |x: Option<f64>| x.map_or("excluded by sex".to_owned(), |v| format!("{v:.4e}"));
    println!("Pairwise LRs (victim is missing person vs unrelated):");
    println!("  {:<12} {:<10} {:<12} LR", "victim", "family", "missing");
    for p in &out.pairwise {
        let excl = p.exclusions.map_or(String::new(), |e| format!("  exclusions {e}"));
        println!(
            "  {:<12} {:<10} {:<12} {}{excl}",
            p.victim,
            p.family,
            p.missing,
            lr(p.lr)
        );
    }
    if !out.undisputed.is_empty() {
        println!("\nUndisputed:");
        for u in &out.undisputed {
            println!("  {} = {}:{}  LR {}", u.victim, u.family, u.missing, lr(u.lr));
        }
    }
    let s = &out.search;
    println!(
        "\nBest joint assignments (posteriors over every admissible assignment; {} visited in independent parts; mass not enumerated ≤ {:.1e} of the total{}{}):",
        s.assignments_visited,
        s.bound,
        if s.top_exact { "" } else { "; a cut branch might hold a better one than the last listed" },
        if s.complete { "" } else { "; search stopped by --max-seconds" }
    );
    if !s.mutations_disabled.is_empty() {
        println!(
            "  mutation models switched off (--disable-mutations {}) in families: {}",
            s.disable_mutations,
            s.mutations_disabled.join(", ")
        );
    }
    for a in out.joint.iter().take(top) {
        let pairs: Vec<String> = a
            .assignment
            .iter()
            .map(|p| format!("{}={}", p.victim, who(p)))
            .collect();
        println!(
            "  {:<40} LR {:>12.4e}  posterior {:.6}",
            pairs.join(" "),
            a.lr,
            a.posterior
        );
    }
    for [a, b] in &out.symmetric {
        println!(
            "  note: {} and {} cannot be told apart by these data (swapping them changes nothing)",
            who(a),
            who(b)
        );
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
