//! `homeward import sites|families|profiles`: CSV files into the registry.
//!
//! Each file is imported in two phases. First every row is read and checked, against the rest of
//! the file and against what the registry holds already (the persons, families and members it
//! names); the first problem stops the import with the file, line and column named (exit code 2)
//! and nothing is written. Then the records are written.
//!
//! Every file is written in **one transaction** (`Store::import_sites`, `Store::import_families`,
//! `Store::import_references`): all of the file or, if anything fails (a crash, a lost connection,
//! a concurrent change), nothing.
//!
//! Records already in the registry are skipped and counted, after checking that they agree with the
//! file: sites and references by `external_id`, families by `external_id` when the registry holds
//! every member of the file (by name) as the file describes it. A family in the registry is not
//! extended: a file naming a member it lacks is refused. So re-running a file that was imported
//! writes nothing.
//!
//! All files are UTF-8 CSV with a header row; columns may come in any order, values are trimmed,
//! and an empty cell is the same as a missing column.
//!
//! **Sites** (`import sites`), one row per burial site:
//!
//! | column | meaning |
//! |---|---|
//! | `external_id` | the programme's id for the site, unique (required) |
//! | `name` | the name as recorded (required; script guessed from the letters unless `name_script` is given) |
//! | `name_script`, `name_lang` | ISO 15924 script code and language tag of `name` |
//! | `name_latin` | romanised name |
//! | `lat`, `lon` | decimal degrees, both or neither |
//! | `precision_m` | how precisely the point is known, in metres (needs `lat`/`lon`) |
//! | `status` | known (default), surveyed, inaccessible, farmland, relocated, exhumed |
//! | `estimated_count` | estimated number of people buried there |
//! | `notes` | free text |
//!
//! **Families** (`import families`), one row per family member:
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
//! ancestor.
//!
//! **Profiles** (`import profiles`), one row per reference sample given by a family member:
//!
//! | column | meaning |
//! |---|---|
//! | `external_id` | the laboratory's id for the sample, unique (required) |
//! | `family_external_id` | the donor's family, already in the registry (required) |
//! | `donor` | the donor's `member` name in that family (required) |
//! | `kit` | the typing kit, such as GlobalFiler (required) |
//! | `consent_scope` | identification-only or identification-and-research (required) |
//! | `consent_date` | YYYY, YYYY-MM or YYYY-MM-DD (required) |
//! | `y_haplotype`, `mtdna` | optional lineage profiles as text |
//! | every other column | an STR marker (the header is its name); genotypes `14/15`, `9.3`, `X/Y`, `17/-`; empty: untyped |
//!
//! Every reference needs at least one genotype (or a Y or mtDNA profile). Genotypes are written
//! to the registry, which keeps them out of the audit log (only their hash).

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::path::Path;

use anyhow::Result;
use registry::model::{Coordinates, FieldError, Name, NameKind, NewSite, PartialDate, Sex, SiteStatus};
use registry::{
    Consent, ConsentScope, ImportFamily, NewFamily, NewMember, NewReference, ReferenceProfile, Store, StrProfile,
};

use formats::{Row, Table, TableError, TableSpec};

use crate::input_error;
use crate::records::{open, runtime_for_commands, DbArg};

/// The columns of the sites file.
pub const SITE_COLUMNS: [&str; 11] = [
    "external_id",
    "name",
    "name_script",
    "name_lang",
    "name_latin",
    "lat",
    "lon",
    "precision_m",
    "status",
    "estimated_count",
    "notes",
];

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

/// The fixed columns of the profiles file; every other column is an STR marker.
pub const PROFILE_COLUMNS: [&str; 8] = [
    "external_id",
    "family_external_id",
    "donor",
    "kit",
    "consent_scope",
    "consent_date",
    "y_haplotype",
    "mtdna",
];

// ---- reading CSV ----

// The tables are read by `formats::Table` (quote-aware, header checked); its errors are bad input
// (exit code 2: `crate::error::is_bad_input`).

/// Reads `path` (UTF-8) as a CSV table: header names unique and not empty, the `required` columns
/// present, and (unless `known` is `None`) every column one of `known`.
fn read_table(path: &Path, known: Option<&[&str]>, required: &[&str]) -> Result<Table> {
    let text = crate::text_file::read_utf8(path)?;
    Ok(Table::read(&text, &TableSpec::csv(&path.display().to_string(), known, required))?)
}

/// As [`read_table`], from a file's text; `label` names it in errors.
fn table_of(label: &str, text: &str, known: Option<&[&str]>, required: &[&str]) -> Result<Table> {
    Ok(Table::read(text, &TableSpec::csv(label, known, required))?)
}

fn cell_error(path: &str, line: u64, column: &str, message: impl Display) -> anyhow::Error {
    input_error!("{path}: line {line}, column '{column}': {message}")
}

/// A [`FieldError`] from a registry parser, its field taken as the column name.
fn field_error(row: &Row<'_>, e: FieldError) -> TableError {
    row.error(&e.field, e.message)
}

/// Rejects a second row with the same key, naming both lines.
fn unique_key(seen: &mut HashMap<String, u64>, row: &Row<'_>, column: &str, key: &str) -> Result<()> {
    if let Some(first) = seen.insert(key.to_owned(), row.line) {
        return Err(row.error(column, format!("'{key}' is also on line {first}")).into());
    }
    Ok(())
}

/// What happened in the write phase, for the summary line and the error after a partial write.
pub(crate) fn write_failure(path: &str, line: u64, e: registry::StoreError) -> anyhow::Error {
    let advice = "nothing was written (the file is imported in one transaction)";
    match e {
        e @ (registry::StoreError::Invalid(_)
        | registry::StoreError::Duplicate { .. }
        | registry::StoreError::NotFound { .. }) => input_error!("{path}: line {line}: {e}; {advice}"),
        other => anyhow::Error::new(other).context(format!("{path}: line {line}: writing failed; {advice}")),
    }
}

// ---- sites ----

fn site_from_row(row: &Row<'_>) -> Result<NewSite> {
    let external_id = row.required("external_id")?;
    let text = row.required("name")?;
    let script = row.get("name_script").unwrap_or_else(|| Name::guess_script(text));
    let fix_field = |e: FieldError| match e.field.as_str() {
        "script" => row.error("name_script", e.message),
        "lang" => row.error("name_lang", e.message),
        _ => field_error(row, e),
    };
    let mut names = vec![Name::new(text, script, row.get("name_lang"), NameKind::Primary).map_err(fix_field)?];
    if let Some(latin) = row.get("name_latin") {
        names.push(
            Name::new(latin, "Latn", None, NameKind::Transliteration)
                .map_err(|e| row.error("name_latin", e.message))?,
        );
    }
    let precision = row.number("precision_m")?;
    let coordinates = match (row.number("lat")?, row.number("lon")?) {
        (Some(lat), Some(lon)) => Some(Coordinates::new(lat, lon, precision).map_err(|e| field_error(row, e))?),
        (None, None) => {
            if precision.is_some() {
                return Err(row.error("precision_m", "is given without lat and lon").into());
            }
            None
        }
        (Some(_), None) => return Err(row.error("lon", "is needed with lat").into()),
        (None, Some(_)) => return Err(row.error("lat", "is needed with lon").into()),
    };
    let estimated_count = row
        .get("estimated_count")
        .map(|v| {
            v.parse::<u32>()
                .map_err(|_| row.error("estimated_count", format!("'{v}' is not a whole number of people")))
        })
        .transpose()?;
    let site = NewSite {
        external_id: external_id.to_owned(),
        names,
        coordinates,
        status: row.parse::<SiteStatus>("status")?.unwrap_or(SiteStatus::Known),
        estimated_count,
        notes: row.get("notes").map(str::to_owned),
    };
    site.check().map_err(|e| field_error(row, e))?;
    Ok(site)
}

/// Reads and checks a sites file: the sites and the line each came from.
pub fn read_sites(path: &Path) -> Result<Vec<(u64, NewSite)>> {
    sites_of(&read_table(path, Some(&SITE_COLUMNS), SITE_REQUIRED)?)
}

/// As [`read_sites`], for a file's text; `label` names it in errors.
pub fn parse_sites(label: &str, text: &str) -> Result<Vec<(u64, NewSite)>> {
    sites_of(&table_of(label, text, Some(&SITE_COLUMNS), SITE_REQUIRED)?)
}

const SITE_REQUIRED: &[&str] = &["external_id", "name"];
const FAMILY_REQUIRED: &[&str] = &["family_external_id", "member"];
const PROFILE_REQUIRED: &[&str] = PROFILE_COLUMNS.split_at(6).0;

fn sites_of(table: &Table) -> Result<Vec<(u64, NewSite)>> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for row in table.rows() {
        let site = site_from_row(&row)?;
        unique_key(&mut seen, &row, "external_id", site.external_id.trim())?;
        out.push((row.line, site));
    }
    Ok(out)
}

async fn import_sites(store: &Store, path: &str, actor: &str, sites: &[(u64, NewSite)]) -> Result<()> {
    let existing: HashSet<String> = store
        .list_sites()
        .await?
        .into_iter()
        .map(|s| s.data.external_id.trim().to_owned())
        .collect();
    let (fresh, lines): (Vec<NewSite>, Vec<u64>) = sites
        .iter()
        .filter(|(_, site)| !existing.contains(site.external_id.trim()))
        .map(|(line, site)| (site.clone(), *line))
        .unzip();
    let skipped = sites.len() - fresh.len();
    let written = store
        .import_sites(actor, &fresh)
        .await
        .map_err(|(i, e)| write_failure(path, lines.get(i).copied().unwrap_or(0), e))?;
    eprintln!("{written} sites imported, {skipped} skipped (external_id already in the registry)");
    Ok(())
}

// ---- families ----

/// One row of a families file, checked on its own.
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
#[derive(Debug, Clone)]
pub struct FamilyRows {
    external_id: String,
    name: String,
    first_line: u64,
    members: Vec<MemberRow>,
}

/// Reads and checks the text of a families file (`label` names it in errors): the families in the
/// order they first appear, each with its members in an order where parents come before their
/// children. The registry is not consulted.
pub fn parse_families(label: &str, text: &str) -> Result<Vec<FamilyRows>> {
    read_families(&table_of(label, text, Some(&FAMILY_COLUMNS), FAMILY_REQUIRED)?)
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
            return Err(row.error("family_external_id", "must be 1–200 characters").into());
        }
        let name = row.required("member")?;
        if name.chars().count() > 500 {
            return Err(row.error("member", "is longer than 500 characters").into());
        }
        if let Some(first) = members_seen.insert((family.to_owned(), name.to_owned()), row.line) {
            return Err(row.error(
                "member",
                format!("'{name}' is also on line {first} (member names are unique within a family)"),
            ).into());
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
                return Err(row.error(column, "a member cannot be their own parent").into());
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
                    ).into());
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
                table.label(),
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
            .map_err(|e| cell_error(table.label(), name_line, "family_name", e.message))?;
        let members = parents_first(table.label(), &id, rows)?;
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

/// A family of the file that the registry does not hold yet, ready for the batched import.
struct FamilyPlan {
    /// The line of the family's first row.
    first_line: u64,
    import: ImportFamily,
}

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

/// A refusal of the batched write: nothing was written.
fn batch_failure(path: &str, line: u64, e: registry::StoreError) -> anyhow::Error {
    let note = "nothing was written (the file is imported in one transaction)";
    match e {
        e @ (registry::StoreError::Invalid(_)
        | registry::StoreError::Duplicate { .. }
        | registry::StoreError::NotFound { .. }) => input_error!("{path}: line {line}: {e}; {note}"),
        other => anyhow::Error::new(other).context(format!("{path}: line {line}: writing failed; {note}")),
    }
}

async fn import_families(
    store: &Store,
    path: &str,
    actor: &str,
    (plans, families_skipped, members_skipped): (Vec<FamilyPlan>, usize, usize),
) -> Result<()> {
    let lines: Vec<u64> = plans.iter().map(|p| p.first_line).collect();
    let batch: Vec<ImportFamily> = plans.into_iter().map(|p| p.import).collect();
    let summary = store.import_families(actor, &batch).await.map_err(|(i, e)| {
        let line = lines.get(i).copied().unwrap_or(0);
        batch_failure(path, line, e)
    })?;
    eprintln!(
        "{} families and {} members imported; {families_skipped} families and {members_skipped} members skipped \
         (already in the registry)",
        summary.families, summary.members
    );
    Ok(())
}

// ---- profiles ----

/// One row of a profiles file, checked on its own.
#[derive(Debug, Clone)]
pub struct ProfileRow {
    line: u64,
    family: String,
    donor: String,
    reference: NewReference,
}

/// Reads and checks the text of a profiles file (`label` names it in errors), row by row; the
/// registry is not consulted.
pub fn parse_profiles(label: &str, text: &str) -> Result<Vec<ProfileRow>> {
    read_profiles(&table_of(label, text, None, PROFILE_REQUIRED)?)
}

fn read_profiles(table: &Table) -> Result<Vec<ProfileRow>> {
    let markers: Vec<&str> = table
        .headers()
        .iter()
        .map(String::as_str)
        .filter(|h| !PROFILE_COLUMNS.contains(h))
        .collect();
    for m in &markers {
        StrProfile::new([(*m, "1")]).map_err(|e| cell_error(table.label(), 1, m, e.message))?;
    }
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for row in table.rows() {
        let external_id = row.required("external_id")?;
        unique_key(&mut seen, &row, "external_id", external_id)?;
        let genotypes: Vec<(&str, &str)> = markers.iter().filter_map(|m| Some((*m, row.get(m)?))).collect();
        let str_profile = StrProfile::new(genotypes.iter().copied()).map_err(|e| {
            // Name the column of the bad genotype.
            genotypes
                .iter()
                .find_map(|(m, g)| StrProfile::new([(*m, *g)]).err().map(|e| row.error(m, e.message)))
                .unwrap_or_else(|| field_error(&row, e))
        })?;
        let profile = ReferenceProfile {
            str_profile,
            y_haplotype: row.get("y_haplotype").map(str::to_owned),
            mtdna: row.get("mtdna").map(str::to_owned),
        };
        if let Err(e) = profile.check() {
            return Err(match e.field.as_str() {
                "profile" => {
                    let columns = match (markers.first(), markers.last()) {
                        (Some(first), Some(last)) if first != last => format!("columns '{first}'…'{last}'"),
                        (Some(only), _) => format!("column '{only}'"),
                        _ => "no marker columns".to_owned(),
                    };
                    input_error!(
                        "{}: line {}, {columns}: no genotype given; a reference needs STR genotypes, a Y haplotype \
                         or an mtDNA profile",
                        table.label(),
                        row.line
                    )
                }
                _ => field_error(&row, e).into(),
            });
        }
        let reference = NewReference {
            external_id: external_id.to_owned(),
            donor_member_id: 0,
            kit: row.required("kit")?.to_owned(),
            profile,
            consent: Consent {
                scope: row
                    .parse::<ConsentScope>("consent_scope")?
                    .ok_or_else(|| row.error("consent_scope", "is empty"))?,
                date: row
                    .parse::<PartialDate>("consent_date")?
                    .ok_or_else(|| row.error("consent_date", "is empty"))?,
            },
        };
        reference.check().map_err(|e| field_error(&row, e))?;
        out.push(ProfileRow {
            line: row.line,
            family: row.required("family_external_id")?.to_owned(),
            donor: row.required("donor")?.to_owned(),
            reference,
        });
    }
    Ok(out)
}

/// Resolves families and donors in the registry and drops the references it holds already (after
/// checking they belong to the same donor). Reads only, with bulk look-ups; returns the references
/// to write and how many were skipped.
async fn plan_profiles(store: &Store, path: &str, rows: Vec<ProfileRow>) -> Result<(Vec<ProfileRow>, usize)> {
    let ids: Vec<&str> = rows.iter().map(|r| r.reference.external_id.trim()).collect();
    let existing: HashMap<String, registry::Reference> = store
        .references_by_external_id(&ids)
        .await?
        .into_iter()
        .map(|r| (r.external_id.trim().to_owned(), r))
        .collect();
    let mut wanted: Vec<&str> = rows.iter().map(|r| r.family.as_str()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let families: HashMap<String, i64> = store
        .families_by_external_id(&wanted)
        .await?
        .into_iter()
        .map(|f| (f.external_id.trim().to_owned(), f.id))
        .collect();
    let family_ids: Vec<i64> = families.values().copied().collect();
    // (family id, member name) → the ids of the members with that name.
    let mut members: HashMap<(i64, String), Vec<i64>> = HashMap::new();
    for m in store.members_of_families(&family_ids).await? {
        members
            .entry((m.family_id, m.data.display_name.trim().to_owned()))
            .or_default()
            .push(m.id);
    }
    let mut out = Vec::new();
    let mut skipped = 0;
    for mut row in rows {
        let family_id = *families.get(row.family.as_str()).ok_or_else(|| {
            cell_error(
                path,
                row.line,
                "family_external_id",
                format!("no family '{}' in the registry (import families first)", row.family),
            )
        })?;
        let donor = match members.get(&(family_id, row.donor.clone())).map(Vec::as_slice) {
            Some([d]) => *d,
            None | Some([]) => {
                return Err(cell_error(
                    path,
                    row.line,
                    "donor",
                    format!("family {} has no member '{}' in the registry", row.family, row.donor),
                ))
            }
            Some(_) => {
                return Err(cell_error(
                    path,
                    row.line,
                    "donor",
                    format!("family {} has several members named '{}'", row.family, row.donor),
                ))
            }
        };
        if let Some(r) = existing.get(row.reference.external_id.trim()) {
            if r.family_id != family_id || r.donor_member_id != donor {
                return Err(cell_error(
                    path,
                    row.line,
                    "external_id",
                    format!(
                        "reference '{}' is in the registry already, for another donor",
                        row.reference.external_id
                    ),
                ));
            }
            skipped += 1;
            continue;
        }
        row.reference.donor_member_id = donor;
        out.push(row);
    }
    Ok((out, skipped))
}

async fn import_profiles(store: &Store, path: &str, actor: &str, rows: Vec<ProfileRow>, skipped: usize) -> Result<()> {
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    let batch: Vec<NewReference> = rows.into_iter().map(|r| r.reference).collect();
    let written = store.import_references(actor, &batch).await.map_err(|(i, e)| {
        let line = lines.get(i).copied().unwrap_or(0);
        batch_failure(path, line, e)
    })?;
    eprintln!("{written} references imported, {skipped} skipped (external_id already in the registry)");
    Ok(())
}

// ---- commands ----

/// What to import.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Sites,
    Families,
    Profiles,
}

/// `homeward import sites|families|profiles FILE`: check every row, then write.
pub fn run(kind: Kind, file: &Path, db: &DbArg, actor: &str) -> Result<()> {
    let path = file.display().to_string();
    match kind {
        Kind::Sites => {
            let sites = read_sites(file)?;
            with_store(
                db,
                |store| async move { import_sites(&store, &path, actor, &sites).await },
            )
        }
        Kind::Families => {
            // The table is dropped once read: only the checked records are kept for the write.
            let families = read_families(&read_table(file, Some(&FAMILY_COLUMNS), FAMILY_REQUIRED)?)?;
            with_store(db, |store| async move {
                let plans = plan_families(&store, &path, families).await?;
                import_families(&store, &path, actor, plans).await
            })
        }
        Kind::Profiles => {
            let rows = read_profiles(&read_table(file, None, PROFILE_REQUIRED)?)?;
            with_store(db, |store| async move {
                let (rows, skipped) = plan_profiles(&store, &path, rows).await?;
                import_profiles(&store, &path, actor, rows, skipped).await
            })
        }
    }
}

/// Opens the store, runs `f`, and closes the store whatever `f` returned.
pub(crate) fn with_store<F, Fut>(db: &DbArg, f: F) -> Result<()>
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    runtime_for_commands()?.block_on(async {
        let store = open(db).await?;
        let result = f(store.clone()).await;
        store.close().await;
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, text: &str, known: Option<&[&str]>, required: &[&str]) -> Result<Table> {
        table_of(&format!("{name}.csv"), text, known, required)
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

    #[test]
    fn a_header_cell_left_empty_is_named_by_its_position() {
        // Found by fuzzing: the error named no column.
        let e = parse_sites("sites.csv", "external_id,name,,lat\nS1,x,,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sites.csv: line 1, column 3: the column has no name"), "{e}");
        let e = parse_profiles("p.csv", " ,external_id\n").unwrap_err().to_string();
        assert!(e.contains("line 1, column 1:"), "{e}");
    }
}
