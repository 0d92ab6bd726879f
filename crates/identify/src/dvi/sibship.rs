//! Placements on childless full siblings from one table of their parents per marker.
//!
//! Children of one father F and mother M who have no children themselves are independent given
//! their parents' genotypes. When F and M are not connected in the family once those children
//! are left out (no path between them through parents and children of the other members), the
//! parents' joint genotype table given the family's data is, up to a constant, the product of
//! their own tables with the siblings untyped, T_F(gf) · T_M(gm). Per marker the family's
//! likelihood with victims on some of the siblings (the set S) is then, up to a constant,
//!
//! ```text
//! L(S) ∝ Σ_{gf, gm} T_F(gf) T_M(gm) Π_{c ∈ typed siblings ∪ S} Σ_{a, b} P(a | gf) P(b | gm) e_c({a, b})
//! ```
//!
//! with P(a | gf) the father's transmission of allele a through his mutation matrix, P(b | gm)
//! the mother's through hers, and e_c the child's emission P(typing | genotype) (a victim's
//! divided by P(its typing), so that ratios are LRs). A child's emission as a matrix over
//! (paternal, maternal) allele is a short sum of products: rows that are equal are one term
//! (an exact heterozygote has two, a homozygote one, a single allele seen with dropout two), so
//! each child's factor is a sum of products (a vector over the father's genotypes) × (a vector
//! over the mother's), and L(S) a sum over choices of one term per child of a product of two sums
//! over the parents' genotypes: O(terms × genotypes) instead of a pedigree likelihood. The mutation
//! models and the victims' dropout are used exactly as the engine uses them.
//!
//! Where this does not apply (theta, an X-chromosomal marker, parents connected through other
//! members, a sibling with children, a placement on anyone else) the placements are computed as
//! before, by rows and the engine; [`Sibship::new`] says `None`.

use std::collections::HashMap;

use kinship::{Marker, Pedigree, Typing};

use super::rows::{typing_weights, Rows, Weights};
use super::{hw, DviError, Family};

/// One term of a child's factor, or of a product of them: a vector over the father's genotypes
/// and one over the mother's, in the order of [`kinship::GenotypeTable::index`].
type Term = (Vec<f64>, Vec<f64>);

/// A family's childless full siblings and what their placements need, per marker.
#[derive(Debug)]
pub(crate) struct Sibship {
    /// Per missing index of the family: whether it is one of the siblings.
    covers: Vec<bool>,
    /// Per marker: the parents' tables times the typed siblings' factors, as terms.
    base: Vec<Vec<Term>>,
    /// Per marker: ln of the sum of `base` (the family's likelihood with nobody placed, up to the
    /// tables' constants).
    ln_base: Vec<f64>,
    /// Per candidate victim, per marker: its factor's terms; `None` where it is untyped.
    factors: HashMap<usize, Vec<Option<Vec<Term>>>>,
}

/// The parents and every childless child of theirs, for the pair with the most childless missing
/// children (at least two), when the parents are not connected without those children.
fn siblings(fam: &Family) -> Option<(usize, usize, Vec<usize>)> {
    let ped = &fam.pedigree;
    let mut children = vec![Vec::new(); ped.len()];
    for (i, m) in ped.members().iter().enumerate() {
        for p in [m.father, m.mother].into_iter().flatten() {
            children[p].push(i);
        }
    }
    let mut pairs: Vec<((usize, usize), usize)> = Vec::new();
    for &i in &fam.missing {
        let m = ped.member(i);
        if let (Some(fa), Some(mo), true) = (m.father, m.mother, children[i].is_empty()) {
            match pairs.iter_mut().find(|(p, _)| *p == (fa, mo)) {
                Some((_, count)) => *count += 1,
                None => pairs.push(((fa, mo), 1)),
            }
        }
    }
    let &((fa, mo), count) = pairs.iter().max_by_key(|&&(p, c)| (c, std::cmp::Reverse(p)))?;
    if count < 2 {
        return None;
    }
    let sibs: Vec<usize> = (0..ped.len())
        .filter(|&i| {
            let m = ped.member(i);
            m.father == Some(fa) && m.mother == Some(mo) && children[i].is_empty()
        })
        .collect();
    // Is the mother reachable from the father through the other members?
    let mut seen = vec![false; ped.len()];
    let mut stack = vec![fa];
    while let Some(i) = stack.pop() {
        if seen[i] || sibs.contains(&i) {
            continue;
        }
        seen[i] = true;
        let m = ped.member(i);
        stack.extend([m.father, m.mother].into_iter().flatten());
        stack.extend(children[i].iter().copied());
    }
    (!seen[mo]).then_some((fa, mo, sibs))
}

/// The genotypes {a, b}, a ≤ b, of a marker with `n` alleles, in table order.
fn genotypes(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |a| (a..n).map(move |b| (a, b)))
}

/// A child's factor as terms, from its emission over genotypes `(genotype index, e)`.
fn child_terms(marker: &Marker, emission: &[(usize, f64)]) -> Vec<Term> {
    let n = marker.alleles().len();
    let pairs: Vec<(usize, usize)> = genotypes(n).collect();
    // The emission as a matrix over (paternal, maternal) allele.
    let mut e = vec![0.0; n * n];
    for &(g, x) in emission {
        let (a, b) = pairs[g];
        e[a * n + b] = x;
        e[b * n + a] = x;
    }
    // Equal non-zero rows make one term: (their paternal alleles, the row).
    let mut groups: Vec<(Vec<usize>, &[f64])> = Vec::new();
    let mut by_row: HashMap<Vec<u64>, usize> = HashMap::new();
    for a in 0..n {
        let row = &e[a * n..(a + 1) * n];
        if row.iter().all(|&x| x == 0.0) {
            continue;
        }
        let key: Vec<u64> = row.iter().map(|x| x.to_bits()).collect();
        match by_row.get(&key) {
            Some(&i) => groups[i].0.push(a),
            None => {
                by_row.insert(key, groups.len());
                groups.push((vec![a], row));
            }
        }
    }
    let (male, female) = (marker.male_matrix(), marker.female_matrix());
    groups
        .iter()
        .map(|(alleles, row)| {
            // s(x): P(the father passes on one of `alleles` | he carries x); t(x): the row's weight of
            // what the mother passes on from x.
            let s: Vec<f64> = (0..n).map(|x| alleles.iter().map(|&a| male.get(x, a)).sum()).collect();
            let nonzero: Vec<(usize, f64)> = row.iter().copied().enumerate().filter(|&(_, q)| q != 0.0).collect();
            let t: Vec<f64> = (0..n)
                .map(|x| nonzero.iter().map(|&(b, q)| q * female.get(x, b)).sum())
                .collect();
            let father = pairs.iter().map(|&(x, y)| 0.5 * (s[x] + s[y])).collect();
            let mother = pairs.iter().map(|&(x, y)| 0.5 * (t[x] + t[y])).collect();
            (father, mother)
        })
        .collect()
}

/// Every product of a term of `list` with a term of `terms`.
fn expand(list: &[Term], terms: &[Term]) -> Vec<Term> {
    let mut out = Vec::with_capacity(list.len() * terms.len());
    for (a, b) in list {
        for (u, w) in terms {
            out.push((
                a.iter().zip(u).map(|(x, y)| x * y).collect(),
                b.iter().zip(w).map(|(x, y)| x * y).collect(),
            ));
        }
    }
    out
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The emission of a typing read by [`typing_weights`]: P(typing | g) / P(typing).
fn emission(weights: &Weights, marker: &Marker) -> Option<Vec<(usize, f64)>> {
    let Weights::Over(w) = weights else {
        return None;
    };
    let n = marker.alleles().len();
    let pairs: Vec<(usize, usize)> = genotypes(n).collect();
    Some(
        w.iter()
            .map(|&(g, x)| (g, x / hw(marker.freqs(), pairs[g].0, pairs[g].1)))
            .collect(),
    )
}

impl Sibship {
    /// The sibship of family `f` with its factors over `markers` (the case's, or the same without
    /// mutations), and those of the `candidates` (victims), when it applies.
    pub fn new(
        rows: &mut Rows<'_>,
        f: usize,
        markers: &[Marker],
        candidates: &[usize],
    ) -> Result<Option<Sibship>, DviError> {
        let case = rows.case();
        let fam = &case.families()[f];
        if !rows.by_tables() {
            return Ok(None);
        }
        let Some((fa, mo, sibs)) = siblings(fam) else {
            return Ok(None);
        };
        let conditions = case.family_conditions(f);
        let mut base = Vec::with_capacity(markers.len());
        let mut ln_base = Vec::with_capacity(markers.len());
        for (t, marker) in markers.iter().enumerate() {
            let mut typings = fam.typings[t].clone();
            for &s in &sibs {
                typings[s] = Typing::Untyped;
            }
            let mut parent = |p: usize| -> Result<Vec<f64>, DviError> {
                let table = rows
                    .engine()
                    .genotype_table(&fam.pedigree, marker, &typings, &conditions, p)?;
                let max = table.values().iter().copied().fold(0.0, f64::max);
                Ok(table
                    .values()
                    .iter()
                    .map(|&x| if max > 0.0 { x / max } else { 0.0 })
                    .collect())
            };
            let mut list = vec![(parent(fa)?, parent(mo)?)];
            for &s in &sibs {
                let typing = fam.typings[t][s];
                if !typing.is_typed() {
                    continue;
                }
                let member = fam.pedigree.member(s);
                let one = Pedigree::singletons([(member.id.clone(), member.sex)]).expect("one member");
                let weights = typing_weights(rows.engine(), &one, marker, typing, &conditions)?;
                let e = emission(&weights, marker).unwrap_or_default();
                list = expand(&list, &child_terms(marker, &e));
            }
            let total: f64 = list
                .iter()
                .map(|(a, b)| a.iter().sum::<f64>() * b.iter().sum::<f64>())
                .sum();
            if !(total > 0.0 && total.is_finite()) {
                // The family's own data are impossible here: the engine's path says so.
                return Ok(None);
            }
            base.push(list);
            ln_base.push(total.ln());
        }
        let mut factors = HashMap::new();
        for &v in candidates {
            let per_marker = markers
                .iter()
                .enumerate()
                .map(|(t, marker)| emission(rows.weights(v, t), marker).map(|e| child_terms(marker, &e)))
                .collect();
            factors.insert(v, per_marker);
        }
        let covers = fam.missing.iter().map(|i| sibs.contains(i)).collect();
        Ok(Some(Sibship {
            covers,
            base,
            ln_base,
            factors,
        }))
    }

    /// Whether missing person `k` (index into the family's missing list) is one of the siblings.
    pub fn covers(&self, k: usize) -> bool {
        self.covers[k]
    }

    /// For every candidate v: ln R_f of the placement of `placed` and v on the siblings (the
    /// family's LR against nobody identified in it). Victims must be candidates given to
    /// [`Sibship::new`].
    pub fn ln_ratios(&self, placed: &[usize], candidates: &[usize]) -> Vec<f64> {
        let mut out = vec![0.0; candidates.len()];
        for (t, base) in self.base.iter().enumerate() {
            let mut list = std::borrow::Cow::Borrowed(base.as_slice());
            for v in placed {
                if let Some(terms) = &self.factors[v][t] {
                    list = std::borrow::Cow::Owned(expand(&list, terms));
                }
            }
            let sums: Vec<(f64, f64)> = list.iter().map(|(a, b)| (a.iter().sum(), b.iter().sum())).collect();
            for (i, v) in candidates.iter().enumerate() {
                let total: f64 = match &self.factors[v][t] {
                    None => sums.iter().map(|(x, y)| x * y).sum(),
                    Some(terms) => list
                        .iter()
                        .map(|(a, b)| terms.iter().map(|(u, w)| dot(a, u) * dot(b, w)).sum::<f64>())
                        .sum(),
                };
                out[i] += if total > 0.0 {
                    total.ln() - self.ln_base[t]
                } else {
                    f64::NEG_INFINITY
                };
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Sibship;
    use crate::dvi::rows::Rows;
    use crate::dvi::{DviCase, Evaluator, Family, Victim};
    use kinship::{Chromosome, Conditions, Marker, MemberSpec, MutationModel, Pedigree, Sex, Typing, SILENT_ALLELE};
    use proptest::prelude::*;

    /// Numbers from a seed (splitmix64).
    struct Draw(u64);
    impl Draw {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> usize {
            (self.next() % n) as usize
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn model(d: &mut Draw, silent: bool) -> MutationModel {
        let rate = 0.001 + 0.2 * d.unit();
        match d.below(if silent { 3 } else { 5 }) {
            0 => MutationModel::Trivial,
            1 => MutationModel::Equal { rate },
            2 => MutationModel::Proportional { rate },
            3 => MutationModel::Stepwise {
                rate,
                rate2: 0.01 * d.unit(),
                range: 0.1 + 0.8 * d.unit(),
            },
            _ => MutationModel::OneStep { rate },
        }
    }

    fn marker(d: &mut Draw, i: usize) -> Marker {
        let n = 2 + d.below(4);
        let silent = d.below(4) == 0;
        let weights: Vec<f64> = (0..n).map(|_| 0.05 + d.unit()).collect();
        let total: f64 = weights.iter().sum();
        let alleles: Vec<(String, f64)> = weights
            .iter()
            .enumerate()
            .map(|(a, w)| {
                let label = if silent && a == n - 1 {
                    SILENT_ALLELE.to_owned()
                } else {
                    format!("{}", 10 + a)
                };
                (label, w / total)
            })
            .collect();
        let (female, male) = (model(d, silent), model(d, silent));
        let name = format!("M{i}");
        // A proportional rate may be too high for the frequencies: then the equal model at that rate.
        let plain = |m: &MutationModel| match *m {
            MutationModel::Proportional { rate } => MutationModel::Equal { rate },
            ref other => other.clone(),
        };
        Marker::new(
            &name,
            alleles.clone(),
            Chromosome::Autosomal,
            female.clone(),
            male.clone(),
        )
        .or_else(|_| Marker::new(&name, alleles, Chromosome::Autosomal, plain(&female), plain(&male)))
        .unwrap()
    }

    /// A typing of a marker's visible alleles: a genotype, one allele (with dropout only), or none.
    fn typing(d: &mut Draw, marker: &Marker, dropout: bool) -> Typing {
        let visible = marker.alleles().len() - usize::from(marker.silent().is_some());
        let a = d.below(visible as u64);
        let b = d.below(visible as u64);
        match d.below(6) {
            0 => Typing::Untyped,
            1 if dropout => Typing::Single(a),
            2 => Typing::OneAndMissing(a),
            _ => Typing::Pair(a, b),
        }
    }

    /// Family shapes: (members, missing, whether the shortcut applies).
    fn shape(kind: usize) -> (Vec<MemberSpec>, Vec<&'static str>, bool) {
        let m = |s: &str, fa: Option<&str>, mo: Option<&str>, sex| MemberSpec::new(s, fa, mo, sex);
        let nuclear = |fa: Option<&str>, mo: Option<&str>| {
            vec![
                m("FA", fa, mo, Sex::Male),
                m("MO", None, None, Sex::Female),
                m("B1", Some("FA"), Some("MO"), Sex::Male),
                m("B2", Some("FA"), Some("MO"), Sex::Male),
                m("D1", Some("FA"), Some("MO"), Sex::Female),
                m("SI", Some("FA"), Some("MO"), Sex::Female),
            ]
        };
        match kind {
            // Brothers and a sister missing, the other sister and the parents typed or not.
            0 => (nuclear(None, None), vec!["B1", "B2", "D1"], true),
            // The father below his parents, with a brother: the grave's "brothers-3".
            1 => {
                let mut specs = vec![m("GF", None, None, Sex::Male), m("GM", None, None, Sex::Female)];
                specs.push(m("UN", Some("GF"), Some("GM"), Sex::Male));
                specs.extend(nuclear(Some("GF"), Some("GM")));
                (specs, vec!["B1", "B2"], true)
            }
            // The mother's side too, and the father missing (placements on him are not covered).
            2 => {
                let mut specs = nuclear(None, None);
                specs[1] = m("MO", Some("MF"), Some("MM"), Sex::Female);
                specs.splice(0..0, [m("MF", None, None, Sex::Male), m("MM", None, None, Sex::Female)]);
                specs.push(m("AU", Some("MF"), Some("MM"), Sex::Female));
                (specs, vec!["FA", "B1", "B2", "D1"], true)
            }
            // The parents are related (the mother is the father's niece): not covered.
            3 => {
                let mut specs = vec![m("GF", None, None, Sex::Male), m("GM", None, None, Sex::Female)];
                specs.push(m("AU", Some("GF"), Some("GM"), Sex::Female));
                specs.push(m("X", None, None, Sex::Male));
                specs.extend(nuclear(Some("GF"), Some("GM")));
                specs[5] = m("MO", Some("X"), Some("AU"), Sex::Female);
                (specs, vec!["B1", "B2"], false)
            }
            // A sister with a child joins the two sides: not covered.
            _ => {
                let mut specs = nuclear(None, None);
                specs.push(m("W", None, None, Sex::Male));
                specs.push(m("K", Some("W"), Some("SI"), Sex::Male));
                (specs, vec!["B1", "B2"], false)
            }
        }
    }

    fn case(seed: u64, kind: usize) -> (DviCase, bool) {
        let mut d = Draw(seed);
        let markers: Vec<Marker> = (0..1 + d.below(3)).map(|i| marker(&mut d, i)).collect();
        let (specs, missing, applies) = shape(kind);
        let pedigree = Pedigree::new(specs).unwrap();
        let missing: Vec<usize> = missing.iter().map(|id| pedigree.index_of(id).unwrap()).collect();
        let mut dropout = std::collections::BTreeMap::new();
        for member in pedigree.members() {
            if d.below(4) == 0 {
                dropout.insert(member.id.clone(), 0.05 + 0.4 * d.unit());
            }
        }
        let typings = markers
            .iter()
            .map(|mk| {
                (0..pedigree.len())
                    .map(|i| {
                        let id = &pedigree.member(i).id;
                        if missing.contains(&i) || d.below(3) == 0 {
                            Typing::Untyped
                        } else {
                            typing(&mut d, mk, dropout.contains_key(id))
                        }
                    })
                    .collect()
            })
            .collect();
        let mut conditions = Conditions {
            dropin: if d.below(3) == 0 { 0.05 } else { 0.0 },
            ..Conditions::default()
        };
        let victims = (0..3)
            .map(|v| {
                let id = format!("V{v}");
                let with_dropout = d.below(2) == 0;
                if with_dropout {
                    conditions.dropout.insert(id.clone(), 0.05 + 0.4 * d.unit());
                }
                Victim {
                    id,
                    sex: if d.below(2) == 0 { Sex::Male } else { Sex::Female },
                    typings: markers.iter().map(|mk| typing(&mut d, mk, with_dropout)).collect(),
                }
            })
            .collect();
        let family = Family {
            id: "F".into(),
            pedigree,
            typings,
            missing,
            dropout,
        };
        (
            DviCase::new(markers, victims, vec![family], conditions).unwrap(),
            applies,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Victims on childless full siblings from the parents' tables: the same LR as the engine's
        /// likelihood of the whole family, with mutations, dropout and silent alleles, and no
        /// shortcut where the parents are connected.
        #[test]
        fn sibling_placements_equal_the_pedigree_likelihood(seed in any::<u64>(), kind in 0usize..5) {
            let (case, applies) = case(seed, kind);
            let markers = case.markers().to_vec();
            let mut eval = Evaluator::new(&case);
            let base = eval.family(0, &[], &markers, None).unwrap();
            prop_assume!(base > f64::NEG_INFINITY);
            let victim_ll: Vec<f64> = (0..3).map(|v| eval.victim(v, &markers).unwrap()).collect();
            let mut rows = Rows::new(&case, victim_ll.clone()).unwrap();
            let sibship = Sibship::new(&mut rows, 0, &markers, &[0, 1, 2]).unwrap();
            prop_assert_eq!(sibship.is_some(), applies);
            let Some(sibship) = sibship else { return Ok(()) };
            let fam = &case.families()[0];
            let covered: Vec<usize> = (0..fam.missing.len()).filter(|&k| sibship.covers(k)).collect();
            prop_assert!(covered.len() >= 2);
            for (k, &i) in fam.missing.iter().enumerate() {
                prop_assert_eq!(sibship.covers(k), fam.pedigree.member(i).id != "FA");
            }
            // Every placement of one to three victims on the covered missing persons.
            let mut placements: Vec<Vec<(usize, usize)>> = vec![Vec::new()];
            for &v in &[0usize, 1, 2] {
                let mut more = Vec::new();
                for p in &placements {
                    for &k in &covered {
                        if p.iter().all(|&(kk, _)| kk != k) {
                            let mut q = p.clone();
                            q.push((k, v));
                            more.push(q);
                        }
                    }
                }
                placements.extend(more);
            }
            for p in placements.iter().filter(|p| !p.is_empty()) {
                let l = eval.family(0, p, &markers, None).unwrap();
                let want = if l == f64::NEG_INFINITY {
                    l
                } else {
                    l - base - p.iter().map(|&(_, v)| victim_ll[v]).sum::<f64>()
                };
                let victims: Vec<usize> = p.iter().map(|&(_, v)| v).collect();
                let (last, placed) = victims.split_last().unwrap();
                let got = sibship.ln_ratios(placed, &[*last])[0];
                prop_assert!(
                    got == want || (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "placement {:?}: {} vs the engine's {}", p, got, want
                );
            }
        }
    }
}
