//! Familias `.fam` files as engine input: the competing pedigrees of a kinship case
//! (`homeward lr --fam`) and the DVI problem of a file from Familias's DVI module (`homeward dvi --fam`).
//!
//! Mapping (the same as pedFamilias's `readFam()`):
//! * mutation models: equal → equal, proportional → proportional, stepwise (code 2) and extended
//!   stepwise (code 4) → the stepwise model with the file's rate, rate2 and range; a rate of 0 (and
//!   rate2 0) → no mutation. Stationary stepwise (code 3) is refused: the engine has no stationary
//!   version of the stepwise model.
//! * a locus with a silent allele gets the allele `Silent` with its frequency, after the listed alleles
//!   (genotype index = number of listed alleles).
//! * theta → the Balding–Nichols correction; a person marked "Consider dropouts" gets the locus's
//!   dropout probability at that locus (no drop-in).
//! * unnamed extra persons are called `added_1`, `added_2`, …; a child with one parent given gets a
//!   founder of the other sex as its second parent.
//! * DVI: the victims are the unidentified persons; each reference family's pedigree is the one that is
//!   not called "Reference pedigree" (there must be exactly one); persons named in relations but not
//!   listed (`Missing person`) are added, with the sex their role implies; missing persons are the
//!   untyped members whose names start with `Missing` (dvir's convention); untyped persons in no
//!   relation are left out, as dvir does. A name used in more than one
//!   family (or by a victim) is qualified as `FAMILY:NAME`. The DVI computation uses theta only.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Result;
use formats::familias::{DviFamily, DviPedigree, DviPerson, FamFile, FamModel, Mutation, Relations};
use identify::dvi::{DviCase, Family, Victim};
use kinship::{
    Chromosome, Conditions, Engine, LikelihoodError, Marker, MemberSpec, MutationModel, Pedigree, Sex, Typing,
    SILENT_ALLELE,
};

use crate::{case, input_error};

/// Reads and parses a `.fam` file.
pub fn read(path: &Path) -> Result<FamFile> {
    parse(path, &case::read_text(path)?)
}

/// Parses the text of a `.fam` file; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<FamFile> {
    formats::read_fam(text).map_err(|e| input_error!("{}: {e}", path.display()))
}

/// The database's loci as engine markers, in file order.
pub fn markers(path: &Path, fam: &FamFile) -> Result<Vec<Marker>> {
    fam.database
        .loci
        .iter()
        .map(|locus| {
            let mut alleles = locus.alleles.clone();
            if let Some(f) = locus.silent {
                alleles.push((SILENT_ALLELE.to_owned(), f));
            }
            let model = |m: &Mutation, field: &str| -> Result<MutationModel> {
                let stepwise = matches!(m.model, FamModel::StepwiseUnstationary | FamModel::ExtendedStepwise);
                if m.rate == 0.0 && (!stepwise || m.rate2 == 0.0) {
                    return Ok(MutationModel::Trivial);
                }
                Ok(match m.model {
                    FamModel::Equal => MutationModel::Equal { rate: m.rate },
                    FamModel::Proportional => MutationModel::Proportional { rate: m.rate },
                    FamModel::StepwiseUnstationary | FamModel::ExtendedStepwise => MutationModel::Stepwise {
                        rate: m.rate,
                        rate2: m.rate2,
                        range: m.range,
                    },
                    FamModel::StepwiseStationary => {
                        return Err(input_error!(
                            "{}: line {}, field '{field}': locus '{}': the stationary stepwise model (code 3) is not supported; \
                             use extended stepwise (4) or stepwise (2)",
                            path.display(),
                            locus.line,
                            locus.name
                        ))
                    }
                })
            };
            let female = model(&locus.female, "female mutation model")?;
            let male = model(&locus.male, "male mutation model")?;
            Marker::new(&locus.name, alleles, Chromosome::Autosomal, female, male)
                .map_err(|e| input_error!("{}: line {}, field '{}': {e}", path.display(), locus.line, locus.name))
        })
        .collect()
}

/// Members (name, sex) and parent→child relations by member index, before extra parents are added.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) members: Vec<(String, Sex)>,
    pub(crate) relations: Vec<(usize, usize)>,
}

/// A [`Draft`] with each parent's sex known and each member's father and mother by index.
pub(crate) struct Resolved {
    pub(crate) members: Vec<(String, Sex)>,
    pub(crate) father: Vec<Option<usize>>,
    pub(crate) mother: Vec<Option<usize>>,
}

impl Draft {
    /// Parents' unknown sexes inferred from their partners, then fathers and mothers assigned.
    /// Errors are plain messages; the caller adds the place.
    pub(crate) fn resolve(mut self) -> Result<Resolved, String> {
        // A parent of unknown sex is the opposite of a co-parent whose sex is known.
        for _ in 0..self.members.len() {
            let mut changed = false;
            for &(p, c) in &self.relations {
                if self.members[p].1 != Sex::Unknown {
                    continue;
                }
                let partner = self
                    .relations
                    .iter()
                    .find(|&&(q, d)| d == c && q != p && self.members[q].1 != Sex::Unknown);
                if let Some(&(q, _)) = partner {
                    self.members[p].1 = opposite(self.members[q].1);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let n = self.members.len();
        let mut father: Vec<Option<usize>> = vec![None; n];
        let mut mother: Vec<Option<usize>> = vec![None; n];
        for &(p, c) in &self.relations {
            let (slot, role) = match self.members[p].1 {
                Sex::Male => (&mut father[c], "father"),
                Sex::Female => (&mut mother[c], "mother"),
                Sex::Unknown => {
                    return Err(format!(
                        "the sex of '{}', a parent of '{}', is unknown and cannot be told from a partner",
                        self.members[p].0, self.members[c].0
                    ))
                }
            };
            match *slot {
                Some(q) if q != p => {
                    return Err(format!(
                        "'{}' has two {role}s, '{}' and '{}'",
                        self.members[c].0, self.members[q].0, self.members[p].0
                    ))
                }
                _ => *slot = Some(p),
            }
        }
        Ok(Resolved {
            members: self.members,
            father,
            mother,
        })
    }

    /// Member specs for the engine: as [`Draft::resolve`], and a missing second parent added as a
    /// founder (`added_N`), since the engine needs both parents or none.
    fn specs(self) -> Result<Vec<MemberSpec>, String> {
        let Resolved {
            mut members,
            mut father,
            mut mother,
        } = self.resolve()?;
        let mut names: HashSet<String> = members.iter().map(|m| m.0.clone()).collect();
        let mut next = 1;
        let mut fresh = |names: &mut HashSet<String>| loop {
            let name = format!("added_{next}");
            next += 1;
            if names.insert(name.clone()) {
                return name;
            }
        };
        for c in 0..members.len() {
            let (slot, sex) = match (father[c], mother[c]) {
                (Some(_), None) => (&mut mother[c], Sex::Female),
                (None, Some(_)) => (&mut father[c], Sex::Male),
                _ => continue,
            };
            *slot = Some(members.len());
            members.push((fresh(&mut names), sex));
        }
        let name = |i: Option<usize>| i.map(|i| members[i].0.clone());
        Ok(members
            .iter()
            .enumerate()
            .map(|(i, (id, sex))| MemberSpec {
                id: id.clone(),
                father: name(father.get(i).copied().flatten()),
                mother: name(mother.get(i).copied().flatten()),
                sex: *sex,
            })
            .collect())
    }
}

/// Checks that a draft forms a pedigree the engine accepts (unique names, no one their own ancestor).
#[cfg(feature = "store")]
pub(crate) fn check_pedigree(draft: Draft) -> Result<(), String> {
    Pedigree::new(draft.specs()?).map(|_| ()).map_err(|e| e.to_string())
}

/// The pedigree of a DVI reference family: the one not called "Reference pedigree".
pub(crate) fn family_pedigree<'f>(path: &Path, f: &'f DviFamily) -> Result<&'f DviPedigree> {
    let candidates: Vec<&DviPedigree> = f.pedigrees.iter().filter(|p| p.name != "Reference pedigree").collect();
    match candidates.as_slice() {
        &[ped] => Ok(ped),
        _ => Err(input_error!(
            "{}: line {}, field 'Pedigrees': family '{}' has {} pedigrees besides the \"Reference pedigree\"; \
             Homeward needs exactly one",
            path.display(),
            f.line,
            f.name,
            candidates.len()
        )),
    }
}

/// The members of a DVI family in `ped`: its persons (those kept by `keep`), then everyone named in a
/// relation who is not one of them (such as `Missing person`), of unknown sex until resolved. Also
/// returns the person of each member, if any.
pub(crate) fn family_draft<'f>(
    f: &'f DviFamily,
    ped: &DviPedigree,
    keep: impl Fn(&DviPerson) -> bool,
) -> (Draft, Vec<Option<&'f DviPerson>>) {
    let persons: Vec<&DviPerson> = f.persons.iter().filter(|p| keep(p)).collect();
    let mut members: Vec<(String, Sex)> = persons.iter().map(|p| (p.name.clone(), p.sex)).collect();
    let mut who: Vec<Option<&DviPerson>> = persons.iter().map(|&p| Some(p)).collect();
    let mut index: HashMap<String, usize> = members.iter().enumerate().map(|(i, m)| (m.0.clone(), i)).collect();
    let mut relations = Vec::with_capacity(ped.relations.len());
    for (parent, child) in &ped.relations {
        let mut idx = |name: &str| {
            *index.entry(name.to_owned()).or_insert_with(|| {
                members.push((name.to_owned(), Sex::Unknown));
                who.push(None);
                members.len() - 1
            })
        };
        let p = idx(parent);
        let c = idx(child);
        relations.push((p, c));
    }
    (Draft { members, relations }, who)
}

/// Missing persons in Familias DVI files (dvir's convention): untyped, named `Missing…`.
pub(crate) fn is_missing(name: &str, person: Option<&DviPerson>) -> bool {
    name.starts_with("Missing") && person.is_none_or(|p| p.genotypes.is_empty())
}

fn opposite(s: Sex) -> Sex {
    match s {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
        Sex::Unknown => Sex::Unknown,
    }
}

/// One hypothesis of a kinship case with its typings `[marker][member]`.
#[derive(Debug)]
pub struct Hypothesis {
    pub name: String,
    pub pedigree: Pedigree,
    pub typings: Vec<Vec<Typing>>,
}

/// The pedigrees of the main section, each with every person of the file (plus its extras).
pub fn hypotheses(path: &Path, fam: &FamFile, markers: &[Marker]) -> Result<Vec<Hypothesis>> {
    if fam.pedigrees.is_empty() {
        return Err(input_error!(
            "{}: the file has no pedigrees (a database or DVI file?); `homeward lr --fam` needs a kinship case",
            path.display()
        ));
    }
    // Extras are named by their index in Familias's numbering of persons.
    let extras = |members: &mut Vec<(String, Sex)>, r: &Relations| {
        let sexes =
            std::iter::repeat_n(Sex::Female, r.extra_females).chain(std::iter::repeat_n(Sex::Male, r.extra_males));
        for sex in sexes {
            members.push((format!("extra_{}", members.len()), sex));
        }
    };
    let mut shared: Vec<(String, Sex)> = fam.persons.iter().map(|p| (p.name.clone(), p.sex)).collect();
    extras(&mut shared, &fam.known);
    fam.pedigrees
        .iter()
        .map(|p| {
            let mut members = shared.clone();
            extras(&mut members, &p.own);
            let relations = fam
                .known
                .relations
                .iter()
                .chain(&p.own.relations)
                .map(|r| (r.parent, r.child))
                .collect();
            let specs = Draft { members, relations }
                .specs()
                .map_err(|e| input_error!("{}: line {}, field '{}': {e}", path.display(), p.line, p.name))?;
            let pedigree = Pedigree::new(specs)
                .map_err(|e| input_error!("{}: line {}, field '{}': {e}", path.display(), p.line, p.name))?;
            let typings = markers
                .iter()
                .enumerate()
                .map(|(k, _)| {
                    (0..pedigree.len())
                        .map(|i| {
                            fam.persons
                                .get(i)
                                .and_then(|person| person.genotypes.iter().find(|g| g.locus == k))
                                .map_or(Typing::Untyped, |g| Typing::Pair(g.allele1, g.allele2))
                        })
                        .collect()
                })
                .collect();
            Ok(Hypothesis {
                name: p.name.clone(),
                pedigree,
                typings,
            })
        })
        .collect()
}

/// Theta and the dropout of the persons marked "Consider dropouts", per marker.
pub fn conditions(fam: &FamFile) -> Vec<Conditions> {
    fam.database
        .loci
        .iter()
        .map(|locus| Conditions {
            theta: fam.database.theta,
            dropout: if locus.dropout > 0.0 {
                fam.persons
                    .iter()
                    .filter(|p| p.consider_dropout)
                    .map(|p| (p.name.clone(), locus.dropout))
                    .collect()
            } else {
                Default::default()
            },
            dropin: 0.0,
        })
        .collect()
}

/// ln L of every hypothesis at every marker: `[hypothesis][marker]`.
pub fn log_likelihoods(markers: &[Marker], hyps: &[Hypothesis], conds: &[Conditions]) -> Result<Vec<Vec<f64>>> {
    let mut engine = Engine::new();
    hyps.iter()
        .map(|h| {
            markers
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    engine
                        .ln_likelihood(&h.pedigree, m, &h.typings[k], &conds[k])
                        .map_err(|e| match e {
                            LikelihoodError::TooComplex { .. } => anyhow::Error::new(e),
                            other => input_error!("pedigree '{}': {other}", h.name),
                        })
                })
                .collect()
        })
        .collect()
}

/// The DVI problem of a file from Familias's DVI module.
pub fn dvi_case(path: &Path, fam: &FamFile) -> Result<DviCase> {
    let Some(dvi) = &fam.dvi else {
        return Err(input_error!(
            "{}: the file has no [DVI] section; `homeward dvi --fam` needs a file saved by Familias's DVI module",
            path.display()
        ));
    };
    let markers = markers(path, fam)?;
    let marker_index: HashMap<&str, usize> = markers.iter().enumerate().map(|(i, m)| (m.name(), i)).collect();
    let typings = |person: &DviPerson| -> Result<Vec<Typing>> {
        let mut out = vec![Typing::Untyped; markers.len()];
        for g in &person.genotypes {
            let Some(&k) = marker_index.get(g.marker.as_str()) else {
                return Err(input_error!(
                    "{}: line {}, field 'SystemName': '{}' has marker '{}', which is not in the database",
                    path.display(),
                    person.line,
                    person.name,
                    g.marker
                ));
            };
            let index = |a: &str| {
                markers[k].allele_index(a).ok_or_else(|| {
                    input_error!(
                        "{}: line {}, field '{}': allele '{a}' of '{}' is not in the database",
                        path.display(),
                        person.line,
                        g.marker,
                        person.name
                    )
                })
            };
            out[k] = Typing::Pair(index(&g.allele1)?, index(&g.allele2)?);
        }
        Ok(out)
    };
    let victims = dvi
        .unidentified
        .iter()
        .map(|p| {
            Ok(Victim {
                id: p.name.clone(),
                sex: p.sex,
                typings: typings(p)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    // Each family's members with local names first; names used twice get qualified afterwards.
    let mut drafts = Vec::with_capacity(dvi.families.len());
    for f in &dvi.families {
        let ped = family_pedigree(path, f)?;
        // Untyped persons outside every relation carry no information; dvir drops them too (it keeps
        // the pedigree's component with more than one member).
        let related = |name: &str| ped.relations.iter().any(|(p, c)| p == name || c == name);
        let (draft, who) = family_draft(f, ped, |p| !p.genotypes.is_empty() || related(&p.name));
        let specs = draft
            .specs()
            .map_err(|e| input_error!("{}: line {}, field '{}': {e}", path.display(), ped.line, ped.name))?;
        let mut person_typings: Vec<Vec<Typing>> = Vec::with_capacity(specs.len());
        for k in 0..specs.len() {
            person_typings.push(match who.get(k).copied().flatten() {
                Some(p) => typings(p)?,
                None => vec![Typing::Untyped; markers.len()],
            });
        }
        let missing_flags: Vec<bool> = specs
            .iter()
            .enumerate()
            .map(|(k, s)| is_missing(&s.id, who.get(k).copied().flatten()))
            .collect();
        drafts.push((f, ped, specs, person_typings, missing_flags));
    }
    // Member ids are scoped by family (dvir's data sets have a `Father` in several families), so
    // each family keeps its members' own names.
    let mut families = Vec::with_capacity(drafts.len());
    for (f, ped, specs, person_typings, is_missing) in drafts {
        let pedigree = Pedigree::new(specs)
            .map_err(|e| input_error!("{}: line {}, field '{}': {e}", path.display(), ped.line, ped.name))?;
        let missing: Vec<usize> = (0..pedigree.len()).filter(|&i| is_missing[i]).collect();
        if missing.is_empty() {
            return Err(input_error!(
                "{}: line {}, field 'Name': family '{}' has no untyped member whose name starts with 'Missing'",
                path.display(),
                f.line,
                f.name
            ));
        }
        let typings: Vec<Vec<Typing>> = (0..markers.len())
            .map(|k| person_typings.iter().map(|t| t[k]).collect())
            .collect();
        families.push(Family {
            id: f.name.clone(),
            pedigree,
            typings,
            missing,
            dropout: Default::default(),
        });
    }
    let conditions = Conditions {
        theta: fam.database.theta,
        ..Conditions::default()
    };
    DviCase::new(markers, victims, families, conditions).map_err(|e| input_error!("{}: {e}", path.display()))
}

/// The Familias model of an engine model; `None` for models Familias does not have.
fn familias_mutation(m: &MutationModel) -> Option<Mutation> {
    // Familias writes range 0.1 and rate2 0 where the model does not use them.
    let plain = |model, rate| Mutation {
        model,
        rate,
        range: 0.1,
        rate2: 0.0,
    };
    Some(match *m {
        MutationModel::Trivial => plain(FamModel::Equal, 0.0),
        MutationModel::Equal { rate } => plain(FamModel::Equal, rate),
        MutationModel::Proportional { rate } => plain(FamModel::Proportional, rate),
        MutationModel::Stepwise { rate, rate2, range } => Mutation {
            model: FamModel::ExtendedStepwise,
            rate,
            range,
            rate2,
        },
        MutationModel::OneStep { .. } | MutationModel::Custom { .. } => return None,
    })
}

/// A kinship case as a Familias file: every member of any hypothesis is a person (typed as in the
/// hypothesis that has them; an unknown sex is written as female, which Familias needs only for
/// parents), each hypothesis a pedigree of its parent→child relations, the markers as the database.
/// Refused (as bad input): X-chromosomal markers, the onestep and custom models, one-allele
/// typings, different dropout probabilities for different persons, and drop-in.
pub fn case_to_fam(hyps: &[(&str, kinship::Hypothesis<'_>)], markers: &[Marker], cond: &Conditions) -> Result<FamFile> {
    use formats::familias::{Database, FamPedigree, Genotype, Locus, Person, Relation};
    let refuse = |why: String| input_error!("--write-fam: {why}");
    if cond.dropin > 0.0 {
        return Err(refuse("Familias files have no drop-in probability".into()));
    }
    let mut dropouts: Vec<f64> = cond.dropout.values().copied().filter(|&d| d > 0.0).collect();
    dropouts.dedup();
    let dropout = match dropouts.as_slice() {
        [] => 0.0,
        [d] => *d,
        _ => {
            return Err(refuse(
                "Familias files have one dropout probability per marker for every person considered; \
                 these persons have different ones"
                    .into(),
            ))
        }
    };
    let mut loci = Vec::with_capacity(markers.len());
    for m in markers {
        if m.chromosome() != Chromosome::Autosomal {
            return Err(refuse(format!(
                "marker '{}' is X-chromosomal, which Familias files cannot say",
                m.name()
            )));
        }
        let model = |model: &MutationModel| {
            familias_mutation(model).ok_or_else(|| {
                refuse(format!(
                    "marker '{}': Familias has no {} mutation model",
                    m.name(),
                    model.name()
                ))
            })
        };
        let silent = m.silent();
        let alleles = m
            .alleles()
            .iter()
            .zip(m.freqs())
            .enumerate()
            .filter(|&(i, _)| Some(i) != silent)
            .map(|(_, (a, &f))| (a.clone(), f))
            .collect();
        loci.push(Locus {
            line: 0,
            name: m.name().to_owned(),
            female: model(m.female_model())?,
            male: model(m.male_model())?,
            silent: silent.map(|s| m.freqs()[s]),
            database_size: 1000,
            dropout,
            minor_allele_frequency: 0.0,
            alleles,
        });
    }
    // Familias numbers the listed alleles first and puts the silent one last.
    let familias_index = |m: &Marker, i: usize| match m.silent() {
        Some(s) if i == s => m.alleles().len() - 1,
        Some(s) if i > s => i - 1,
        _ => i,
    };
    let mut persons: Vec<Person> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (name, h) in hyps {
        for (i, member) in h.pedigree.members().iter().enumerate() {
            let mut genotypes = Vec::new();
            for (k, m) in markers.iter().enumerate() {
                match h.typings[k][i] {
                    Typing::Untyped => {}
                    Typing::Pair(a, b) => genotypes.push(Genotype {
                        allele1: familias_index(m, a),
                        allele2: familias_index(m, b),
                        locus: k,
                    }),
                    Typing::OneAndMissing(_) | Typing::Single(_) => {
                        return Err(refuse(format!(
                        "'{}' has one allele at marker '{}' in {name}; Familias files hold two-allele genotypes only",
                        member.id,
                        m.name()
                    )))
                    }
                }
            }
            match index.get(&member.id) {
                Some(&p) if persons[p].genotypes != genotypes => {
                    return Err(refuse(format!(
                        "'{}' is typed differently in the hypotheses",
                        member.id
                    )))
                }
                Some(_) => {}
                None => {
                    index.insert(member.id.clone(), persons.len());
                    persons.push(Person {
                        line: 0,
                        name: member.id.clone(),
                        sex: member.sex,
                        consider_dropout: cond.dropout_of(&member.id).is_some_and(|d| d > 0.0),
                        genotypes,
                        flags: (false, -1, false),
                    });
                }
            }
        }
    }
    let pedigrees = hyps
        .iter()
        .map(|(name, h)| {
            let members = h.pedigree.members();
            let relations = members
                .iter()
                .flat_map(|m| {
                    let child = index[&m.id];
                    [m.father, m.mother].into_iter().flatten().map(move |p| (p, child))
                })
                .map(|(p, child)| Relation {
                    parent: index[&members[p].id],
                    child,
                })
                .collect();
            FamPedigree {
                line: 0,
                name: (*name).to_owned(),
                own: Relations {
                    relations,
                    ..Relations::default()
                },
            }
        })
        .collect();
    Ok(FamFile {
        title: "Output from Familias, version 3.3.1".into(),
        remark: "(Written by Homeward)".into(),
        version: "3.3.1".into(),
        persons,
        known: Relations::default(),
        pedigrees,
        database: Database {
            theta: cond.theta,
            name: Some("Homeward".into()),
            loci,
        },
        dvi: None,
        settings: Vec::new(),
    })
}
