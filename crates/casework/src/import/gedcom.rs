//! `import gedcom FILE --family KEY`: a family tree (GEDCOM 7.0 or 5.5.1) stored as one
//! registry family.
//!
//! * Every individual becomes a family member, parents before children: the preferred name (a
//!   name used twice gets the GEDCOM id appended), the sex (`X` and `U` as unknown; a partner
//!   without `SEX` takes the sex of the role, with a warning), alive unless a death or burial is
//!   recorded or the member is missing.
//! * Biological links (`FAMC` with `PEDI BIRTH` or no `PEDI`, and children a family lists, unless
//!   `STAT DISPROVEN`) are the pedigree's father and mother. Adoptive, foster, sealing and other
//!   links, and disproven birth links, are stored as non-genetic relations, never used for
//!   matching; each is listed in a warning.
//! * What the file says beyond that (all names with their translations, romanised and phonetic
//!   forms; birth, death and burial with date, place and coordinates; the GEDCOM id) is kept as the
//!   member's record.
//! * `--missing I3=JP-1` marks the individual `@I3@` as the missing person the family is looking
//!   for and links it to the registry person `JP-1`; `--person I2=JP-2` links without marking.
//!
//! The whole file is read and checked first (errors name the line and tag, exit code 2); then the
//! family is written in one transaction, all of it or nothing. A family key already in the registry
//! is refused.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use anyhow::Result;
use formats::gedcom::{
    display_name, read_gedcom, DateValue, Event, GedSex, GedcomFile, LinkStatus, Pedi, Pedigree, PersonalName,
    VariantKind, Version,
};
use registry::model::{Name, Sex};
use registry::{
    ImportFamily, ImportGenealogy, MemberRecord, NewFamily, NewMember, NewRelation, RecordedEvent, RecordedName,
    RecordedVariant, RelationKind, RelationStatus, Store,
};

use super::{write_failure, Import, IntoRegistry};
use crate::input_error;

/// The GEDCOM import: the family it becomes, and the links of individuals to registry persons.
#[derive(Debug, Clone, Default)]
pub struct Gedcom {
    /// The registry key (external id) of the new family.
    pub family: String,
    /// The family's name (default: the surname most members share, else the key).
    pub name: Option<String>,
    /// `XREF=PERSON`: the individual `@XREF@` is the missing registry person PERSON (external id).
    pub missing: Vec<String>,
    /// `XREF=PERSON`: the individual `@XREF@` is the registry person PERSON (external id).
    pub person: Vec<String>,
}

/// A link of an individual to a registry person, from `--missing` or `--person`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PersonLink {
    person: String,
    missing: bool,
}

fn parse_links(file: &GedcomFile, args: &Gedcom) -> Result<BTreeMap<String, PersonLink>> {
    let mut links = BTreeMap::new();
    let mut persons = HashSet::new();
    let flags = args
        .missing
        .iter()
        .map(|v| ("--missing", v, true))
        .chain(args.person.iter().map(|v| ("--person", v, false)));
    for (flag, value, missing) in flags {
        let (xref, person) = value
            .split_once('=')
            .map(|(x, p)| (x.trim().trim_matches('@'), p.trim()))
            .filter(|(x, p)| !x.is_empty() && !p.is_empty())
            .ok_or_else(|| input_error!("{flag} {value}: expected XREF=PERSON, such as I3=JP-1"))?;
        if file.individual(xref).is_none() {
            return Err(input_error!("{flag} {value}: the file has no individual @{xref}@"));
        }
        if !persons.insert(person.to_owned()) {
            return Err(input_error!(
                "{flag} {value}: person {person} is linked to another individual too"
            ));
        }
        let link = PersonLink {
            person: person.to_owned(),
            missing,
        };
        if links.insert(xref.to_owned(), link).is_some() {
            return Err(input_error!("{flag} {value}: @{xref}@ is linked twice"));
        }
    }
    Ok(links)
}

/// The individuals' positions, parents before children (file order otherwise).
fn parents_first(file: &GedcomFile, pedigree: &Pedigree) -> Vec<usize> {
    let index: HashMap<&str, usize> = file
        .individuals
        .iter()
        .enumerate()
        .map(|(k, i)| (i.xref.as_str(), k))
        .collect();
    let parents_of = |k: usize| -> Vec<usize> {
        pedigree
            .parents
            .get(&file.individuals[k].xref)
            .map(|p| {
                p.father
                    .iter()
                    .chain(p.mother.iter())
                    .map(|x| index[x.as_str()])
                    .collect()
            })
            .unwrap_or_default()
    };
    // Depth-first, parents first; the pedigree has no cycles (checked when it was built).
    let mut placed = vec![false; file.individuals.len()];
    let mut order = Vec::with_capacity(placed.len());
    for start in 0..file.individuals.len() {
        let mut stack = vec![(start, false)];
        while let Some((k, expanded)) = stack.pop() {
            if placed[k] {
                continue;
            }
            if expanded {
                placed[k] = true;
                order.push(k);
            } else {
                stack.push((k, true));
                stack.extend(
                    parents_of(k)
                        .into_iter()
                        .rev()
                        .filter(|&p| !placed[p])
                        .map(|p| (p, false)),
                );
            }
        }
    }
    order
}

/// The name as the registry keeps it; variants without text are left out.
fn recorded_name(n: &PersonalName) -> RecordedName {
    RecordedName {
        text: n.value.clone(),
        script: Name::guess_script(&n.display()).to_owned(),
        kind: n.kind.clone(),
        given: n.given.clone(),
        surname: n.surname.clone(),
        variants: n
            .variants
            .iter()
            .filter(|v| !display_name(&v.value).is_empty())
            .map(|v| RecordedVariant {
                text: v.value.clone(),
                kind: match v.kind {
                    VariantKind::Translation => "translation",
                    VariantKind::Romanized => "romanized",
                    VariantKind::Phonetic => "phonetic",
                }
                .to_owned(),
                script: Name::guess_script(&display_name(&v.value)).to_owned(),
                lang: v.lang.clone(),
                method: v.method.clone(),
            })
            .collect(),
    }
}

fn recorded_event(e: &Event) -> RecordedEvent {
    let date = e.date.as_ref();
    let value = date.and_then(|d| d.value.as_ref());
    let place = e.place.as_ref();
    RecordedEvent {
        date: value.map(|v| v.to_gedcom(Version::V7)),
        date_iso: match value {
            Some(DateValue::Exact(p)) => p.iso(),
            _ => None,
        },
        date_phrase: date.and_then(|d| d.phrase.clone()),
        place: place.map(|p| p.name.clone()).filter(|n| !n.trim().is_empty()),
        latitude: place.and_then(|p| p.latitude),
        longitude: place.and_then(|p| p.longitude),
    }
}

/// The family name: the surname most members share (first met on a tie), else the key.
fn family_name(file: &GedcomFile, key: &str) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for i in &file.individuals {
        let Some(n) = i.names.first() else { continue };
        let surname = n
            .surname
            .clone()
            .or_else(|| n.value.split('/').nth(1).map(str::to_owned))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if let Some(s) = surname {
            match counts.iter_mut().find(|(x, _)| *x == s) {
                Some((_, c)) => *c += 1,
                None => counts.push((s, 1)),
            }
        }
    }
    let best = counts.iter().map(|(_, c)| *c).max();
    counts
        .into_iter()
        .find(|(_, c)| Some(*c) == best)
        .map(|(s, _)| s)
        .unwrap_or_else(|| key.to_owned())
}

/// The import, with the line of each member's INDI record.
#[derive(Debug)]
pub struct GedcomPlan {
    genealogy: ImportGenealogy,
    lines: Vec<usize>,
    biological_links: usize,
}

/// Turns a checked file into the registry's import; `person_ids` are the linked registry persons.
fn genealogy(
    file: &GedcomFile,
    pedigree: &Pedigree,
    key: &str,
    name: Option<&str>,
    links: &BTreeMap<String, PersonLink>,
    person_ids: &HashMap<String, i64>,
) -> GedcomPlan {
    let order = parents_first(file, pedigree);
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(pos, &k)| (file.individuals[k].xref.as_str(), pos))
        .collect();
    let mut uses: HashMap<String, usize> = HashMap::new();
    for i in &file.individuals {
        *uses.entry(i.display()).or_default() += 1;
    }
    let (mut members, mut records, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    let mut biological_links = 0;
    for &k in &order {
        let i = &file.individuals[k];
        let shown = i.display();
        let display_name = if uses[&shown] > 1 {
            format!("{shown} (@{}@)", i.xref)
        } else {
            shown
        };
        let link = links.get(&i.xref);
        let missing = link.is_some_and(|l| l.missing);
        let parents = pedigree.parents.get(&i.xref);
        let parent = |p: Option<&String>| p.map(|x| position[x.as_str()] as i64);
        let (father, mother) = (
            parent(parents.and_then(|p| p.father.as_ref())),
            parent(parents.and_then(|p| p.mother.as_ref())),
        );
        biological_links += usize::from(father.is_some()) + usize::from(mother.is_some());
        members.push(NewMember {
            display_name,
            sex: match pedigree.sex(i) {
                GedSex::Male => Sex::Male,
                GedSex::Female => Sex::Female,
                GedSex::Intersex | GedSex::Unknown => Sex::Unknown,
            },
            person_id: link.map(|l| person_ids[&l.person]),
            alive: i.death.is_none() && i.burial.is_none() && !missing,
            father_member_id: father,
            mother_member_id: mother,
            is_missing: missing,
        });
        records.push(MemberRecord {
            source_id: Some(i.xref.clone()),
            // A NAME without text (only pieces or sources under it) says nothing to keep.
            names: i
                .names
                .iter()
                .filter(|n| !n.display().is_empty())
                .map(recorded_name)
                .collect(),
            birth: i.birth.as_ref().map(recorded_event),
            death: i.death.as_ref().map(recorded_event),
            burial: i.burial.as_ref().map(recorded_event),
        });
        lines.push(i.line);
    }
    let mut seen = HashSet::new();
    let mut relations = Vec::new();
    for o in &pedigree.others {
        let kind = match o.pedi {
            Pedi::Birth => RelationKind::Birth,
            Pedi::Adopted => RelationKind::Adopted,
            Pedi::Foster => RelationKind::Foster,
            Pedi::Sealing => RelationKind::Sealing,
            Pedi::Other => RelationKind::Other,
        };
        let (child, parent) = (position[o.child.as_str()], position[o.parent.as_str()]);
        if seen.insert((child, parent, kind)) {
            relations.push(NewRelation {
                child,
                parent,
                kind,
                status: o.status.map(|s| match s {
                    LinkStatus::Proven => RelationStatus::Proven,
                    LinkStatus::Challenged => RelationStatus::Challenged,
                    LinkStatus::Disproven => RelationStatus::Disproven,
                }),
            });
        }
    }
    GedcomPlan {
        genealogy: ImportGenealogy {
            family: ImportFamily {
                family: NewFamily {
                    external_id: key.to_owned(),
                    name: name.map_or_else(|| family_name(file, key), str::to_owned),
                    liaison: None,
                    contacts: Default::default(),
                },
                members,
            },
            records,
            relations,
        },
        lines,
        biological_links,
    }
}

/// A file that checked: the tree, its genetic pedigree and the links to registry persons.
#[derive(Debug)]
pub struct CheckedGedcom {
    file: GedcomFile,
    pedigree: Pedigree,
    links: BTreeMap<String, PersonLink>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GedcomWritten {
    pub family: String,
    pub members: usize,
    pub biological_links: usize,
    pub relations: usize,
    pub linked_persons: usize,
}

impl fmt::Display for GedcomWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "family {} imported: {} members, {} biological parent links, {} non-genetic relations, {} linked to registry persons",
            self.family, self.members, self.biological_links, self.relations, self.linked_persons
        )
    }
}

/// The plan, and how many individuals are linked to registry persons.
#[derive(Debug)]
pub struct GedcomWrite {
    plan: GedcomPlan,
    linked_persons: usize,
}

impl Import for Gedcom {
    type Checked = CheckedGedcom;

    fn check(&self, path: &str, text: &str) -> Result<CheckedGedcom> {
        let file = read_gedcom(text).map_err(|e| input_error!("{path}: {e}"))?;
        let pedigree = file.pedigree().map_err(|e| input_error!("{path}: {e}"))?;
        if file.individuals.is_empty() {
            return Err(input_error!(
                "{path}: the file has no individuals (INDI records); nothing to import"
            ));
        }
        let links = parse_links(&file, self)?;
        Ok(CheckedGedcom { file, pedigree, links })
    }

    fn warnings(&self, checked: &CheckedGedcom) -> Vec<String> {
        checked
            .file
            .warnings
            .iter()
            .chain(&checked.pedigree.warnings)
            .map(ToString::to_string)
            .collect()
    }
}

impl IntoRegistry for Gedcom {
    type Plan = GedcomWrite;
    type Written = GedcomWritten;

    /// Checks the family against the registry (key free, linked persons there).
    async fn plan(&self, store: &Store, path: &str, checked: CheckedGedcom) -> Result<GedcomWrite> {
        let CheckedGedcom { file, pedigree, links } = checked;
        let wanted: Vec<&str> = links.values().map(|l| l.person.as_str()).collect();
        let person_ids = store.person_ids_by_external_id(&wanted).await?;
        for (xref, l) in &links {
            if !person_ids.contains_key(&l.person) {
                let line = file.individual(xref).map_or(0, |i| i.line);
                return Err(input_error!(
                    "{path}: line {line}, INDI @{xref}@: no person with external id '{}' in the registry (import persons first)",
                    l.person
                ));
            }
        }
        if store.get_family_by_external_id(self.family.trim()).await?.is_some() {
            return Err(input_error!(
                "{path}: family '{}' is in the registry already; nothing was written (a family tree is imported once)",
                self.family
            ));
        }
        let plan = genealogy(
            &file,
            &pedigree,
            &self.family,
            self.name.as_deref(),
            &links,
            &person_ids,
        );
        plan.genealogy
            .family
            .family
            .check()
            .map_err(|e| input_error!("--family/--name: {}: {}", e.field, e.message))?;
        // The registry's own rules, member by member, so that a refusal names the individual's line.
        let members = &plan.genealogy.family.members;
        for (k, (m, r)) in members.iter().zip(&plan.genealogy.records).enumerate() {
            if let Err(e) = m.check().and_then(|()| r.check()) {
                return Err(input_error!(
                    "{path}: line {}, INDI: {}: {}",
                    plan.lines[k],
                    e.field,
                    e.message
                ));
            }
        }
        Ok(GedcomWrite {
            plan,
            linked_persons: links.len(),
        })
    }

    async fn write(&self, store: &Store, path: &str, actor: &str, write: GedcomWrite) -> Result<GedcomWritten> {
        let GedcomWrite { plan, linked_persons } = write;
        let summary = store
            .import_genealogy(actor, &plan.genealogy)
            .await
            .map_err(|e| write_failure(path, plan.lines.first().copied().unwrap_or(1) as u64, e))?;
        Ok(GedcomWritten {
            family: self.family.clone(),
            members: summary.members,
            biological_links: plan.biological_links,
            relations: summary.relations,
            linked_persons,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(body: &str) -> GedcomFile {
        read_gedcom(&format!("0 HEAD\n1 GEDC\n2 VERS 7.0\n{body}0 TRLR\n")).unwrap()
    }

    #[test]
    fn children_come_after_their_parents_and_twins_in_name_get_their_id() {
        // The child is first in the file.
        let f = tree(
            "0 @C@ INDI\n1 NAME Taro /Yamada/\n1 FAMC @F@\n0 @D@ INDI\n1 NAME Taro /Yamada/\n1 SEX M\n1 DEAT Y\n\
             0 @M@ INDI\n1 NAME Hana /Yamada/\n1 SEX F\n0 @A@ INDI\n1 NAME Ken /Sato/\n1 SEX M\n1 FAMC @F@\n2 PEDI ADOPTED\n\
             0 @F@ FAM\n1 HUSB @D@\n1 WIFE @M@\n1 CHIL @C@\n",
        );
        let p = f.pedigree().unwrap();
        let plan = genealogy(&f, &p, "G-1", None, &BTreeMap::new(), &HashMap::new());
        let members = &plan.genealogy.family.members;
        let names: Vec<&str> = members.iter().map(|m| m.display_name.as_str()).collect();
        assert_eq!(
            names,
            ["Taro Yamada (@D@)", "Hana Yamada", "Taro Yamada (@C@)", "Ken Sato"]
        );
        assert_eq!(
            (members[2].father_member_id, members[2].mother_member_id),
            (Some(0), Some(1))
        );
        assert!(!members[0].alive && members[1].alive);
        assert_eq!(plan.genealogy.family.family.name, "Yamada");
        assert_eq!(plan.lines, [7, 11, 4, 14]);
        assert_eq!(plan.biological_links, 2);
        // Ken is adopted into F, whose partners become his non-genetic parents.
        let rel: Vec<(usize, usize, RelationKind)> = plan
            .genealogy
            .relations
            .iter()
            .map(|r| (r.child, r.parent, r.kind))
            .collect();
        assert_eq!(rel, [(3, 0, RelationKind::Adopted), (3, 1, RelationKind::Adopted)]);
        assert_eq!(plan.genealogy.records[2].source_id.as_deref(), Some("C"));
    }
}
