//! The SNP screen at scale on the bundled FORCE panel (3,930 autosomal SNPs, sex-averaged
//! deCODE 2019 map), on simulated genotypes (2% of calls missing).
//!
//! * `calibrate [PAIRS]`: the distributions of the KING-robust estimate and of the standardised
//!   IBD1 score z (mean, standard deviation, share kept at several thresholds) on PAIRS simulated
//!   pairs per relationship, unrelated and degrees 1–5, and the class-weighted score against the
//!   exact per-SNP score; then the upper tail of z over PAIRS × PAIRS unrelated pairs (the first
//!   pass), which is what a keep threshold at scale is reasoned from.
//! * `N [RESCORE [KEEP]]`: N samples against N references (the first N/100 references are relatives of
//!   the first N/100 samples, cycling through degrees 1–5): the bit-packed first pass on both
//!   cores, the number kept, and the exact rescoring of the kept pairs (all of them, or only the
//!   first RESCORE (0: all), the time then extrapolated to all and labelled so); KEEP is
//!   `kinship:K`, `z:Z` or `top:N` (default `kinship:` the default threshold); the peak memory
//!   (VmHWM).
//!
//! Run: `cargo bench -p identify --bench snp_screen -- 20000 0 top:9000` (and `-- calibrate 1000`).
//! Figures go to `docs/benchmarks.md`.

#[path = "../tests/support/snp_sim.rs"]
mod snp_sim;

use std::time::Instant;

use identify::snp_screen::{
    exact_pair_score, first_pass, pair_counts, pair_score, rescore, Keep, KeptPair, PackedGenotypes, SnpScreenOptions,
    DEFAULT_MIN_KINSHIP,
};
use kinship::{MapFunction, Relationship};
use simulate::Rng;

const MISSING: f64 = 0.02;

/// Relationships planted, one per degree 1–5.
const PLANTED: [(&str, Relationship); 6] = [
    ("parent-child", Relationship::new(1, 0, true)),
    ("full siblings", Relationship::new(1, 1, true)),
    ("half siblings", Relationship::new(1, 1, false)),
    ("first cousins", Relationship::new(2, 2, true)),
    ("first cousins once removed", Relationship::new(3, 2, true)),
    ("second cousins", Relationship::new(3, 3, true)),
];

fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_owned()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Mean, standard deviation and the share at or above each threshold.
fn summary(values: &[f64], thresholds: &[f64]) -> String {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|k| (k - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let kept: Vec<String> = thresholds
        .iter()
        .map(|&t| format!("{:.4}", values.iter().filter(|&&k| k >= t).count() as f64 / n))
        .collect();
    format!("{mean:.5}\t{sd:.5}\t{}", kept.join("\t"))
}

/// CPU seconds (user and system, all threads) of this process so far, from /proc/self/stat: on a
/// machine shared with other jobs, the wall clock alone says little.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name in parentheses; utime and stime are the 14th and 15th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // Clock ticks are 100 a second on Linux (USER_HZ).
    (ticks(11) + ticks(12)) / 100.0
}

fn calibrate(pairs: usize) {
    let chromosomes = snp_sim::force_chromosomes();
    let (freqs, layout) = snp_sim::layout(&chromosomes);
    let mut rng = Rng::seed_from(7);
    let kinship_thresholds = [0.0, 0.003236, 0.005, 0.0078125, 0.011049, 0.03, 0.05, 0.06];
    let z_thresholds = [0.0, 1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0];
    println!(
        "relationship\tdegree\tKING mean\tsd\t{}\tz mean\tsd\t{}\tS/n (φ)\tmax |z - exact z|",
        kinship_thresholds.map(|t| format!("kept@{t}")).join("\t"),
        z_thresholds.map(|t| format!("z>={t}")).join("\t")
    );
    let mut cases: Vec<(&str, Option<Relationship>)> = vec![("unrelated", None)];
    cases.extend(PLANTED.iter().map(|(n, r)| (*n, Some(*r))));
    for (name, rel) in cases {
        let (mut ks, mut zs, mut shifts) = (Vec::new(), Vec::new(), Vec::new());
        let mut worst = 0.0f64;
        for _ in 0..pairs {
            let (a, b) = match rel {
                Some(r) => snp_sim::related(&chromosomes, r, MISSING, &mut rng),
                None => (
                    snp_sim::unrelated(&chromosomes, MISSING, &mut rng),
                    snp_sim::unrelated(&chromosomes, MISSING, &mut rng),
                ),
            };
            let pa = PackedGenotypes::from_calls("sample", &layout, std::slice::from_ref(&a)).unwrap();
            let pb = PackedGenotypes::from_calls("reference", &layout, std::slice::from_ref(&b)).unwrap();
            ks.push(pair_counts(&pa, 0, &pb, 0).kinship().unwrap_or(f64::NAN));
            let score = pair_score(&pa, 0, &pb, 0);
            let z = score.z().unwrap_or(f64::NAN);
            zs.push(z);
            shifts.push(score.score() / f64::from(pair_counts(&pa, 0, &pb, 0).both_typed()));
            let (exact, variance) = exact_pair_score(&freqs, &a, &b);
            worst = worst.max((z - exact / variance.sqrt()).abs());
        }
        println!(
            "{name}\t{}\t{}\t{}\t{:.4}\t{worst:.4}",
            rel.map_or(0, |r| r.degree()),
            summary(&ks, &kinship_thresholds),
            summary(&zs, &z_thresholds),
            shifts.iter().sum::<f64>() / shifts.len() as f64
        );
    }
    // The null tail: every pair of PAIRS samples and PAIRS references, all unrelated.
    let (mut samples, mut references) = (
        PackedGenotypes::with_capacity(&layout, pairs),
        PackedGenotypes::with_capacity(&layout, pairs),
    );
    for i in 0..pairs {
        samples
            .push("sample", i, &snp_sim::unrelated(&chromosomes, MISSING, &mut rng))
            .unwrap();
        references
            .push("reference", i, &snp_sim::unrelated(&chromosomes, MISSING, &mut rng))
            .unwrap();
    }
    let options = SnpScreenOptions {
        keep: Keep::ScoreZ(2.0),
        ..SnpScreenOptions::default()
    };
    let pass = first_pass(&samples, &references, &options).unwrap();
    let mut z: Vec<f32> = pass.kept.iter().map(|p| p.score_z).collect();
    z.sort_by(|a, b| b.total_cmp(a));
    let n = pass.pairs as f64;
    let tail: Vec<String> = [2.0f32, 3.0, 3.5, 4.0, 4.5, 5.0]
        .iter()
        .map(|&t| format!("z>={t}: {:.3e}", z.iter().filter(|&&x| x >= t).count() as f64 / n))
        .collect();
    println!(
        "unrelated tail over {} pairs: {}; highest z {:.2}; the 9,000th of 4e8 corresponds to a share of 2.25e-5",
        pass.pairs,
        tail.join(", "),
        z.first().copied().unwrap_or(f32::NAN)
    );
}

fn screen(n: usize, rescore_limit: Option<usize>, keep: Keep) {
    let chromosomes = snp_sim::force_chromosomes();
    let snps: usize = chromosomes.iter().map(Vec::len).sum();
    let (_, layout) = snp_sim::layout(&chromosomes);
    let t = Instant::now();
    let mut rng = Rng::seed_from(20261203);
    let planted = (n / 100).max(1);
    let mut samples = PackedGenotypes::with_capacity(&layout, n);
    let mut references = PackedGenotypes::with_capacity(&layout, n);
    let mut reference_rows = Vec::with_capacity(planted);
    for i in 0..n {
        if i < planted {
            let (a, b) = snp_sim::related(&chromosomes, PLANTED[i % PLANTED.len()].1, MISSING, &mut rng);
            samples.push("sample", i, &a).unwrap();
            reference_rows.push(b);
        } else {
            samples
                .push("sample", i, &snp_sim::unrelated(&chromosomes, MISSING, &mut rng))
                .unwrap();
        }
    }
    for (i, row) in reference_rows.iter().enumerate() {
        references.push("reference", i, row).unwrap();
    }
    drop(reference_rows);
    for i in planted..n {
        references
            .push("reference", i, &snp_sim::unrelated(&chromosomes, MISSING, &mut rng))
            .unwrap();
    }
    let simulated = t.elapsed().as_secs_f64();
    let options = SnpScreenOptions {
        keep,
        ..SnpScreenOptions::default()
    };
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let pass = first_pass(&samples, &references, &options).unwrap();
    let first = t.elapsed().as_secs_f64();
    let first_cpu = cpu_seconds() - cpu;
    let is_planted = |p: &KeptPair| p.sample == p.reference && (p.sample as usize) < planted;
    let kept_planted: Vec<KeptPair> = pass
        .kept
        .iter()
        .take_while(|p| (p.sample as usize) < planted)
        .filter(|p| is_planted(p))
        .copied()
        .collect();
    println!(
        "N = {n}: {} pairs, {snps} SNPs, {} threads; simulated in {simulated:.1} s; planes {:.1} MiB",
        pass.pairs,
        options.threads,
        (samples.heap_bytes() + references.heap_bytes()) as f64 / 1048576.0
    );
    println!(
        "first pass: {first:.2} s, CPU {first_cpu:.1} s ({:.2e} pairs/s); kept by {keep} (lowest kept {:.4}): {} ({:.4}%), planted relatives kept {} of {planted}",
        pass.pairs as f64 / first,
        pass.lowest_kept().unwrap_or(f64::NAN),
        pass.kept.len(),
        100.0 * pass.kept.len() as f64 / pass.pairs as f64,
        kept_planted.len()
    );
    for (d, (name, _)) in PLANTED.iter().enumerate() {
        let of = (0..planted).filter(|i| i % PLANTED.len() == d).count();
        let kept = kept_planted
            .iter()
            .filter(|p| p.sample as usize % PLANTED.len() == d)
            .count();
        println!("  {name}: kept {kept} of {of}");
    }
    println!("peak memory after the first pass: {:.0} MiB", peak_memory_mib());
    // The planted pairs first, so a limited rescoring still shows their ranks.
    let total_kept = pass.kept.len();
    let limit = rescore_limit.unwrap_or(total_kept).min(total_kept);
    let mut order = kept_planted.clone();
    order.extend(
        pass.kept
            .iter()
            .filter(|p| !is_planted(p))
            .take(limit.saturating_sub(order.len())),
    );
    drop(pass);
    let limit = order.len();
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let rescored = rescore(
        &chromosomes,
        MapFunction::Haldane,
        &samples,
        &references,
        0.001,
        &order[..limit],
        options.threads,
    )
    .unwrap();
    let exact = t.elapsed().as_secs_f64();
    let exact_cpu = cpu_seconds() - cpu;
    let per_pair = exact / limit.max(1) as f64;
    if limit == total_kept {
        println!(
            "exact rescoring of {limit} pairs: {exact:.2} s, CPU {exact_cpu:.1} s ({:.2} ms per pair, both cores)",
            per_pair * 1e3
        );
    } else {
        println!(
            "exact rescoring of the first {limit} of {} kept pairs: {exact:.2} s, CPU {exact_cpu:.1} s ({:.2} ms per pair, both cores); EXTRAPOLATED to all kept: {:.0} s",
            total_kept,
            per_pair * 1e3,
            per_pair * total_kept as f64
        );
    }
    let mut best: Vec<f64> = rescored
        .iter()
        .filter(|p| p.sample != p.reference || p.sample as usize >= planted)
        .map(|p| p.best_ln_lr / std::f64::consts::LN_10)
        .collect();
    best.sort_by(|a, b| b.total_cmp(a));
    println!(
        "unrelated kept and rescored: {}; their best log10 LR: max {:.2}, 99th percentile {:.2}",
        best.len(),
        best.first().copied().unwrap_or(f64::NAN),
        best.get(best.len() / 100).copied().unwrap_or(f64::NAN)
    );
    let planted_rescored: Vec<_> = rescored
        .iter()
        .filter(|p| p.sample == p.reference && (p.sample as usize) < planted)
        .collect();
    let below = planted_rescored
        .iter()
        .filter(|p| {
            best.first()
                .is_some_and(|&b| b >= p.best_ln_lr / std::f64::consts::LN_10)
        })
        .count();
    println!(
        "planted pairs rescored: {}; with an unrelated pair's LR at or above theirs: {below}",
        planted_rescored.len()
    );
    for p in rescored
        .iter()
        .filter(|p| p.sample == p.reference && (p.sample as usize) < planted)
        .take(24)
    {
        let above = best
            .iter()
            .filter(|&&b| b >= p.best_ln_lr / std::f64::consts::LN_10)
            .count();
        println!(
            "  planted {} ({}): kinship {:.4}, score z {:.2}, best {} log10 LR {:.1}, unrelated above it {above}",
            p.sample,
            PLANTED[p.sample as usize % PLANTED.len()].0,
            p.kinship,
            p.score_z,
            p.best_name(),
            p.best_ln_lr / std::f64::consts::LN_10
        );
    }
    println!("peak memory: {:.0} MiB", peak_memory_mib());
}

/// `kinship:K`, `z:Z` or `top:N`.
fn parse_keep(arg: &str) -> Keep {
    let parsed = arg.split_once(':').and_then(|(rule, value)| match rule {
        "kinship" => value.parse().ok().map(Keep::Kinship),
        "z" => value.parse().ok().map(Keep::ScoreZ),
        "top" => value.parse().ok().map(Keep::TopScores),
        _ => None,
    });
    parsed.unwrap_or_else(|| panic!("KEEP {arg}: expected kinship:K, z:Z or top:N"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    match args.first().map(String::as_str) {
        Some("calibrate") => calibrate(args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000)),
        first => {
            let n = first.and_then(|a| a.parse().ok()).unwrap_or(2000);
            let limit = args.get(1).and_then(|a| a.parse().ok()).filter(|&l: &usize| l > 0);
            let keep = args
                .get(2)
                .map_or(Keep::Kinship(DEFAULT_MIN_KINSHIP), |a| parse_keep(a));
            screen(n, limit, keep);
        }
    }
}
