//! Which links of a GEDCOM file a genetic pedigree may use. A child's biological parents are the
//! partners of the families it belongs to by birth (`PEDI BIRTH`, or no `PEDI`), unless the link
//! is `DISPROVEN`; the man is the father and the woman the mother. Adoption, fostering, sealing and
//! other links, and disproven ones, are kept apart as [`NonGeneticLink`]s, each with a warning.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{AdoptedBy, Family, GedSex, GedcomError, GedcomFile, GedcomWarning, Individual, LinkStatus, Pedi};

/// A child's biological parents (xrefs), with the line of the link they come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneticParents {
    pub line: usize,
    pub father: Option<String>,
    pub mother: Option<String>,
}

/// A parent–child link kept for the family's record but not for genetics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonGeneticLink {
    /// The line of the `FAMC` (or `CHIL`) link.
    pub line: usize,
    pub child: String,
    pub parent: String,
    pub family: String,
    pub pedi: Pedi,
    pub status: Option<LinkStatus>,
}

/// The genetic pedigree of a file and the links left out of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pedigree {
    /// By child xref.
    pub parents: BTreeMap<String, GeneticParents>,
    pub others: Vec<NonGeneticLink>,
    /// The sex of partners with no `SEX`, taken from their role (`HUSB` male, `WIFE` female) in a
    /// family they have a biological child in.
    pub inferred_sex: BTreeMap<String, GedSex>,
    pub warnings: Vec<GedcomWarning>,
}

impl Pedigree {
    /// The sex to record for an individual: its `SEX`, else the one its role implies, else unknown.
    pub fn sex(&self, individual: &Individual) -> GedSex {
        individual
            .sex
            .or_else(|| self.inferred_sex.get(&individual.xref).copied())
            .unwrap_or(GedSex::Unknown)
    }
}

struct Link<'a> {
    line: usize,
    tag: &'static str,
    child: &'a str,
    family: &'a str,
    pedi: Pedi,
    status: Option<LinkStatus>,
}

impl GedcomFile {
    /// Separates biological links from the others and checks that the biological ones make a
    /// pedigree: one father (male) and one mother (female) at most per child, no one their own
    /// ancestor.
    pub fn pedigree(&self) -> Result<Pedigree, GedcomError> {
        let people: HashMap<&str, &Individual> = self.individuals.iter().map(|i| (i.xref.as_str(), i)).collect();
        let families: HashMap<&str, &Family> = self.families.iter().map(|f| (f.xref.as_str(), f)).collect();
        let mut links = Vec::new();
        let mut linked: HashSet<(&str, &str)> = HashSet::new();
        for i in &self.individuals {
            for l in &i.child_of {
                linked.insert((&i.xref, &l.family));
                links.push(Link {
                    line: l.line,
                    tag: "FAMC",
                    child: &i.xref,
                    family: &l.family,
                    pedi: l.pedi,
                    status: l.status,
                });
            }
        }
        // A child listed by the family only (no FAMC) is a child by birth.
        for f in &self.families {
            for (line, child) in &f.children {
                if !linked.contains(&(child.as_str(), f.xref.as_str())) {
                    links.push(Link {
                        line: *line,
                        tag: "CHIL",
                        child,
                        family: &f.xref,
                        pedi: Pedi::Birth,
                        status: None,
                    });
                }
            }
        }
        let mut out = Pedigree::default();
        for link in &links {
            let fam = families[link.family];
            let partners: Vec<(&'static str, &str)> = fam
                .husband
                .iter()
                .map(|(_, x)| ("HUSB", x.as_str()))
                .chain(fam.wife.iter().map(|(_, x)| ("WIFE", x.as_str())))
                .collect();
            let err = |message: String| GedcomError::new(link.line, link.tag, message);
            if partners.iter().any(|(_, p)| *p == link.child) {
                return Err(err(format!(
                    "@{}@ is a partner of @{}@ and its child",
                    link.child, link.family
                )));
            }
            // Each partner's link: the PEDI, unless an adoption event or the family's _FREL/_MREL
            // says otherwise. Whatever says a link is not biological wins: a pedigree must not
            // assert a biology the file doubts.
            let adoption = people[link.child].adoptions.iter().find(|a| a.family == link.family);
            let relations = fam.parent_relations.get(link.child);
            let nature = |role: &str| -> Pedi {
                if link.pedi != Pedi::Birth {
                    return link.pedi;
                }
                let adopted = adoption.is_some_and(|a| match a.by {
                    AdoptedBy::Both => true,
                    AdoptedBy::Husband => role == "HUSB",
                    AdoptedBy::Wife => role == "WIFE",
                });
                if adopted {
                    return Pedi::Adopted;
                }
                let extension = relations.and_then(|(frel, mrel)| {
                    if role == "HUSB" {
                        frel.as_deref()
                    } else {
                        mrel.as_deref()
                    }
                });
                match extension.map(|v| v.trim().to_ascii_lowercase()) {
                    None => Pedi::Birth,
                    Some(v) => match v.as_str() {
                        "natural" | "birth" | "biological" | "" => Pedi::Birth,
                        "adopted" => Pedi::Adopted,
                        "foster" => Pedi::Foster,
                        "sealing" => Pedi::Sealing,
                        _ => Pedi::Other,
                    },
                }
            };
            let disproven = link.status == Some(LinkStatus::Disproven);
            let mut genetic_partners = Vec::new();
            let mut others: Vec<(Pedi, Vec<&str>)> = Vec::new();
            if partners.is_empty() && (link.pedi != Pedi::Birth || disproven) {
                others.push((link.pedi, Vec::new()));
            }
            for (role, p) in &partners {
                let n = nature(role);
                if n == Pedi::Birth && !disproven {
                    genetic_partners.push((*role, *p));
                    continue;
                }
                match others.iter_mut().find(|(x, _)| *x == n) {
                    Some((_, ps)) => ps.push(p),
                    None => others.push((n, vec![p])),
                }
                out.others.push(NonGeneticLink {
                    line: link.line,
                    child: link.child.to_owned(),
                    parent: (*p).to_owned(),
                    family: link.family.to_owned(),
                    pedi: n,
                    status: link.status,
                });
            }
            for (n, ps) in &others {
                let disproven = if disproven { " (DISPROVEN)" } else { "" };
                let names: Vec<String> = ps.iter().map(|p| format!("@{p}@")).collect();
                out.warnings.push(GedcomWarning {
                    line: link.line,
                    tag: link.tag.into(),
                    message: format!(
                        "@{}@ → @{}@ ({}): {} link{disproven}, kept as a non-genetic relation and not used for the \
                         genetic pedigree",
                        link.child,
                        link.family,
                        if names.is_empty() {
                            "no partners".to_owned()
                        } else {
                            names.join(", ")
                        },
                        n.as_str().to_lowercase()
                    ),
                });
            }
            if genetic_partners.is_empty() {
                continue;
            }
            let (mut father, mut mother) = (None, None);
            for (role, p) in &genetic_partners {
                let recorded = people[p].sex;
                let sex = match recorded {
                    Some(s) => s,
                    None => {
                        let s = if *role == "HUSB" { GedSex::Male } else { GedSex::Female };
                        if out.inferred_sex.insert((*p).to_owned(), s).is_none() {
                            out.warnings.push(GedcomWarning {
                                line: link.line,
                                tag: link.tag.into(),
                                message: format!(
                                    "@{p}@ has no SEX; taken as {} from the {role} role in @{}@",
                                    if s == GedSex::Male { "male" } else { "female" },
                                    link.family
                                ),
                            });
                        }
                        s
                    }
                };
                let slot = match sex {
                    GedSex::Male => &mut father,
                    GedSex::Female => &mut mother,
                    other => {
                        return Err(err(format!(
                            "@{p}@, a partner of @{}@, has SEX {}: a biological parent must be male or female \
                             (record the sex, or the link of @{}@ with PEDI OTHER)",
                            link.family,
                            other.code(),
                            link.child
                        )))
                    }
                };
                if slot.is_some() {
                    return Err(err(format!(
                        "both partners of @{}@ are {}: a child's biological parents are a man and a woman \
                         (record the link of @{}@ as PEDI ADOPTED or OTHER)",
                        link.family,
                        if sex == GedSex::Male { "male" } else { "female" },
                        link.child
                    )));
                }
                *slot = Some((*p).to_owned());
            }
            let entry = out
                .parents
                .entry(link.child.to_owned())
                .or_insert_with(|| GeneticParents {
                    line: link.line,
                    ..GeneticParents::default()
                });
            for (have, new, role) in [
                (&mut entry.father, father, "father"),
                (&mut entry.mother, mother, "mother"),
            ] {
                match (have.as_ref(), new) {
                    (Some(a), Some(b)) if *a != b => {
                        return Err(err(format!(
                            "@{}@ is a child by birth of two families with different {role}s (@{a}@ and @{b}@)",
                            link.child
                        )))
                    }
                    (None, Some(b)) => *have = Some(b),
                    _ => {}
                }
            }
        }
        check_no_cycle(&out.parents)?;
        Ok(out)
    }
}

/// Depth-first search from every child; a back edge is someone who is their own ancestor.
fn check_no_cycle(parents: &BTreeMap<String, GeneticParents>) -> Result<(), GedcomError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    for start in parents.keys() {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        // (individual, next parent to visit)
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        marks.insert(start, Mark::Open);
        while let Some((x, k)) = stack.pop() {
            let ps: Vec<&str> = parents
                .get(x)
                .map(|p| p.father.iter().chain(p.mother.iter()).map(String::as_str).collect())
                .unwrap_or_default();
            if k < ps.len() {
                stack.push((x, k + 1));
                let p = ps[k];
                match marks.get(p) {
                    Some(Mark::Open) => {
                        let line = parents[x].line;
                        return Err(GedcomError::new(
                            line,
                            "FAMC",
                            format!("@{p}@ would be their own ancestor (through @{x}@)"),
                        ));
                    }
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(p, Mark::Open);
                        stack.push((p, 0));
                    }
                }
            } else {
                marks.insert(x, Mark::Done);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::gedcom::read_gedcom;

    fn file(body: &str) -> String {
        format!("0 HEAD\n1 GEDC\n2 VERS 7.0\n{body}0 TRLR\n")
    }

    #[test]
    fn only_birth_links_make_the_pedigree() {
        let text = file(
            "0 @I1@ INDI\n1 SEX M\n0 @I2@ INDI\n1 SEX F\n0 @I3@ INDI\n1 FAMC @F1@\n1 FAMC @F2@\n2 PEDI FOSTER\n\
             0 @I4@ INDI\n1 SEX M\n0 @F1@ FAM\n1 HUSB @I1@\n1 WIFE @I2@\n1 CHIL @I3@\n0 @F2@ FAM\n1 HUSB @I4@\n1 CHIL @I3@\n",
        );
        let f = read_gedcom(&text).unwrap();
        let p = f.pedigree().unwrap();
        let i3 = &p.parents["I3"];
        assert_eq!((i3.father.as_deref(), i3.mother.as_deref()), (Some("I1"), Some("I2")));
        assert_eq!(p.others.len(), 1);
        assert_eq!(
            (p.others[0].parent.as_str(), p.others[0].pedi),
            ("I4", super::Pedi::Foster)
        );
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.contains("foster link"), "{}", p.warnings[0]);
        assert_eq!(p.warnings[0].line, 10);
    }

    #[test]
    fn a_child_listed_only_by_the_family_is_a_child_by_birth_and_sex_follows_the_role() {
        let f = read_gedcom(&file(
            "0 @I1@ INDI\n0 @I2@ INDI\n0 @F1@ FAM\n1 HUSB @I1@\n1 CHIL @I2@\n",
        ))
        .unwrap();
        let p = f.pedigree().unwrap();
        assert_eq!(p.parents["I2"].father.as_deref(), Some("I1"));
        assert_eq!(p.sex(f.individual("I1").unwrap()), super::GedSex::Male);
        assert_eq!(p.warnings.len(), 1);
    }

    /// A step-father adoption recorded as an event (5.5.1 style) and a Family Tree Maker `_FREL`:
    /// the mother stays biological, the adoptive father does not.
    #[test]
    fn adoption_events_and_frel_mrel_make_one_parent_non_genetic() {
        let body =
            "0 @I1@ INDI\n1 SEX M\n0 @I2@ INDI\n1 SEX F\n0 @I3@ INDI\n1 FAMC @F1@\n1 ADOP\n2 FAMC @F1@\n3 ADOP HUSB\n\
                    0 @F1@ FAM\n1 HUSB @I1@\n1 WIFE @I2@\n1 CHIL @I3@\n";
        for text in [
            file(body),
            file(
                &body
                    .replace("1 ADOP\n2 FAMC @F1@\n3 ADOP HUSB\n", "")
                    .replace("1 CHIL @I3@\n", "1 CHIL @I3@\n2 _FREL Step\n2 _MREL Natural\n"),
            ),
        ] {
            let f = read_gedcom(&text).unwrap();
            let p = f.pedigree().unwrap();
            let i3 = &p.parents["I3"];
            assert_eq!(
                (i3.father.as_deref(), i3.mother.as_deref()),
                (None, Some("I2")),
                "{text}"
            );
            assert_eq!(p.others.len(), 1);
            assert_eq!(p.others[0].parent, "I1");
            assert_eq!(p.warnings.len(), 1);
            assert!(p.warnings[0].message.contains("(@I1@)"), "{}", p.warnings[0]);
        }
        let both = file(&body.replace("3 ADOP HUSB", "3 ADOP BOTH"));
        let p = read_gedcom(&both).unwrap().pedigree().unwrap();
        assert!(p.parents.is_empty());
        assert_eq!(p.others.len(), 2);
        assert!(
            p.warnings[0].message.contains("(@I1@, @I2@): adopted link"),
            "{}",
            p.warnings[0]
        );
        let bad = file(&body.replace("2 FAMC @F1@\n3 ADOP HUSB", "2 FAMC @F9@"));
        let e = read_gedcom(&bad).unwrap_err();
        assert_eq!((e.line, e.tag.as_str()), (11, "FAMC"));
    }

    #[test]
    fn impossible_pedigrees_name_the_link() {
        let same_sex = file(
            "0 @I1@ INDI\n1 SEX F\n0 @I2@ INDI\n1 SEX F\n0 @I3@ INDI\n1 FAMC @F1@\n0 @F1@ FAM\n1 HUSB @I1@\n1 WIFE @I2@\n1 CHIL @I3@\n",
        );
        let e = read_gedcom(&same_sex).unwrap().pedigree().unwrap_err();
        assert_eq!((e.line, e.tag.as_str()), (9, "FAMC"));
        assert!(e.message.contains("both partners of @F1@ are female"), "{e}");
        // Adopted by two women: fine, not genetic.
        let adopted = same_sex.replace("1 FAMC @F1@\n", "1 FAMC @F1@\n2 PEDI ADOPTED\n");
        assert!(read_gedcom(&adopted).unwrap().pedigree().unwrap().parents.is_empty());
        let unknown = file("0 @I1@ INDI\n1 SEX U\n0 @I2@ INDI\n0 @F1@ FAM\n1 HUSB @I1@\n1 CHIL @I2@\n");
        let e = read_gedcom(&unknown).unwrap().pedigree().unwrap_err();
        assert_eq!((e.line, e.tag.as_str()), (9, "CHIL"));
        let cycle = file(
            "0 @I1@ INDI\n1 SEX M\n1 FAMC @F2@\n0 @I2@ INDI\n1 SEX M\n1 FAMC @F1@\n0 @F1@ FAM\n1 HUSB @I1@\n0 @F2@ FAM\n1 HUSB @I2@\n",
        );
        let e = read_gedcom(&cycle).unwrap().pedigree().unwrap_err();
        assert!(e.message.contains("own ancestor"), "{e}");
        let two_fathers = file(
            "0 @I1@ INDI\n1 SEX M\n0 @I2@ INDI\n1 SEX M\n0 @I3@ INDI\n1 FAMC @F1@\n1 FAMC @F2@\n\
             0 @F1@ FAM\n1 HUSB @I1@\n0 @F2@ FAM\n1 HUSB @I2@\n",
        );
        let e = read_gedcom(&two_fathers).unwrap().pedigree().unwrap_err();
        assert_eq!(e.line, 10);
        assert!(e.message.contains("different fathers"), "{e}");
    }
}
