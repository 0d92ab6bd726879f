//! Pedigrees: who is whose child, and each member's sex.

use std::collections::HashMap;

/// A member's sex. `Unknown` is allowed for autosomal markers only, and never for a parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

/// One member of a pedigree, with parents given as indices into the pedigree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub father: Option<usize>,
    pub mother: Option<usize>,
    pub sex: Sex,
}

impl Member {
    pub fn is_founder(&self) -> bool {
        self.father.is_none()
    }
}

/// Why a list of members does not form a pedigree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PedigreeError {
    #[error("duplicate id '{id}'")]
    DuplicateId { id: String },
    #[error("empty id")]
    EmptyId,
    #[error("member '{id}': parent '{parent}' is not in the pedigree")]
    UnknownParent { id: String, parent: String },
    #[error("member '{id}' is given as their own parent")]
    OwnParent { id: String },
    #[error("member '{id}': only one parent given ('{parent}'); give both parents or neither")]
    OneParent { id: String, parent: String },
    #[error("member '{id}': father '{parent}' is not male")]
    FatherNotMale { id: String, parent: String },
    #[error("member '{id}': mother '{parent}' is not female")]
    MotherNotFemale { id: String, parent: String },
    #[error("member '{id}' is their own ancestor (the pedigree has a cycle)")]
    Cycle { id: String },
}

/// A validated pedigree: unique ids, known parents of the right sex, no cycles.
///
/// Loops (inbreeding, double cousins) and several unconnected components are allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pedigree {
    members: Vec<Member>,
    index: HashMap<String, usize>,
    /// Parents before children; computed once, used by every likelihood.
    order: Vec<usize>,
}

/// A member as read from a file: parents by id (`None` for a founder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSpec {
    pub id: String,
    pub father: Option<String>,
    pub mother: Option<String>,
    pub sex: Sex,
}

impl MemberSpec {
    pub fn new(id: &str, father: Option<&str>, mother: Option<&str>, sex: Sex) -> Self {
        MemberSpec {
            id: id.to_owned(),
            father: father.map(str::to_owned),
            mother: mother.map(str::to_owned),
            sex,
        }
    }
}

impl Pedigree {
    /// Builds a pedigree from members listed in any order.
    ///
    /// Errors name the first offending member in list order.
    pub fn new(specs: Vec<MemberSpec>) -> Result<Pedigree, PedigreeError> {
        let mut index = HashMap::with_capacity(specs.len());
        for (i, s) in specs.iter().enumerate() {
            if s.id.is_empty() {
                return Err(PedigreeError::EmptyId);
            }
            if index.insert(s.id.clone(), i).is_some() {
                return Err(PedigreeError::DuplicateId { id: s.id.clone() });
            }
        }
        let mut members = Vec::with_capacity(specs.len());
        for s in &specs {
            let lookup = |p: &String| -> Result<usize, PedigreeError> {
                if *p == s.id {
                    return Err(PedigreeError::OwnParent { id: s.id.clone() });
                }
                index.get(p).copied().ok_or_else(|| PedigreeError::UnknownParent {
                    id: s.id.clone(),
                    parent: p.clone(),
                })
            };
            let (father, mother) = match (&s.father, &s.mother) {
                (None, None) => (None, None),
                (Some(p), None) | (None, Some(p)) => {
                    return Err(PedigreeError::OneParent {
                        id: s.id.clone(),
                        parent: p.clone(),
                    })
                }
                (Some(f), Some(m)) => (Some(lookup(f)?), Some(lookup(m)?)),
            };
            if let Some(f) = father {
                if specs[f].sex != Sex::Male {
                    return Err(PedigreeError::FatherNotMale {
                        id: s.id.clone(),
                        parent: specs[f].id.clone(),
                    });
                }
            }
            if let Some(m) = mother {
                if specs[m].sex != Sex::Female {
                    return Err(PedigreeError::MotherNotFemale {
                        id: s.id.clone(),
                        parent: specs[m].id.clone(),
                    });
                }
            }
            members.push(Member {
                id: s.id.clone(),
                father,
                mother,
                sex: s.sex,
            });
        }
        let mut ped = Pedigree {
            members,
            index,
            order: Vec::new(),
        };
        ped.check_acyclic()?;
        ped.order = ped.compute_topological_order();
        Ok(ped)
    }

    /// Unrelated individuals: each a founder of their own one-person component.
    pub fn singletons(members: impl IntoIterator<Item = (String, Sex)>) -> Result<Pedigree, PedigreeError> {
        Pedigree::new(
            members
                .into_iter()
                .map(|(id, sex)| MemberSpec {
                    id,
                    father: None,
                    mother: None,
                    sex,
                })
                .collect(),
        )
    }

    fn check_acyclic(&self) -> Result<(), PedigreeError> {
        // Iterative depth-first search: 0 = unvisited, 1 = on the stack, 2 = done.
        let mut state = vec![0u8; self.members.len()];
        for start in 0..self.members.len() {
            if state[start] != 0 {
                continue;
            }
            let mut stack = vec![(start, 0u8)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let parent = match *next {
                    0 => self.members[node].father,
                    1 => self.members[node].mother,
                    _ => {
                        state[node] = 2;
                        stack.pop();
                        continue;
                    }
                };
                *next += 1;
                if let Some(p) = parent {
                    match state[p] {
                        0 => {
                            state[p] = 1;
                            stack.push((p, 0));
                        }
                        1 => {
                            return Err(PedigreeError::Cycle {
                                id: self.members[p].id.clone(),
                            })
                        }
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn member(&self, i: usize) -> &Member {
        &self.members[i]
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Members ordered so that parents come before their children.
    pub fn topological_order(&self) -> &[usize] {
        &self.order
    }

    fn compute_topological_order(&self) -> Vec<usize> {
        let n = self.members.len();
        let mut depth = vec![usize::MAX; n];
        fn depth_of(p: &Pedigree, i: usize, depth: &mut [usize]) -> usize {
            if depth[i] != usize::MAX {
                return depth[i];
            }
            let m = &p.members[i];
            let d = match (m.father, m.mother) {
                (Some(f), Some(mo)) => 1 + depth_of(p, f, depth).max(depth_of(p, mo, depth)),
                _ => 0,
            };
            depth[i] = d;
            d
        }
        for i in 0..n {
            depth_of(self, i, &mut depth);
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (depth[i], i));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, f: Option<&str>, m: Option<&str>, sex: Sex) -> MemberSpec {
        MemberSpec::new(id, f, m, sex)
    }

    #[test]
    fn rejects_cycles_and_bad_parents() {
        let e = Pedigree::new(vec![
            spec("a", Some("b"), Some("c"), Sex::Male),
            spec("b", Some("a"), Some("c"), Sex::Male),
            spec("c", None, None, Sex::Female),
        ]);
        assert!(matches!(e, Err(PedigreeError::Cycle { .. })), "{e:?}");
        let e = Pedigree::new(vec![spec("a", Some("x"), Some("y"), Sex::Male)]);
        assert!(matches!(e, Err(PedigreeError::UnknownParent { .. })));
        let e = Pedigree::new(vec![
            spec("f", None, None, Sex::Female),
            spec("m", None, None, Sex::Female),
            spec("c", Some("f"), Some("m"), Sex::Male),
        ]);
        assert_eq!(
            e,
            Err(PedigreeError::FatherNotMale {
                id: "c".into(),
                parent: "f".into()
            })
        );
        let e = Pedigree::new(vec![spec("a", None, None, Sex::Male), spec("a", None, None, Sex::Male)]);
        assert_eq!(e, Err(PedigreeError::DuplicateId { id: "a".into() }));
    }

    #[test]
    fn children_listed_before_parents_are_ordered_after_them() {
        let p = Pedigree::new(vec![
            spec("c", Some("f"), Some("m"), Sex::Male),
            spec("f", None, None, Sex::Male),
            spec("m", None, None, Sex::Female),
        ])
        .unwrap();
        assert_eq!(p.topological_order(), &[1, 2, 0]);
    }
}
