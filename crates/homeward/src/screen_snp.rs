//! `homeward screen-snp`: every recovered sample of one VCF file against every reference sample of
//! another on an SNP panel: the bit-packed first pass (IBS0 and the KING-robust kinship) keeps the
//! pairs at or above `--min-kinship`, and each kept pair is rescored exactly by the linked chain
//! for every standard relationship (`identify::snp_screen`). The pairs are printed by their best
//! LR, highest first.
//!
//! Both passes read hard calls: GT, or where a sample has PL, GL or AD (with
//! `--sequencing-error`), its most likely genotype (a tie is untyped). The sex-averaged map is
//! used, as by `homeward relationship`: the sexes on the path between two samples are unknown.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use identify::snp_screen::{first_pass, rescore, PackedGenotypes, SnpScreenOptions, DEFAULT_MIN_KINSHIP};
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
    /// Keep pairs whose KING-robust kinship estimate is at least K. The default, 2^-6.5 − 2^-7 ≈
    /// 0.0032, keeps about 79% of 5th-degree pairs on the FORCE panel and about 41% of unrelated
    /// pairs (docs/benchmarks.md); raise it for large screens.
    #[arg(long, value_name = "K", default_value_t = DEFAULT_MIN_KINSHIP, allow_negative_numbers = true)]
    min_kinship: f64,
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
    min_kinship: f64,
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
    if args.min_kinship.is_nan() {
        return Err(input_error!("--min-kinship: not a number"));
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
    let packed_samples = PackedGenotypes::from_calls("sample", snps, &calls(&samples))
        .map_err(|e| input_error!("{}: {e}", args.samples.display()))?;
    let packed_references = PackedGenotypes::from_calls("reference", snps, &calls(&references))
        .map_err(|e| input_error!("{}: {e}", args.references.display()))?;
    let options = SnpScreenOptions {
        min_kinship: args.min_kinship,
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
                snps_typed_in_both: counts.both_typed,
                ibs0: counts.ibs0,
                kinship: p.kinship,
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
            min_kinship: args.min_kinship,
            kept: pass.kept.len(),
            results,
        };
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!(
        "# {} samples × {} references on {snps} SNPs: {} pairs, {} kept at kinship ≥ {}",
        samples.samples.len(),
        references.samples.len(),
        pass.pairs,
        pass.kept.len(),
        args.min_kinship
    );
    println!("sample\treference\tsnps\tibs0\tkinship\tbest relationship\tlog10 LR");
    for r in &results {
        println!(
            "{}\t{}\t{}\t{}\t{:.4}\t{}\t{:.3}",
            r.sample, r.reference, r.snps_typed_in_both, r.ibs0, r.kinship, r.best_relationship, r.best_log10_lr
        );
    }
    Ok(())
}
