//! `import families`: families and their members from a CSV file, one row per family member:
//!
//! | column | meaning |
//! |---|---|
//! | `family_external_id` | the programme's id for the family (required) |
//! | `family_name` | the family's name (required on at least one of its rows; all given must agree) |
//! | `member` | the member's name, unique within the family (required) |
//! | `sex` | male, female or unknown (also m/f/u, 1/2/0; default unknown) |
//! | `father`, `mother` | the `member` name of a parent in the same family (a father male, a mother female) |
//! | `is_missing` | yes/no (default no): the missing person the family is looking for |
//! | `person_external_id` | the registry person this member is (import persons first) |
//! | `alive` | yes/no (default: no for a missing member, yes otherwise) |
//!
//! Rows may come in any order: parents are created before their children. No one may be their own
//! ancestor. Families already in the registry are skipped when it holds every member of the file
//! (by name) as the file describes it; a family in the registry is not extended: a file naming a
//! member it lacks is refused.

use std::collections::{HashMap, HashSet};
#[cfg(feature = "store")]
use std::fmt;

use anyhow::Result;
use registry::model::Sex;
use registry::NewFamily;
#[cfg(feature = "store")]
use registry::{ImportFamily, NewMember, Store};

use super::table::{cell_error, Table};
use super::Import;
#[cfg(feature = "store")]
use super::{batch_write_failure, IntoRegistry};

/// The columns of the families file.
pub const FAMILY_COLUMNS: [&str; 9] = [
    "family_external_id",
    "family_name",
    "member",
    "sex",
    "father",
    "mother",
    "is_missing",
    "person_external_id",
    "alive",
];

/// One row of a families file, checked on its own.
// Without `store` the checked rows are only checked, never planned: their fields go unread.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
#[derive(Debug, Clone)]
struct MemberRow {
    line: u64,
    name: String,
    sex: Sex,
    father: Option<String>,
    mother: Option<String>,
    is_missing: bool,
    alive: bool,
    person: Option<String>,
}

/// A family of a families file: its rows, parents before children.
// Without `store` the checked rows are only checked, never planned: their fields go unread.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
#[derive(Debug, Clone)]
pub struct FamilyRows {
    external_id: String,
    name: String,
    first_line: u64,
    members: Vec<MemberRow>,
}

/// Reads and checks a families file: the families in the order they first appear, each with its
/// members in an order where parents come before their children.
fn read_families(table: &Table) -> Result<Vec<FamilyRows>> {
    /// A family while its rows are read: its name and the line that gave it, its first line, rows.
    struct Draft {
        name: Option<(String, u64)>,
        first_line: u64,
        rows: Vec<MemberRow>,
    }
    let mut order: Vec<String> = Vec::new();
    let mut families: HashMap<String, Draft> = HashMap::new();
    let mut members_seen: HashMap<(String, String), u64> = HashMap::new();
    for row in table.rows() {
        let family = row.required("family_external_id")?;
        if family.len() > 200 {
            return Err(row.error("family_external_id", "must be 1–200 characters"));
        }
        let name = row.required("member")?;
        if name.chars().count() > 500 {
            return Err(row.error("member", "is longer than 500 characters"));
        }
        if let Some(first) = members_seen.insert((family.to_owned(), name.to_owned()), row.line) {
            return Err(row.error(
                "member",
                format!("'{name}' is also on line {first} (member names are unique within a family)"),
            ));
        }
        let is_missing = row.flag("is_missing")?.unwrap_or(false);
        let member = MemberRow {
            line: row.line,
            name: name.to_owned(),
            sex: row.parse::<Sex>("sex")?.unwrap_or(Sex::Unknown),
            father: row.get("father").map(str::to_owned),
            mother: row.get("mother").map(str::to_owned),
            is_missing,
            alive: row.flag("alive")?.unwrap_or(!is_missing),
            person: row.get("person_external_id").map(str::to_owned),
        };
        for (column, parent) in [("father", &member.father), ("mother", &member.mother)] {
            if parent.as_deref() == Some(name) {
                return Err(row.error(column, "a member cannot be their own parent"));
            }
        }
        let entry = families.entry(family.to_owned()).or_insert_with(|| {
            order.push(family.to_owned());
            Draft {
                name: None,
                first_line: row.line,
                rows: Vec::new(),
            }
        });
        if let Some(family_name) = row.get("family_name") {
            match &entry.name {
                Some((known, line)) if known != family_name => {
                    return Err(row.error(
                        "family_name",
                        format!("'{family_name}' differs from '{known}' on line {line} for family {family}"),
                    ));
                }
                Some(_) => {}
                None => entry.name = Some((family_name.to_owned(), row.line)),
            }
        }
        entry.rows.push(member);
    }
    let mut out = Vec::new();
    for id in order {
        let Draft { name, first_line, rows } = families.remove(&id).expect("every id in order has rows");
        let Some((name, name_line)) = name else {
            return Err(cell_error(
                &table.path,
                first_line,
                "family_name",
                format!("family {id} has no name on any of its rows"),
            ));
        };
        let family = NewFamily {
            external_id: id.clone(),
            name: name.clone(),
            liaison: None,
            contacts: Default::default(),
        };
        family
            .check()
            .map_err(|e| cell_error(&table.path, name_line, "family_name", e.message))?;
        let members = parents_first(&table.path, &id, rows)?;
        out.push(FamilyRows {
            external_id: id,
            name,
            first_line,
            members,
        });
    }
    Ok(out)
}

/// Checks the parent links of one family (parents are members, of the right sex, no cycles) and
/// orders the members so that parents come before their children.
fn parents_first(path: &str, family: &str, rows: Vec<MemberRow>) -> Result<Vec<MemberRow>> {
    let by_name: HashMap<&str, &MemberRow> = rows.iter().map(|m| (m.name.as_str(), m)).collect();
    for m in &rows {
        for (column, parent, sex) in [("father", &m.father, Sex::Male), ("mother", &m.mother, Sex::Female)] {
            let Some(parent) = parent else { continue };
            let Some(p) = by_name.get(parent.as_str()) else {
                return Err(cell_error(
                    path,
                    m.line,
                    column,
                    format!("'{parent}' is not a member of family {family} in this file"),
                ));
            };
            if p.sex != sex {
                return Err(cell_error(
                    path,
                    m.line,
                    column,
                    format!(
                        "'{parent}' is {} (line {}); a {column} must be {}",
                        p.sex.as_str(),
                        p.line,
                        sex.as_str()
                    ),
                ));
            }
        }
    }
    // Kahn's algorithm, keeping the file's order among members that are ready.
    let mut done: HashSet<&str> = HashSet::new();
    let mut ordered: Vec<usize> = Vec::new();
    loop {
        let before = ordered.len();
        for (i, m) in rows.iter().enumerate() {
            if done.contains(m.name.as_str()) {
                continue;
            }
            let ready = [&m.father, &m.mother]
                .into_iter()
                .all(|p| p.as_deref().is_none_or(|p| done.contains(p)));
            if ready {
                done.insert(m.name.as_str());
                ordered.push(i);
            }
        }
        if ordered.len() == rows.len() {
            break;
        }
        if ordered.len() == before {
            // Walk up through parents not yet placed until a member comes round again: it is on
            // a cycle.
            let mut m = rows
                .iter()
                .find(|m| !done.contains(m.name.as_str()))
                .expect("some member is left");
            let mut walked: Vec<(&str, &str)> = Vec::new();
            loop {
                let (column, parent) = [("father", &m.father), ("mother", &m.mother)]
                    .into_iter()
                    .find_map(|(c, p)| p.as_deref().filter(|p| !done.contains(p)).map(|p| (c, p)))
                    .expect("a member not placed has a parent not placed");
                if let Some(&(_, column)) = walked.iter().find(|(name, _)| *name == m.name) {
                    return Err(cell_error(
                        path,
                        m.line,
                        column,
                        format!("'{}' of family {family} would be their own ancestor", m.name),
                    ));
                }
                walked.push((m.name.as_str(), column));
                m = by_name[parent];
            }
        }
    }
    let mut rows: Vec<Option<MemberRow>> = rows.into_iter().map(Some).collect();
    Ok(ordered
        .into_iter()
        .map(|i| rows[i].take().expect("each index once"))
        .collect())
}

#[cfg(feature = "store")]
/// A family of the file that the registry does not hold yet, ready for the batched import.
#[derive(Debug)]
struct FamilyPlan {
    /// The line of the family's first row.
    first_line: u64,
    import: ImportFamily,
}

#[cfg(feature = "store")]
/// Checks the families against the registry (linked persons exist; families already there hold
/// every member of the file, in agreement with it) and plans the writes: the families to import,
/// and how many families and members are skipped because the registry has them. Reads only, with
/// bulk look-ups.
async fn plan_families(
    store: &Store,
    path: &str,
    families: Vec<FamilyRows>,
) -> Result<(Vec<FamilyPlan>, usize, usize)> {
    let externals: Vec<&str> = families
        .iter()
        .flat_map(|f| f.members.iter().filter_map(|m| m.person.as_deref()))
        .collect();
    let persons = store.person_ids_by_external_id(&externals).await?;
    let ids: Vec<&str> = families.iter().map(|f| f.external_id.as_str()).collect();
    let stored_families: HashMap<String, registry::Family> = store
        .families_by_external_id(&ids)
        .await?
        .into_iter()
        .map(|f| (f.external_id.trim().to_owned(), f))
        .collect();
    let stored_ids: Vec<i64> = stored_families.values().map(|f| f.id).collect();
    let mut stored_members: HashMap<i64, Vec<registry::FamilyMember>> = HashMap::new();
    for m in store.members_of_families(&stored_ids).await? {
        stored_members.entry(m.family_id).or_default().push(m);
    }
    let (mut plans, mut families_skipped, mut members_skipped) = (Vec::new(), 0usize, 0usize);
    for rows in families {
        // Persons by external id, and each at most once per family.
        let mut person_ids: HashMap<&str, Option<i64>> = HashMap::new();
        let mut linked: HashMap<i64, &str> = HashMap::new();
        for m in &rows.members {
            let Some(ext) = &m.person else {
                person_ids.insert(&m.name, None);
                continue;
            };
            let id = *persons.get(ext.as_str()).ok_or_else(|| {
                cell_error(
                    path,
                    m.line,
                    "person_external_id",
                    format!("no person with external id '{ext}' in the registry (import persons first)"),
                )
            })?;
            if let Some(other) = linked.insert(id, &m.name) {
                return Err(cell_error(
                    path,
                    m.line,
                    "person_external_id",
                    format!("person '{ext}' is already linked to member '{other}' of this family"),
                ));
            }
            person_ids.insert(&m.name, Some(id));
        }
        let Some(family) = stored_families.get(rows.external_id.as_str()) else {
            let position: HashMap<&str, i64> = rows
                .members
                .iter()
                .enumerate()
                .map(|(k, m)| (m.name.as_str(), k as i64))
                .collect();
            let members = rows
                .members
                .iter()
                .map(|m| NewMember {
                    display_name: m.name.clone(),
                    sex: m.sex,
                    person_id: person_ids[m.name.as_str()],
                    alive: m.alive,
                    father_member_id: m.father.as_deref().map(|f| position[f]),
                    mother_member_id: m.mother.as_deref().map(|f| position[f]),
                    is_missing: m.is_missing,
                })
                .collect();
            plans.push(FamilyPlan {
                first_line: rows.first_line,
                import: ImportFamily {
                    family: NewFamily {
                        external_id: rows.external_id.clone(),
                        name: rows.name.clone(),
                        liaison: None,
                        contacts: Default::default(),
                    },
                    members,
                },
            });
            continue;
        };
        // In the registry already: skipped, once every member of the file is found there as the
        // file describes it.
        let stored = stored_members.get(&family.id).map(Vec::as_slice).unwrap_or_default();
        let name_of: HashMap<i64, &str> = stored.iter().map(|s| (s.id, s.data.display_name.as_str())).collect();
        let mut by_name: HashMap<&str, Vec<&registry::FamilyMember>> = HashMap::new();
        for s in stored {
            by_name.entry(s.data.display_name.trim()).or_default().push(s);
        }
        let mut in_file: Vec<&MemberRow> = rows.members.iter().collect();
        in_file.sort_by_key(|m| m.line);
        for m in in_file {
            let person = person_ids[m.name.as_str()];
            match by_name.get(m.name.as_str()).map(Vec::as_slice) {
                None | Some([]) => {
                    return Err(cell_error(
                        path,
                        m.line,
                        "member",
                        format!(
                            "family {} is in the registry without member '{}'; an import skips the families \
                             the registry has and does not extend them (add members through the API)",
                            rows.external_id, m.name
                        ),
                    ));
                }
                Some([s]) => {
                    let parent = |id: Option<i64>| id.and_then(|id| name_of.get(&id).copied());
                    let differs = if s.data.sex != m.sex {
                        Some(("sex", s.data.sex.as_str().to_owned()))
                    } else if parent(s.data.father_member_id) != m.father.as_deref() {
                        Some(("father", parent(s.data.father_member_id).unwrap_or("none").to_owned()))
                    } else if parent(s.data.mother_member_id) != m.mother.as_deref() {
                        Some(("mother", parent(s.data.mother_member_id).unwrap_or("none").to_owned()))
                    } else if s.data.person_id != person {
                        Some((
                            "person_external_id",
                            match s.data.person_id {
                                Some(_) => "another person".to_owned(),
                                None => "none".to_owned(),
                            },
                        ))
                    } else {
                        None
                    };
                    if let Some((column, theirs)) = differs {
                        return Err(cell_error(
                            path,
                            m.line,
                            column,
                            format!(
                                "member '{}' of family {} is in the registry with {column} {theirs}",
                                m.name, rows.external_id
                            ),
                        ));
                    }
                }
                Some(_) => {
                    return Err(cell_error(
                        path,
                        m.line,
                        "member",
                        format!(
                            "family {} has several members named '{}' in the registry",
                            rows.external_id, m.name
                        ),
                    ));
                }
            }
        }
        families_skipped += 1;
        members_skipped += rows.members.len();
    }
    Ok((plans, families_skipped, members_skipped))
}

const FAMILY_REQUIRED: &[&str] = &["family_external_id", "member"];

/// The families CSV import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Families;

#[cfg(feature = "store")]
/// The families the registry lacks, and how many families and members it has already.
#[derive(Debug)]
pub struct FamiliesPlan {
    fresh: Vec<FamilyPlan>,
    families_skipped: usize,
    members_skipped: usize,
}

#[cfg(feature = "store")]
/// What was written and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamiliesWritten {
    pub families: usize,
    pub members: usize,
    pub families_skipped: usize,
    pub members_skipped: usize,
}

#[cfg(feature = "store")]
impl fmt::Display for FamiliesWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} families and {} members imported; {} families and {} members skipped (already in the registry)",
            self.families, self.members, self.families_skipped, self.members_skipped
        )
    }
}

impl Import for Families {
    /// The families in the order they first appear, each with its members in an order where
    /// parents come before their children.
    type Checked = Vec<FamilyRows>;

    fn check(&self, label: &str, text: &str) -> Result<Vec<FamilyRows>> {
        read_families(&Table::parse(label, text, Some(&FAMILY_COLUMNS), FAMILY_REQUIRED)?)
    }
}

#[cfg(feature = "store")]
impl IntoRegistry for Families {
    type Plan = FamiliesPlan;
    type Written = FamiliesWritten;

    async fn plan(&self, store: &Store, label: &str, families: Vec<FamilyRows>) -> Result<FamiliesPlan> {
        let (fresh, families_skipped, members_skipped) = plan_families(store, label, families).await?;
        Ok(FamiliesPlan {
            fresh,
            families_skipped,
            members_skipped,
        })
    }

    async fn write(&self, store: &Store, label: &str, actor: &str, plan: FamiliesPlan) -> Result<FamiliesWritten> {
        let lines: Vec<u64> = plan.fresh.iter().map(|p| p.first_line).collect();
        let batch: Vec<ImportFamily> = plan.fresh.into_iter().map(|p| p.import).collect();
        let summary = store
            .import_families(actor, &batch)
            .await
            .map_err(batch_write_failure(label, &lines))?;
        Ok(FamiliesWritten {
            families: summary.families,
            members: summary.members,
            families_skipped: plan.families_skipped,
            members_skipped: plan.members_skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, text: &str, known: Option<&[&str]>, required: &[&str]) -> Result<Table> {
        Table::parse(&format!("{name}.csv"), text, known, required)
    }

    #[test]
    fn members_are_ordered_parents_first() {
        let t = table(
            "order",
            "family_external_id,family_name,member,sex,father,mother\n\
             F1,Yamada,child,f,dad,mum\nF1,,dad,m,grandad,\nF1,,mum,f,,\nF1,,grandad,m,,\n",
            Some(&FAMILY_COLUMNS),
            &["family_external_id", "member"],
        )
        .unwrap();
        let families = read_families(&t).unwrap();
        let names: Vec<&str> = families[0].members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["mum", "grandad", "dad", "child"]);
    }

    #[test]
    fn a_cycle_names_a_member_and_its_parent_column() {
        let t = table(
            "cycle",
            "family_external_id,family_name,member,sex,father\nF1,Y,a,m,b\nF1,Y,b,m,a\n",
            Some(&FAMILY_COLUMNS),
            &["family_external_id", "member"],
        )
        .unwrap();
        let e = read_families(&t).unwrap_err().to_string();
        assert!(
            e.contains("line 2, column 'father'") && e.contains("own ancestor"),
            "{e}"
        );
    }
}
