//! `homeward match`: victims against each other: fragments of one body, and relatives.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use identify::direct::{group_same_source, kinship_pairs, same_source, Relationship};
use serde::Serialize;

use crate::model::ModelArgs;
use casework::case;
use casework::input_error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RelationshipArg {
    ParentChild,
    FullSiblings,
    HalfSiblings,
    FirstCousins,
}

impl From<RelationshipArg> for Relationship {
    fn from(r: RelationshipArg) -> Self {
        match r {
            RelationshipArg::ParentChild => Relationship::ParentChild,
            RelationshipArg::FullSiblings => Relationship::FullSiblings,
            RelationshipArg::HalfSiblings => Relationship::HalfSiblings,
            RelationshipArg::FirstCousins => Relationship::FirstCousins,
        }
    }
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Victims (post-mortem samples), as singletons in a ped file.
    #[arg(long, value_name = "PM.ped")]
    pm: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Report pairs with an LR at least this.
    #[arg(long, value_name = "X", default_value_t = 1e4)]
    min_lr: f64,
    /// Relationships to test besides same source (comma-separated; default all).
    #[arg(long, value_enum, value_delimiter = ',')]
    relationships: Vec<RelationshipArg>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct PairJson<'a> {
    a: &'a str,
    b: &'a str,
    hypothesis: &'static str,
    log10_lr: f64,
    shared_markers: usize,
}

#[derive(Debug, Serialize)]
struct MatchJson<'a> {
    same_source: Vec<PairJson<'a>>,
    groups: Vec<Vec<&'a str>>,
    kinship: Vec<PairJson<'a>>,
}

pub fn run(args: &MatchArgs) -> Result<()> {
    if args.min_lr.is_nan() || args.min_lr <= 0.0 {
        return Err(input_error!("--min-lr {}: must be positive", args.min_lr));
    }
    let pm = case::read_ped(&args.pm)?;
    let markers = args.model.markers(&[(&args.pm, &pm)])?;
    let victims = case::victims(&args.pm, &pm, &markers)?;
    let conditions = args.model.conditions(|id| victims.iter().any(|v| v.id == id))?;
    let relationships: Vec<Relationship> = if args.relationships.is_empty() {
        Relationship::ALL.to_vec()
    } else {
        args.relationships.iter().map(|&r| r.into()).collect()
    };
    let min = args.min_lr.log10();
    let to_input = |e: identify::dvi::DviError| input_error!("{e}");
    let same = same_source(&markers, &victims, &conditions, min).map_err(to_input)?;
    let kin = kinship_pairs(&markers, &victims, &conditions, &relationships, min).map_err(to_input)?;
    let groups = group_same_source(victims.len(), &same);
    let id = |i: usize| victims[i].id.as_str();
    let pair = |p: &identify::direct::PairLr| PairJson {
        a: id(p.a),
        b: id(p.b),
        hypothesis: p.relationship.map_or("same source", |r| r.label()),
        log10_lr: p.log10_lr,
        shared_markers: p.shared_markers,
    };
    let out = MatchJson {
        same_source: same.iter().map(pair).collect(),
        groups: groups.iter().map(|g| g.iter().map(|&i| id(i)).collect()).collect(),
        kinship: kin.iter().map(pair).collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!("Same source (LR ≥ {}):", args.min_lr);
    for p in &out.same_source {
        println!(
            "  {:<12} {:<12} log10 LR {:>8.3}  ({} shared markers)",
            p.a, p.b, p.log10_lr, p.shared_markers
        );
    }
    for (k, g) in out.groups.iter().enumerate() {
        println!("  group {}: {}", k + 1, g.join(", "));
    }
    println!("\nRelatives (LR ≥ {} against unrelated):", args.min_lr);
    for p in &out.kinship {
        println!(
            "  {:<12} {:<12} {:<14} log10 LR {:>8.3}",
            p.a, p.b, p.hypothesis, p.log10_lr
        );
    }
    Ok(())
}
