//! True genotypes and what a typing shows of them (silent alleles, dropout, missing markers).

use kinship::{Marker, Typing};

use crate::rng::Rng;

/// A simulated true genotype at one marker: allele indices into the marker's allele list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Genotype {
    /// Two copies, by parental origin (founders: in draw order).
    Diploid { paternal: usize, maternal: usize },
    /// A male's single copy at an X-chromosomal marker.
    Hemizygous(usize),
}

impl Genotype {
    /// The alleles carried, one or two (a homozygote's allele twice).
    pub fn alleles(&self) -> ([usize; 2], usize) {
        match *self {
            Genotype::Diploid { paternal, maternal } => ([paternal, maternal], 2),
            Genotype::Hemizygous(a) => ([a, a], 1),
        }
    }

    /// The alleles as an unordered pair `(min, max)`; a hemizygote gives `(a, a)`.
    pub fn unordered(&self) -> (usize, usize) {
        let ([a, b], _) = self.alleles();
        (a.min(b), a.max(b))
    }

    /// The typing a complete, clean analysis writes: silent alleles do not show (a carrier of
    /// one looks homozygous, two give a blank), a hemizygote is one allele.
    pub fn typing(&self, marker: &Marker) -> Typing {
        let silent = marker.silent();
        match *self {
            Genotype::Hemizygous(a) if Some(a) == silent => Typing::Untyped,
            Genotype::Hemizygous(a) => Typing::Single(a),
            Genotype::Diploid { paternal, maternal } => {
                let visible: Vec<usize> = [paternal, maternal]
                    .into_iter()
                    .filter(|&x| Some(x) != silent)
                    .collect();
                match visible[..] {
                    [] => Typing::Untyped,
                    [a] => Typing::Pair(a, a),
                    [a, b] => Typing::Pair(a.min(b), a.max(b)),
                    _ => unreachable!("at most two alleles"),
                }
            }
        }
    }

    /// The typing after each visible allele copy drops out independently with probability
    /// `dropout` (the model of `kinship`'s dropout evidence, without drop-in). One allele seen is
    /// written as a single allele, so the typing must be read with that dropout probability.
    pub fn typing_with_dropout(&self, marker: &Marker, dropout: f64, rng: &mut Rng) -> Typing {
        if dropout == 0.0 {
            return self.typing(marker);
        }
        let silent = marker.silent();
        let (alleles, copies) = self.alleles();
        let mut seen = [0usize; 2];
        let mut len = 0;
        for &x in &alleles[..copies] {
            if Some(x) == silent || rng.bernoulli(dropout) {
                continue;
            }
            if !seen[..len].contains(&x) {
                seen[len] = x;
                len += 1;
            }
        }
        match len {
            0 => Typing::Untyped,
            1 => Typing::Single(seen[0]),
            _ => Typing::Pair(seen[0].min(seen[1]), seen[0].max(seen[1])),
        }
    }
}

/// How completely a sample is typed: the chance each marker fails altogether, and the allelic
/// dropout probability of the markers that do not.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProfileQuality {
    /// Probability that a marker gives no result (a partial profile).
    pub marker_missing: f64,
    /// Probability that each allele copy drops out (0: none).
    pub dropout: f64,
}

impl ProfileQuality {
    /// A complete profile without dropout.
    pub const COMPLETE: ProfileQuality = ProfileQuality {
        marker_missing: 0.0,
        dropout: 0.0,
    };

    pub(crate) fn check(&self) -> Result<(), crate::SimulateError> {
        crate::check_probability("marker_missing", self.marker_missing)?;
        crate::check_probability("dropout", self.dropout)
    }

    /// The typings of one sample at every marker (`genotypes[marker]`).
    pub fn observe(&self, markers: &[Marker], genotypes: &[Genotype], rng: &mut Rng) -> Vec<Typing> {
        markers
            .iter()
            .zip(genotypes)
            .map(|(m, g)| {
                if self.marker_missing > 0.0 && rng.bernoulli(self.marker_missing) {
                    Typing::Untyped
                } else {
                    g.typing_with_dropout(m, self.dropout, rng)
                }
            })
            .collect()
    }
}

/// The typings a complete, clean analysis writes for the members `typed` picks, every other member
/// untyped: `typings[marker][member]` from `genotypes[marker][member]` (the layout of
/// `kinship::Hypothesis::typings`, as [`crate::GeneDropper::drop_pedigree`] gives genotypes).
pub fn typings_of(markers: &[Marker], genotypes: &[Vec<Genotype>], typed: impl Fn(usize) -> bool) -> Vec<Vec<Typing>> {
    markers
        .iter()
        .zip(genotypes)
        .map(|(marker, row)| {
            row.iter()
                .enumerate()
                .map(|(i, g)| if typed(i) { g.typing(marker) } else { Typing::Untyped })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinship::Chromosome;

    fn marker_with_silent() -> Marker {
        Marker::without_mutation(
            "M",
            vec![("10".into(), 0.5), ("11".into(), 0.4), ("Silent".into(), 0.1)],
            Chromosome::Autosomal,
        )
        .unwrap()
    }

    #[test]
    fn silent_alleles_do_not_show() {
        let m = marker_with_silent();
        let g = |p, q| Genotype::Diploid {
            paternal: p,
            maternal: q,
        };
        assert_eq!(g(1, 0).typing(&m), Typing::Pair(0, 1));
        assert_eq!(g(0, 2).typing(&m), Typing::Pair(0, 0));
        assert_eq!(g(2, 2).typing(&m), Typing::Untyped);
        assert_eq!(Genotype::Hemizygous(1).typing(&m), Typing::Single(1));
    }

    #[test]
    fn dropout_frequencies_follow_the_copy_model() {
        let m = marker_with_silent();
        let mut rng = Rng::seed_from(3);
        let het = Genotype::Diploid {
            paternal: 0,
            maternal: 1,
        };
        let hom = Genotype::Diploid {
            paternal: 0,
            maternal: 0,
        };
        let n = 40_000;
        let d = 0.3;
        let (mut both, mut none_het, mut none_hom) = (0, 0, 0);
        for _ in 0..n {
            match het.typing_with_dropout(&m, d, &mut rng) {
                Typing::Pair(0, 1) => both += 1,
                Typing::Untyped => none_het += 1,
                _ => {}
            }
            if hom.typing_with_dropout(&m, d, &mut rng) == Typing::Untyped {
                none_hom += 1;
            }
        }
        let close = |count: i32, p: f64| {
            let sd = (f64::from(n) * p * (1.0 - p)).sqrt();
            (f64::from(count) - f64::from(n) * p).abs() < 5.0 * sd
        };
        assert!(close(both, (1.0 - d) * (1.0 - d)), "{both}");
        assert!(close(none_het, d * d), "{none_het}");
        assert!(close(none_hom, d * d), "{none_hom}");
    }
}
