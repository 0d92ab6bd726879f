//! `homeward relationship`: how two SNP-typed samples are related, without a pedigree. The
//! likelihood of each standard relationship (degrees 1–5 and unrelated) by the linked chain on its
//! two-person pedigree, the LR of each against unrelated and the posterior under equal priors;
//! optionally the IBD0/1/2 posteriors at every SNP under the most likely relationship.
//!
//! The sex-averaged map is used throughout: the sexes of the people on the path between the two
//! are unknown.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use kinship::{Relationship, Sex, STANDARD_RELATIONSHIPS};
use serde::Serialize;

use crate::snp::{SnpArgs, SnpData};
use casework::input_error;

#[derive(Debug, Args)]
pub struct RelationshipArgs {
    #[command(flatten)]
    snp: SnpArgs,
    /// The first sample (a VCF column).
    #[arg(long, value_name = "ID")]
    a: String,
    /// The second sample (a VCF column).
    #[arg(long, value_name = "ID")]
    b: String,
    /// Column `freq_alt:POP` of the panel for the frequencies.
    #[arg(long, value_name = "POP")]
    population: Option<String>,
    /// Write the IBD0/1/2 posteriors at every SNP (tab-separated) under the most likely
    /// relationship other than unrelated.
    #[arg(long, value_name = "FILE.tsv")]
    ibd: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct RelationshipJson<'a> {
    relationship: &'a str,
    degree: Option<u8>,
    loglik: f64,
    log10_lr: Option<f64>,
    posterior: f64,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    a: &'a str,
    b: &'a str,
    markers: usize,
    relationships: Vec<RelationshipJson<'a>>,
}

/// ln L of `rel` (None: unrelated) for samples `sa` and `sb`, and its pedigree with A's and B's
/// indices.
fn likelihood(
    snps: &SnpData,
    rel: Option<Relationship>,
    (a, sa): (&str, usize),
    (b, sb): (&str, usize),
) -> Result<(f64, kinship::Pedigree, usize, usize)> {
    let (ped, ia, ib) = match rel {
        Some(r) => r
            .pedigree((a, Sex::Male), (b, Sex::Male))
            .ok_or_else(|| input_error!("--a {a}, --b {b}: no pedigree for the relationship (are the ids equal?)"))?,
        None => {
            let ped = kinship::Pedigree::singletons([(a.to_owned(), Sex::Male), (b.to_owned(), Sex::Male)])
                .map_err(|e| input_error!("--a {a}, --b {b}: {e}"))?;
            (ped, 0, 1)
        }
    };
    let mut samples_of = vec![None; ped.len()];
    samples_of[ia] = Some(sa);
    samples_of[ib] = Some(sb);
    let ln: f64 = snps.ln_likelihoods(&ped, &samples_of)?.iter().sum();
    Ok((ln, ped, ia, ib))
}

pub fn run(args: &RelationshipArgs) -> Result<()> {
    if args.snp.vcf.is_none() {
        return Err(input_error!("--vcf GENOTYPES.vcf and --panel PANEL.tsv are required"));
    }
    let Some(snps) = args.snp.load(args.population.as_deref(), true)? else {
        return Err(input_error!("--vcf GENOTYPES.vcf and --panel PANEL.tsv are required"));
    };
    let sample = |id: &str, flag: &str| {
        snps.samples.iter().position(|s| s == id).ok_or_else(|| {
            input_error!(
                "{flag} {id}: not a sample of {} (its samples: {})",
                snps.vcf.display(),
                snps.samples.join(", ")
            )
        })
    };
    let (sa, sb) = (sample(&args.a, "--a")?, sample(&args.b, "--b")?);
    if sa == sb {
        return Err(input_error!("--a and --b name the same sample '{}'", args.a));
    }
    let (a, b) = ((args.a.as_str(), sa), (args.b.as_str(), sb));
    let mut results = Vec::with_capacity(STANDARD_RELATIONSHIPS.len());
    for (name, rel) in STANDARD_RELATIONSHIPS {
        let (ln, ped, ia, ib) = likelihood(&snps, rel, a, b)?;
        results.push((name, rel, ln, ped, ia, ib));
    }
    let ln_unrelated = results
        .iter()
        .find(|r| r.1.is_none())
        .map_or(f64::NEG_INFINITY, |r| r.2);
    if ln_unrelated == f64::NEG_INFINITY {
        return Err(input_error!(
            "the data of '{}' and '{}' are impossible even as unrelated persons",
            args.a,
            args.b
        ));
    }
    let max = results.iter().map(|r| r.2).fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = results.iter().map(|r| (r.2 - max).exp()).sum();
    let markers: usize = snps.chromosomes.iter().map(|c| c.markers.len()).sum();
    let rows: Vec<RelationshipJson<'_>> = results
        .iter()
        .map(|(name, rel, ln, ..)| RelationshipJson {
            relationship: name,
            degree: rel.map(|r| r.degree()),
            loglik: *ln,
            log10_lr: ln.is_finite().then(|| (ln - ln_unrelated) / std::f64::consts::LN_10),
            posterior: (ln - max).exp() / total,
        })
        .collect();
    if let Some(path) = &args.ibd {
        let best = results
            .iter()
            .filter(|r| r.1.is_some() && r.2.is_finite())
            .max_by(|x, y| x.2.total_cmp(&y.2));
        let Some((name, _, _, ped, ia, ib)) = best else {
            return Err(input_error!("--ibd: every relationship is impossible for these data"));
        };
        let mut samples_of = vec![None; ped.len()];
        samples_of[*ia] = Some(sa);
        samples_of[*ib] = Some(sb);
        let posteriors = snps.ibd_posteriors(ped, &samples_of, *ia, *ib)?;
        let mut out = String::new();
        out.push_str(&format!("# IBD posteriors of {} and {} as {name}\n", args.a, args.b));
        out.push_str("chrom\tmarker\tcm\tibd0\tibd1\tibd2\n");
        for (c, post) in snps.chromosomes.iter().zip(&posteriors) {
            for (m, p) in c.markers.iter().zip(post) {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{:.6}\t{:.6}\t{:.6}\n",
                    c.name, m.name, m.cm_female, p[0], p[1], p[2]
                ));
            }
        }
        std::fs::File::create(path)
            .and_then(|mut f| f.write_all(out.as_bytes()))
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    }
    if args.json {
        let json = Output {
            a: &args.a,
            b: &args.b,
            markers,
            relationships: rows,
        };
        println!("{}", serde_json::to_string(&json)?);
    } else {
        println!(
            "{:<28}  {:>6}  {:>14}  {:>14}  {:>9}",
            "relationship", "degree", "ln L", "log10 LR vs U", "posterior"
        );
        for r in &rows {
            println!(
                "{:<28}  {:>6}  {:>14.4}  {:>14}  {:>9.4}",
                r.relationship,
                r.degree.map_or("-".to_owned(), |d| d.to_string()),
                r.loglik,
                r.log10_lr.map_or("-inf".to_owned(), |x| format!("{x:.4}")),
                r.posterior
            );
        }
        println!();
        println!(
            "{} SNPs; posteriors under equal prior probabilities of the {} relationships",
            markers,
            rows.len()
        );
    }
    Ok(())
}
