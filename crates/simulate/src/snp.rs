//! Gene dropping of linked biallelic SNPs along a chromosome, and sequencing reads of the
//! genotypes.
//!
//! Founders' haplotypes are drawn allele by allele from the ALT frequencies (no linkage
//! disequilibrium). Each meiosis starts on a random parental haplotype at the first marker and
//! switches between consecutive markers with the interval's recombination fraction for the
//! parent's sex: for the Haldane map this is exactly Poisson crossovers; for any map it is the
//! model `kinship::LinkedChain` computes with. Reads: a Poisson number at the given mean depth,
//! each from one of the two alleles at random, misread with the error rate.

use kinship::{GenotypeLikelihoods, LinkedMarker, MapFunction, Pedigree};

use crate::rng::Rng;
use crate::SimulateError;

/// The number of ALT alleles of every member at every marker of one chromosome:
/// `[marker][member]`.
pub fn drop_linked_snps(
    ped: &Pedigree,
    markers: &[LinkedMarker],
    map: MapFunction,
    rng: &mut Rng,
) -> Result<Vec<Vec<u8>>, SimulateError> {
    for m in markers {
        crate::check_probability("ALT frequency", m.freq_alt)?;
    }
    for w in markers.windows(2) {
        if !(w[1].cm_female >= w[0].cm_female && w[1].cm_male >= w[0].cm_male) {
            return Err(SimulateError::Unsupported {
                what: format!("a map that goes backwards at '{}'", w[1].name),
            });
        }
    }
    let n = markers.len();
    // haplotypes[member][0 = paternal, 1 = maternal][marker]
    let mut haplotypes: Vec<[Vec<u8>; 2]> = vec![[Vec::new(), Vec::new()]; ped.len()];
    for &i in ped.topological_order() {
        let m = ped.member(i);
        haplotypes[i] = match (m.father, m.mother) {
            (Some(f), Some(mo)) => [
                transmit(&haplotypes[f], markers, map, true, rng),
                transmit(&haplotypes[mo], markers, map, false, rng),
            ],
            _ => {
                let mut draw = || markers.iter().map(|m| u8::from(rng.bernoulli(m.freq_alt))).collect();
                [draw(), draw()]
            }
        };
    }
    Ok((0..n)
        .map(|k| haplotypes.iter().map(|h| h[0][k] + h[1][k]).collect())
        .collect())
}

/// One meiosis along the chromosome.
fn transmit(parent: &[Vec<u8>; 2], markers: &[LinkedMarker], map: MapFunction, male: bool, rng: &mut Rng) -> Vec<u8> {
    let cm = |m: &LinkedMarker| if male { m.cm_male } else { m.cm_female };
    let mut strand = usize::from(rng.bernoulli(0.5));
    let mut out = Vec::with_capacity(markers.len());
    for (k, m) in markers.iter().enumerate() {
        if k > 0 && rng.bernoulli(map.recombination_fraction(cm(m) - cm(&markers[k - 1]))) {
            strand ^= 1;
        }
        out.push(parent[strand][k]);
    }
    out
}

/// Reads at a site of a member with `alt_count` ALT alleles: (REF reads, ALT reads), their number
/// Poisson with mean `depth`, each misread with probability `error`.
pub fn draw_reads(alt_count: u8, depth: f64, error: f64, rng: &mut Rng) -> (u32, u32) {
    let n = poisson(depth, rng);
    let (mut r, mut a) = (0, 0);
    for _ in 0..n {
        let alt = match alt_count {
            0 => false,
            2 => true,
            _ => rng.bernoulli(0.5),
        };
        if alt != rng.bernoulli(error) {
            a += 1;
        } else {
            r += 1;
        }
    }
    (r, a)
}

/// The genotype likelihoods of simulated reads; `None` when no read covers the site.
pub fn read_likelihoods(alt_count: u8, depth: f64, error: f64, rng: &mut Rng) -> Option<GenotypeLikelihoods> {
    let (r, a) = draw_reads(alt_count, depth, error, rng);
    (r + a > 0)
        .then(|| GenotypeLikelihoods::from_read_counts(r, a, error).ok())
        .flatten()
}

/// Poisson by multiplying uniforms (Knuth); for the small means of low-coverage sequencing.
fn poisson(mean: f64, rng: &mut Rng) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        // Normal approximation for deep coverage, where the exact count hardly matters.
        let (u1, u2) = (rng.uniform().max(f64::MIN_POSITIVE), rng.uniform());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        return (mean + z * mean.sqrt()).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p = rng.uniform();
    while p > limit {
        k += 1;
        p *= rng.uniform();
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinship::{MemberSpec, Sex};

    fn duo() -> Pedigree {
        Pedigree::new(vec![
            MemberSpec::new("F", None, None, Sex::Male),
            MemberSpec::new("M", None, None, Sex::Female),
            MemberSpec::new("C", Some("F"), Some("M"), Sex::Male),
        ])
        .unwrap()
    }

    fn markers(cms: &[f64]) -> Vec<LinkedMarker> {
        cms.iter()
            .enumerate()
            .map(|(k, &cm)| LinkedMarker {
                name: format!("m{k}"),
                freq_alt: 0.5,
                cm_female: cm,
                cm_male: cm,
            })
            .collect()
    }

    #[test]
    fn recombination_between_two_markers_happens_at_the_map_rate() {
        // Father heterozygous in phase at both markers: the son's paternal strand switches with r.
        let ped = duo();
        let m = markers(&[0.0, 20.0]);
        let r = MapFunction::Haldane.recombination_fraction(20.0);
        let mut rng = Rng::seed_from(7);
        let (mut switches, mut total) = (0u32, 0u32);
        for _ in 0..20_000 {
            let mut hap = [vec![0, 0], vec![1, 1]];
            if rng.bernoulli(0.5) {
                hap.swap(0, 1);
            }
            let child = transmit(&hap, &m, MapFunction::Haldane, true, &mut rng);
            total += 1;
            switches += u32::from(child[0] != child[1]);
        }
        let rate = f64::from(switches) / f64::from(total);
        let sd = (r * (1.0 - r) / f64::from(total)).sqrt();
        assert!((rate - r).abs() < 4.0 * sd, "{rate} vs {r}");
        let g = drop_linked_snps(&ped, &m, MapFunction::Haldane, &mut rng).unwrap();
        assert_eq!(g.len(), 2);
        assert!(g.iter().flatten().all(|&a| a <= 2));
    }

    #[test]
    fn reads_follow_depth_and_error() {
        let mut rng = Rng::seed_from(3);
        let (mut reads, mut alt) = (0u32, 0u32);
        for _ in 0..10_000 {
            let (r, a) = draw_reads(0, 2.0, 0.01, &mut rng);
            reads += r + a;
            alt += a;
        }
        let depth = f64::from(reads) / 10_000.0;
        assert!((depth - 2.0).abs() < 0.06, "{depth}");
        let e = f64::from(alt) / f64::from(reads);
        assert!((e - 0.01).abs() < 0.004, "{e}");
    }
}
