//! `homeward screen-snp`: every recovered sample of one VCF file against every reference sample of
//! another on an SNP panel: the bit-packed first pass (IBS0, the KING-robust kinship and the
//! standardised IBD1 score z) keeps the pairs by one explicit rule (`--min-score-z`, the default;
//! `--max-kept`, the best scores up to a budget; or `--min-kinship`), and each kept pair is
//! rescored exactly by the linked chain for every standard relationship
//! (`identify::snp_screen`). The pairs are printed by their best LR, highest first; the output
//! names the keep rule.
//!
//! Both passes read hard calls: GT, or where a sample has PL, GL or AD (with
//! `--sequencing-error`), its most likely genotype (a tie is untyped). The sex-averaged map is
//! used, as by `homeward relationship`: the sexes on the path between two samples are unknown.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use std::sync::Arc;

use identify::snp_screen::{
    first_pass, rescore, Keep, PackedGenotypes, SnpLayout, SnpScreenOptions, DEFAULT_MIN_SCORE_Z,
};
use kinship::STANDARD_RELATIONSHIPS;
use serde::Serialize;

use crate::snp::{MapName, SnpArgs, SnpData};
use casework::input_error;

#[derive(Debug, Args)]
pub struct ScreenSnpArgs {
    /// The recovered samples' SNP genotypes (VCF 4.x text).
    #[arg(long, value_name = "S.vcf")]
    samples: PathBuf,
    /// The reference samples' SNP genotypes (VCF 4.x text).
    #[arg(long, value_name = "R.vcf")]
    references: PathBuf,
    /// The SNP panel (as for `homeward lr --panel`).
    #[arg(long, value_name = "PANEL.tsv")]
    panel: PathBuf,
    /// Column `freq_alt:POP` of the panel for the frequencies.
    #[arg(long, value_name = "POP")]
    population: Option<String>,
    /// Keep pairs whose standardised IBD1 score z is at least Z (the default rule, Z = 1: about
    /// 16% of unrelated pairs and, on the FORCE panel, 76% of 5th-degree pairs; docs/benchmarks.md).
    #[arg(long, value_name = "Z", allow_negative_numbers = true, group = "keep")]
    min_score_z: Option<f64>,
    /// Keep the N pairs of highest IBD1 score z (a budget for the exact rescoring, for large
    /// screens: about 10 ms a pair on two cores with the FORCE panel).
    #[arg(long, value_name = "N", group = "keep")]
    max_kept: Option<usize>,
    /// Keep pairs whose KING-robust kinship estimate is at least K instead (2^-6.5 − 2^-7 ≈ 0.0032
    /// keeps about 79% of 5th-degree pairs on the FORCE panel and 41% of unrelated pairs).
    #[arg(long, value_name = "K", allow_negative_numbers = true, group = "keep")]
    min_kinship: Option<f64>,
    /// Genotyping error of the calls in the exact rescoring.
    #[arg(long, value_name = "E", default_value_t = 0.001)]
    genotype_error: f64,
    /// Use the AD read counts (where given) with this per-read error rate for the calls.
    #[arg(long, value_name = "EPS")]
    sequencing_error: Option<f64>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct PairJson<'a> {
    sample: &'a str,
    reference: &'a str,
    snps_typed_in_both: u32,
    ibs0: u32,
    kinship: f64,
    ibd1_score_z: f64,
    best_relationship: &'a str,
    best_log10_lr: f64,
    /// log10 LR against unrelated of every standard relationship.
    log10_lrs: Vec<(&'a str, f64)>,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    snps: usize,
    samples: usize,
    references: usize,
    pairs: u64,
    /// The keep rule: "kinship", "score_z" or "max_kept".
    keep: &'static str,
    /// Its threshold (a kinship, a z) or budget (a number of pairs).
    keep_value: f64,
    /// The lowest kinship or z among the kept pairs.
    lowest_kept: Option<f64>,
    kept: usize,
    results: Vec<PairJson<'a>>,
}

/// The hard calls of every sample of `data`: `[sample][snp]`, the SNPs in panel map order.
fn calls(data: &SnpData) -> Vec<Vec<Option<u8>>> {
    let mut out = vec![Vec::new(); data.samples.len()];
    for c in &data.chromosomes {
        for row in &c.evidence {
            for (s, e) in row.iter().enumerate() {
                out[s].push(e.and_then(|gl| {
                    let v = gl.values();
                    let best = (0..3).max_by(|&a, &b| v[a].total_cmp(&v[b]))?;
                    // A tie (no data, or PL 0 for two genotypes) says nothing: untyped.
                    let tied = (0..3).filter(|&g| v[g] == v[best]).count() > 1;
                    (!tied).then_some(best as u8)
                }));
            }
        }
    }
    out
}

pub fn run(args: &ScreenSnpArgs) -> Result<()> {
    if !(0.0..1.0).contains(&args.genotype_error) {
        return Err(input_error!(
            "--genotype-error {}: must be in [0, 1)",
            args.genotype_error
        ));
    }
    let keep = match (args.min_kinship, args.max_kept, args.min_score_z) {
        (Some(k), ..) => Keep::Kinship(k),
        (_, Some(n), _) => Keep::TopScores(n),
        (.., z) => Keep::ScoreZ(z.unwrap_or(DEFAULT_MIN_SCORE_Z)),
    };
    if let Keep::Kinship(t) | Keep::ScoreZ(t) = keep {
        if t.is_nan() {
            return Err(input_error!("keep threshold: not a number"));
        }
    }
    let load = |vcf: &PathBuf| -> Result<SnpData> {
        let snp = SnpArgs {
            vcf: Some(vcf.clone()),
            panel: Some(args.panel.clone()),
            genotype_error: 0.0,
            sequencing_error: args.sequencing_error,
            map: MapName::Haldane,
            sex_averaged_map: true,
        };
        snp.load(args.population.as_deref(), true)?
            .ok_or_else(|| input_error!("--samples, --references and --panel are required"))
    };
    let samples = load(&args.samples)?;
    let references = load(&args.references)?;
    let chromosomes: Vec<Vec<kinship::LinkedMarker>> = samples.chromosomes.iter().map(|c| c.markers.clone()).collect();
    let snps: usize = chromosomes.iter().map(Vec::len).sum();
    let freqs: Vec<f64> = chromosomes.iter().flatten().map(|m| m.freq_alt).collect();
    let layout = Arc::new(SnpLayout::new(&freqs).map_err(|e| input_error!("{}: {e}", args.panel.display()))?);
    let packed_samples = PackedGenotypes::from_calls("sample", &layout, &calls(&samples))
        .map_err(|e| input_error!("{}: {e}", args.samples.display()))?;
    let packed_references = PackedGenotypes::from_calls("reference", &layout, &calls(&references))
        .map_err(|e| input_error!("{}: {e}", args.references.display()))?;
    let options = SnpScreenOptions {
        keep,
        ..SnpScreenOptions::default()
    };
    let pass = first_pass(&packed_samples, &packed_references, &options)?;
    let mut rescored = rescore(
        &chromosomes,
        samples.map,
        &packed_samples,
        &packed_references,
        args.genotype_error,
        &pass.kept,
        options.threads,
    )?;
    rescored.sort_by(|a, b| b.best_ln_lr.total_cmp(&a.best_ln_lr));
    let log10 = |ln: f64| ln / std::f64::consts::LN_10;
    let names: Vec<&str> = STANDARD_RELATIONSHIPS
        .iter()
        .filter(|(_, r)| r.is_some())
        .map(|(n, _)| *n)
        .collect();
    let results: Vec<PairJson<'_>> = rescored
        .iter()
        .map(|p| {
            let counts = identify::snp_screen::pair_counts(
                &packed_samples,
                p.sample as usize,
                &packed_references,
                p.reference as usize,
            );
            PairJson {
                sample: &samples.samples[p.sample as usize],
                reference: &references.samples[p.reference as usize],
                snps_typed_in_both: counts.both_typed(),
                ibs0: counts.ibs0,
                kinship: p.kinship,
                ibd1_score_z: f64::from(p.score_z),
                best_relationship: p.best_name(),
                best_log10_lr: log10(p.best_ln_lr),
                log10_lrs: names.iter().zip(&p.ln_lrs).map(|(n, &l)| (*n, log10(l))).collect(),
            }
        })
        .collect();
    if args.json {
        let out = Output {
            snps,
            samples: samples.samples.len(),
            references: references.samples.len(),
            pairs: pass.pairs,
            keep: match keep {
                Keep::Kinship(_) => "kinship",
                Keep::ScoreZ(_) => "score_z",
                Keep::TopScores(_) => "max_kept",
            },
            keep_value: match keep {
                Keep::Kinship(t) | Keep::ScoreZ(t) => t,
                Keep::TopScores(n) => n as f64,
            },
            lowest_kept: pass.lowest_kept(),
            kept: pass.kept.len(),
            results,
        };
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!(
        "# {} samples × {} references on {snps} SNPs: {} pairs, {} kept by {keep} (lowest kept {})",
        samples.samples.len(),
        references.samples.len(),
        pass.pairs,
        pass.kept.len(),
        pass.lowest_kept().map_or("-".to_owned(), |v| format!("{v:.4}"))
    );
    println!("sample\treference\tsnps\tibs0\tkinship\tscore z\tbest relationship\tlog10 LR");
    for r in &results {
        println!(
            "{}\t{}\t{}\t{}\t{:.4}\t{:.2}\t{}\t{:.3}",
            r.sample,
            r.reference,
            r.snps_typed_in_both,
            r.ibs0,
            r.kinship,
            r.ibd1_score_z,
            r.best_relationship,
            r.best_log10_lr
        );
    }
    Ok(())
}
