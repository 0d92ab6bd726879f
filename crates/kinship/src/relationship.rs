//! Standard relationships between two persons as the smallest pedigrees that make them so.
//!
//! A relationship is given by the generations from each person up to the common ancestor(s) and
//! whether the two descend from an ancestral couple (full) or from one ancestor (half): full
//! siblings are (1, 1, full), first cousins (2, 2, full), half siblings (1, 1, half); lineal
//! relatives have one side 0 (parent–child (1, 0), grandparent (2, 0)). The persons are `A` and
//! `B`; the people between them and the ancestors are men (fathers) except where the sexes of
//! `A` and `B` decide, and each has a wife from outside, so that the pedigree is valid; with a
//! sex-specific map that choice matters a little, which is why callers comparing relationships
//! use a sex-averaged map.

use crate::pedigree::{MemberSpec, Pedigree, Sex};

/// Two persons related through common ancestors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Relationship {
    /// Generations from A up to the common ancestor(s); 0 when A is the ancestor.
    pub up_a: u8,
    /// Generations from B up to the common ancestor(s); 0 when B is the ancestor.
    pub up_b: u8,
    /// Through an ancestral couple (full) rather than one ancestor (half); ignored for lineal
    /// relatives.
    pub full: bool,
}

/// Unrelated, and the relationships of degrees 1 to 5 an examiner asks about first.
pub const STANDARD_RELATIONSHIPS: [(&str, Option<Relationship>); 14] = [
    ("parent-child", Some(Relationship::new(1, 0, true))),
    ("full siblings", Some(Relationship::new(1, 1, true))),
    ("half siblings", Some(Relationship::new(1, 1, false))),
    ("grandparent", Some(Relationship::new(2, 0, true))),
    ("avuncular", Some(Relationship::new(2, 1, true))),
    ("great-grandparent", Some(Relationship::new(3, 0, true))),
    ("half avuncular", Some(Relationship::new(2, 1, false))),
    ("first cousins", Some(Relationship::new(2, 2, true))),
    ("great-avuncular", Some(Relationship::new(3, 1, true))),
    ("half first cousins", Some(Relationship::new(2, 2, false))),
    ("first cousins once removed", Some(Relationship::new(3, 2, true))),
    ("second cousins", Some(Relationship::new(3, 3, true))),
    ("first cousins twice removed", Some(Relationship::new(4, 2, true))),
    ("unrelated", None),
];

impl Relationship {
    pub const fn new(up_a: u8, up_b: u8, full: bool) -> Relationship {
        Relationship { up_a, up_b, full }
    }

    /// The degree of relationship: meioses on the path, less one through a couple.
    pub fn degree(&self) -> u8 {
        let lineal = self.up_a == 0 || self.up_b == 0;
        let meioses = self.up_a + self.up_b;
        if self.full && !lineal {
            meioses - 1
        } else {
            meioses
        }
    }

    /// The pedigree, with the indices of A and B. `None` when both sides are 0 (the same
    /// person) or a side is longer than 10 generations.
    pub fn pedigree(&self, a: (&str, Sex), b: (&str, Sex)) -> Option<(Pedigree, usize, usize)> {
        if (self.up_a == 0 && self.up_b == 0) || self.up_a > 10 || self.up_b > 10 || a.0 == b.0 {
            return None;
        }
        let mut specs: Vec<MemberSpec> = Vec::new();
        let mut add = |id: String, father: Option<String>, mother: Option<String>, sex: Sex| {
            specs.push(MemberSpec {
                id,
                father,
                mother,
                sex,
            });
        };
        let lineal = self.up_a == 0 || self.up_b == 0;
        // The top: the ancestor (lineal: the older person itself; half: one man) or the couple.
        let (top_id, top_sex) = match (self.up_a, self.up_b) {
            (0, _) => (a.0.to_owned(), a.1),
            (_, 0) => (b.0.to_owned(), b.1),
            _ => ("ancestor".to_owned(), Sex::Male),
        };
        add(top_id.clone(), None, None, top_sex);
        let top_wife = (self.full && !lineal).then(|| {
            add("ancestor_wife".to_owned(), None, None, Sex::Female);
            "ancestor_wife".to_owned()
        });
        // One line down from the top to `who`, `generations` long.
        let line = |side: &str,
                    who: (&str, Sex),
                    generations: u8,
                    add: &mut dyn FnMut(String, Option<String>, Option<String>, Sex)| {
            let (mut parent, mut parent_sex) = (top_id.clone(), top_sex);
            for g in 1..=generations {
                let last = g == generations;
                let (id, sex) = if last {
                    (who.0.to_owned(), who.1)
                } else {
                    (format!("{side}_line_{g}"), Sex::Male)
                };
                let spouse_sex = if parent_sex == Sex::Male {
                    Sex::Female
                } else {
                    Sex::Male
                };
                let spouse = match (&top_wife, g) {
                    (Some(w), 1) => w.clone(),
                    _ => {
                        let s = format!("{side}_spouse_{g}");
                        add(s.clone(), None, None, spouse_sex);
                        s
                    }
                };
                let (father, mother) = if parent_sex == Sex::Male {
                    (parent.clone(), spouse)
                } else {
                    (spouse, parent.clone())
                };
                add(id.clone(), Some(father), Some(mother), sex);
                parent = id;
                parent_sex = sex;
            }
        };
        if self.up_a > 0 {
            line("a", a, self.up_a, &mut add);
        }
        if self.up_b > 0 {
            line("b", b, self.up_b, &mut add);
        }
        let ped = Pedigree::new(specs).ok()?;
        let (ia, ib) = (ped.index_of(a.0)?, ped.index_of(b.0)?);
        Some((ped, ia, ib))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_and_pedigrees() {
        let degrees: Vec<(&str, u8)> = STANDARD_RELATIONSHIPS
            .iter()
            .filter_map(|(n, r)| r.map(|r| (*n, r.degree())))
            .collect();
        assert_eq!(degrees[0], ("parent-child", 1));
        assert_eq!(degrees[7], ("first cousins", 3));
        assert_eq!(degrees[11], ("second cousins", 5));
        for (name, r) in STANDARD_RELATIONSHIPS {
            let Some(r) = r else { continue };
            for sexes in [
                (Sex::Male, Sex::Female),
                (Sex::Female, Sex::Female),
                (Sex::Male, Sex::Male),
            ] {
                let (ped, a, b) = r
                    .pedigree(("X", sexes.0), ("Y", sexes.1))
                    .unwrap_or_else(|| panic!("{name}"));
                assert_eq!((ped.member(a).id.as_str(), ped.member(b).id.as_str()), ("X", "Y"));
            }
        }
        let (ped, a, b) = Relationship::new(2, 2, true)
            .pedigree(("X", Sex::Male), ("Y", Sex::Female))
            .unwrap();
        assert_eq!(ped.len(), 8);
        assert!(!ped.member(a).is_founder() && !ped.member(b).is_founder());
    }

    #[test]
    fn second_degree_relationships_are_alike_unlinked_and_differ_linked() {
        use crate::{ln_likelihood_linked, GenotypeLikelihoods, LinkedMarker, MapFunction};
        let calls = [(0, 1), (2, 1), (1, 1), (0, 0), (2, 2)];
        let ln = |r: Relationship, spacing: f64| {
            let (ped, a, b) = r.pedigree(("X", Sex::Male), ("Y", Sex::Male)).unwrap();
            let markers: Vec<LinkedMarker> = (0..calls.len())
                .map(|k| LinkedMarker {
                    name: format!("m{k}"),
                    freq_alt: 0.3,
                    cm_female: k as f64 * spacing,
                    cm_male: k as f64 * spacing,
                })
                .collect();
            let evidence: Vec<Vec<Option<GenotypeLikelihoods>>> = calls
                .iter()
                .map(|&(x, y)| {
                    let mut row = vec![None; ped.len()];
                    row[a] = Some(GenotypeLikelihoods::from_call(x, 0.0).unwrap());
                    row[b] = Some(GenotypeLikelihoods::from_call(y, 0.0).unwrap());
                    row
                })
                .collect();
            ln_likelihood_linked(&ped, &markers, &evidence, MapFunction::Haldane).unwrap()
        };
        let second = [
            Relationship::new(1, 1, false),
            Relationship::new(2, 0, true),
            Relationship::new(2, 1, true),
        ];
        let unlinked: Vec<f64> = second.iter().map(|&r| ln(r, 1e4)).collect();
        assert!(unlinked.iter().all(|x| (x - unlinked[0]).abs() < 1e-12), "{unlinked:?}");
        let linked: Vec<f64> = second.iter().map(|&r| ln(r, 5.0)).collect();
        assert!(
            (linked[0] - linked[1]).abs() > 1e-6 && (linked[0] - linked[2]).abs() > 1e-6,
            "{linked:?}"
        );
    }
}
