//! The observation model: P(what was typed | true genotype), including dropout, drop-in and
//! silent alleles.

use crate::marker::Chromosome;
use crate::pedigree::Sex;
use crate::typing::Typing;
use crate::LikelihoodError;

/// A true genotype: two alleles (`a <= b`), or one allele for a male at an X marker (`b == HEMI`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Genotype {
    pub a: usize,
    pub b: usize,
}

pub(crate) const HEMI: usize = usize::MAX;

impl Genotype {
    pub fn pair(x: usize, y: usize) -> Self {
        Genotype {
            a: x.min(y),
            b: x.max(y),
        }
    }
    pub fn hemizygous(x: usize) -> Self {
        Genotype { a: x, b: HEMI }
    }
    pub fn is_hemizygous(&self) -> bool {
        self.b == HEMI
    }
    pub fn contains(&self, x: usize) -> bool {
        self.a == x || self.b == x
    }
}

/// Every genotype a member can have at a marker with `n` alleles.
pub(crate) fn all_genotypes(n: usize, hemizygous: bool) -> Vec<Genotype> {
    if hemizygous {
        (0..n).map(Genotype::hemizygous).collect()
    } else {
        (0..n).flat_map(|a| (a..n).map(move |b| Genotype::pair(a, b))).collect()
    }
}

/// What a typing says about the true genotype.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Evidence {
    /// Untyped: every genotype is equally consistent.
    Nothing,
    /// The genotype is `{a, b}`, or `{a, silent}` when `a == b` and the marker has a silent allele.
    Exact { a: usize, b: usize },
    /// A male's X allele.
    Hemizygous(usize),
    /// One allele is `a`, the other unknown (`a/-`).
    Contains(usize),
    /// The set of alleles seen in a sample with dropout probability `d` and drop-in `c`.
    Dropout {
        seen: [usize; 2],
        len: usize,
        d: f64,
        c: f64,
    },
}

pub(crate) struct EvidenceContext<'a> {
    pub marker: &'a str,
    pub member: &'a str,
    pub chromosome: Chromosome,
    pub sex: Sex,
    pub silent: Option<usize>,
}

impl Evidence {
    /// Reads a typing under the member's conditions. Allele indices are kept as given.
    pub fn read(
        t: Typing,
        ctx: &EvidenceContext<'_>,
        dropout: Option<f64>,
        dropin: f64,
    ) -> Result<Evidence, LikelihoodError> {
        let hemizygous = ctx.chromosome == Chromosome::X && ctx.sex == Sex::Male;
        if ctx.chromosome == Chromosome::X && ctx.sex == Sex::Unknown {
            return Err(LikelihoodError::UnknownSexOnX {
                marker: ctx.marker.to_owned(),
                member: ctx.member.to_owned(),
            });
        }
        if !t.is_typed() {
            return Ok(Evidence::Nothing);
        }
        if let Some(s) = ctx.silent {
            if t.alleles().any(|a| a == s) {
                return Err(LikelihoodError::SilentTyped {
                    marker: ctx.marker.to_owned(),
                    member: ctx.member.to_owned(),
                });
            }
        }
        if hemizygous {
            if let Typing::Pair(a, b) = t {
                if a != b {
                    return Err(LikelihoodError::HeterozygousMaleX {
                        marker: ctx.marker.to_owned(),
                        member: ctx.member.to_owned(),
                    });
                }
            }
        }
        if let Some(d) = dropout {
            let mut seen = [0usize; 2];
            let mut len = 0;
            for a in t.alleles() {
                seen[len] = a;
                len += 1;
            }
            return Ok(Evidence::Dropout {
                seen,
                len,
                d,
                c: dropin,
            });
        }
        Ok(match t {
            Typing::Untyped => Evidence::Nothing,
            Typing::Pair(a, _) | Typing::Single(a) | Typing::OneAndMissing(a) if hemizygous => Evidence::Hemizygous(a),
            Typing::Pair(a, b) => Evidence::Exact {
                a: a.min(b),
                b: a.max(b),
            },
            Typing::OneAndMissing(a) => Evidence::Contains(a),
            Typing::Single(_) => {
                return Err(LikelihoodError::SingleAlleleAutosomal {
                    marker: ctx.marker.to_owned(),
                    member: ctx.member.to_owned(),
                })
            }
        })
    }

    pub fn is_nothing(&self) -> bool {
        matches!(self, Evidence::Nothing)
    }

    /// The same evidence with allele indices passed through `map` (used when alleles are lumped).
    pub fn remap(&self, map: &[usize]) -> Evidence {
        match *self {
            Evidence::Nothing => Evidence::Nothing,
            Evidence::Exact { a, b } => Evidence::Exact {
                a: map[a].min(map[b]),
                b: map[a].max(map[b]),
            },
            Evidence::Hemizygous(a) => Evidence::Hemizygous(map[a]),
            Evidence::Contains(a) => Evidence::Contains(map[a]),
            Evidence::Dropout { seen, len, d, c } => Evidence::Dropout {
                seen: [map[seen[0]], map[seen[1]]],
                len,
                d,
                c,
            },
        }
    }

    /// The alleles named by the evidence.
    pub fn alleles(&self) -> impl Iterator<Item = usize> {
        let (arr, len) = match *self {
            Evidence::Nothing => ([0, 0], 0),
            Evidence::Exact { a, b } => ([a, b], 2),
            Evidence::Hemizygous(a) | Evidence::Contains(a) => ([a, 0], 1),
            Evidence::Dropout { seen, len, .. } => (seen, len),
        };
        arr.into_iter().take(len)
    }

    /// The genotypes with positive probability under this evidence, in a fixed order.
    pub fn candidates(&self, n: usize, hemizygous: bool, silent: Option<usize>, freqs: &[f64]) -> Vec<Genotype> {
        let mut out = Vec::new();
        self.candidates_into(n, hemizygous, silent, freqs, &mut out);
        out
    }

    /// [`Self::candidates`] into a buffer, which is cleared first.
    pub fn candidates_into(
        &self,
        n: usize,
        hemizygous: bool,
        silent: Option<usize>,
        freqs: &[f64],
        out: &mut Vec<Genotype>,
    ) {
        out.clear();
        match *self {
            Evidence::Exact { a, b } if !hemizygous => {
                out.push(Genotype::pair(a, b));
                if let (true, Some(s)) = (a == b, silent) {
                    out.push(Genotype::pair(a, s));
                }
            }
            Evidence::Hemizygous(a) if hemizygous => out.push(Genotype::hemizygous(a)),
            _ if hemizygous => out.extend(
                (0..n)
                    .map(Genotype::hemizygous)
                    .filter(|&g| self.probability(g, silent, freqs) > 0.0),
            ),
            _ => {
                for a in 0..n {
                    for b in a..n {
                        let g = Genotype::pair(a, b);
                        if self.probability(g, silent, freqs) > 0.0 {
                            out.push(g);
                        }
                    }
                }
            }
        }
    }

    /// P(this evidence | genotype `g`). `freqs` are the allele frequencies (for drop-in).
    pub fn probability(&self, g: Genotype, silent: Option<usize>, freqs: &[f64]) -> f64 {
        match *self {
            Evidence::Nothing => 1.0,
            Evidence::Exact { a, b } => {
                let matches = (g.a == a && g.b == b) || (a == b && silent.is_some_and(|s| g == Genotype::pair(a, s)));
                f64::from(u8::from(matches))
            }
            Evidence::Hemizygous(a) => f64::from(u8::from(g.a == a)),
            Evidence::Contains(a) => f64::from(u8::from(g.contains(a))),
            Evidence::Dropout { seen, len, d, c } => dropout_probability(g, &seen[..len], d, c, silent, freqs),
        }
    }
}

/// P(seen set | g) when each visible allele copy drops out independently with probability `d`
/// and then, with probability `c`, one allele `x` drops in with probability `c p_x`.
fn dropout_probability(g: Genotype, seen: &[usize], d: f64, c: f64, silent: Option<usize>, freqs: &[f64]) -> f64 {
    // The visible copies: silent alleles never show.
    let mut visible = [0usize; 2];
    let mut nv = 0;
    for x in [g.a, g.b] {
        if x != HEMI && Some(x) != silent {
            visible[nv] = x;
            nv += 1;
        }
    }
    // The surviving sets S with their probabilities.
    let mut survivors: [([usize; 2], usize, f64); 4] = [([0; 2], 0, 0.0); 4];
    let mut ns = 0;
    let mut push = |set: [usize; 2], len: usize, p: f64| {
        survivors[ns] = (set, len, p);
        ns += 1;
    };
    match nv {
        0 => push([0; 2], 0, 1.0),
        1 => {
            push([0; 2], 0, d);
            push([visible[0], 0], 1, 1.0 - d);
        }
        _ if visible[0] == visible[1] => {
            push([0; 2], 0, d * d);
            push([visible[0], 0], 1, 1.0 - d * d);
        }
        _ => {
            push([0; 2], 0, d * d);
            push([visible[0], 0], 1, (1.0 - d) * d);
            push([visible[1], 0], 1, d * (1.0 - d));
            push(visible, 2, (1.0 - d) * (1.0 - d));
        }
    }
    let in_seen = |x: usize| seen.contains(&x);
    let mut total = 0.0;
    for &(set, len, p) in &survivors[..ns] {
        let s = &set[..len];
        if p == 0.0 || !s.iter().all(|&x| in_seen(x)) {
            continue;
        }
        let missing: Vec<usize> = seen.iter().copied().filter(|x| !s.contains(x)).collect();
        let given_survivors = match missing.len() {
            // Nothing dropped in, or the drop-in repeated an allele already seen.
            0 => (1.0 - c) + c * seen.iter().map(|&x| freqs[x]).sum::<f64>(),
            1 => c * freqs[missing[0]],
            _ => 0.0,
        };
        total += p * given_survivors;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropout_probabilities_sum_to_one_over_observations() {
        let freqs = [0.2, 0.3, 0.5];
        for g in all_genotypes(3, false) {
            let mut total = 0.0;
            // Every observable set: empty, singletons, pairs.
            let mut sets: Vec<Vec<usize>> = vec![vec![]];
            sets.extend((0..3).map(|a| vec![a]));
            sets.extend((0..3).flat_map(|a| (a + 1..3).map(move |b| vec![a, b])));
            // A heterozygote with both copies seen can show a third allele by drop-in.
            sets.push(vec![0, 1, 2]);
            for s in sets {
                total += dropout_probability(g, &s, 0.3, 0.05, None, &freqs);
            }
            assert!((total - 1.0).abs() < 1e-12, "{g:?}: {total}");
        }
    }
}
