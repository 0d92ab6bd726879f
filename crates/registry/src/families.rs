//! Families of the missing: contact details (sensitive, read only through an audited call) and
//! members linked by father and mother, enough to describe the pedigree the matching engine needs.
//!
//! Architecture invariant: the registry does not depend on `kinship`; [`Store::family_pedigree`]
//! returns plain rows that the caller turns into `kinship::MemberSpec`s.

use std::collections::{HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::model::{
    Contacts, Family, FamilyMember, FieldError, ImportFamily, ImportSummary, NewFamily, NewMember, PedigreeRow, Sex,
};
use crate::store::{Store, StoreError};
use crate::assignments::FamilyScope;
use crate::backend::{first_existing, keep_earliest, rows_in, values_sql, Backend, Key};
use crate::audit::AuditRecord;
use crate::support::json;
use crate::support::{check_version, corrupt, duplicate, flag, not_found, record};
use crate::versioned::{row_by_id, Change};

const FAMILY_COLUMNS: &str = "id, external_id, name, liaison, version";
pub(crate) const MEMBER_COLUMNS: &str =
    "id, family_id, display_name, sex, person_id, alive, father_member_id, mother_member_id, is_missing, version";

fn family_from_row(row: &AnyRow) -> Result<Family, StoreError> {
    record("family", row)
}

pub(crate) fn member_from_row(row: &AnyRow) -> Result<FamilyMember, StoreError> {
    let sex: String = row.try_get("sex")?;
    let alive: i64 = row.try_get("alive")?;
    let is_missing: i64 = row.try_get("is_missing")?;
    Ok(FamilyMember {
        id: row.try_get("id")?,
        family_id: row.try_get("family_id")?,
        data: NewMember {
            display_name: row.try_get("display_name")?,
            sex: sex.parse().map_err(|e: String| corrupt("family member", "sex", &e))?,
            person_id: row.try_get("person_id")?,
            alive: alive != 0,
            father_member_id: row.try_get("father_member_id")?,
            mother_member_id: row.try_get("mother_member_id")?,
            is_missing: is_missing != 0,
        },
        version: row.try_get("version")?,
    })
}

/// The contact details of a row that selected them (they are read only where needed and audited).
fn contacts_from_row(row: &AnyRow) -> Result<Contacts, StoreError> {
    let text: String = row.try_get("contacts")?;
    serde_json::from_str(&text).map_err(|e| corrupt("family", "contacts", &e))
}

/// The family as the audit log sees it: the record and a hash of the contact details.
fn audit_view(family: &Family, contacts: &Contacts) -> String {
    let mut v = serde_json::to_value(family).expect("domain types serialise");
    v["contacts_sha256"] = crate::audit::sha256_hex(&json(contacts)).into();
    v.to_string()
}

/// Walks up from `start` through `parents`; true if `target` is an ancestor (or `start` itself).
fn reaches(parents: &HashMap<i64, (Option<i64>, Option<i64>)>, start: i64, target: i64) -> bool {
    let mut stack = vec![start];
    let mut seen = HashSet::new();
    while let Some(id) = stack.pop() {
        if id == target {
            return true;
        }
        if seen.insert(id) {
            if let Some((f, m)) = parents.get(&id) {
                stack.extend(f.iter().chain(m.iter()));
            }
        }
    }
    false
}

impl Store {
    pub async fn create_family(&self, actor: &str, f: &NewFamily) -> Result<Family, StoreError> {
        f.check()?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO families (external_id, name, liaison, contacts, version) VALUES ($1, $2, $3, $4, 1) RETURNING id",
        )
        .bind(f.external_id.trim())
        .bind(&f.name)
        .bind(&f.liaison)
        .bind(json(&f.contacts))
        .fetch_one(&mut *tx)
        .await
        .map_err(duplicate("family", "external_id", &f.external_id))?;
        let family = Family {
            id,
            external_id: f.external_id.trim().to_owned(),
            name: f.name.clone(),
            liaison: f.liaison.clone(),
            version: 1,
        };
        let after = audit_view(&family, &f.contacts);
        self.audit_created(&mut tx, actor, "family", family.id, &after).await?;
        if self.acts_as_liaison(&mut tx, actor).await? {
            self.insert_assignment(&mut tx, actor, family.id, actor).await?;
        }
        tx.commit().await?;
        Ok(family)
    }

    pub async fn get_family(&self, id: i64) -> Result<Option<Family>, StoreError> {
        let sql = format!("SELECT {FAMILY_COLUMNS} FROM families WHERE id = $1");
        self.one_where(&sql, id, family_from_row).await
    }

    pub async fn get_family_by_external_id(&self, external_id: &str) -> Result<Option<Family>, StoreError> {
        let sql = format!("SELECT {FAMILY_COLUMNS} FROM families WHERE external_id = $1");
        self.one_where(&sql, external_id, family_from_row).await
    }

    pub async fn list_families(&self) -> Result<Vec<Family>, StoreError> {
        let sql = format!("SELECT {FAMILY_COLUMNS} FROM families ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(family_from_row).collect()
    }

    /// The families a caller of `scope` may see (a family liaison: those assigned to them).
    pub async fn list_families_in(&self, scope: &FamilyScope) -> Result<Vec<Family>, StoreError> {
        let Some(liaison) = scope.liaison() else {
            return self.list_families().await;
        };
        let sql = format!(
            "SELECT {FAMILY_COLUMNS} FROM families WHERE id IN \
             (SELECT family_id FROM family_assignments WHERE username = $1) ORDER BY id"
        );
        let rows = sqlx::query(&sql).bind(liaison).fetch_all(&self.pool).await?;
        rows.iter().map(family_from_row).collect()
    }

    /// Replaces a family's record and contact details if nobody changed it since `expected_version`.
    pub async fn update_family(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        f: &NewFamily,
    ) -> Result<Family, StoreError> {
        f.check()?;
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {FAMILY_COLUMNS}, contacts FROM families WHERE id = $1");
        let row = row_by_id(&mut tx, &sql, "family", id).await?;
        let before = family_from_row(&row)?;
        check_version("family", id, expected_version, before.version)?;
        let old_contacts = contacts_from_row(&row)?;
        let after = Family {
            id,
            external_id: f.external_id.trim().to_owned(),
            name: f.name.clone(),
            liaison: f.liaison.clone(),
            version: expected_version + 1,
        };
        Change::new("families", "family", id, Some(expected_version))
            .set("external_id", f.external_id.trim())
            .set("name", f.name.as_str())
            .set("liaison", &f.liaison)
            .set("contacts", json(&f.contacts))
            .unique("external_id", &f.external_id)
            .run(
                self,
                &mut tx,
                actor,
                "update",
                Some(&audit_view(&before, &old_contacts)),
                &audit_view(&after, &f.contacts),
            )
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A family's contact details. The read is recorded in the audit chain, in the same transaction.
    pub async fn get_family_contacts(&self, actor: &str, id: i64) -> Result<Contacts, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = row_by_id(&mut tx, "SELECT contacts FROM families WHERE id = $1", "family", id).await?;
        let contacts = contacts_from_row(&row)?;
        self.audit(&mut tx, actor, "read", "family-contacts", &id.to_string(), None, None).await?;
        tx.commit().await?;
        Ok(contacts)
    }

    // ---- members ----

    /// Checks a member's links against the rest of the family, inside `tx` after the family row
    /// is locked: the linked person exists, parents are members of this family of the right sex,
    /// no member is their own ancestor, and (for an existing member) a sex change does not
    /// contradict the member's role as a parent.
    async fn check_member_links(
        tx: &mut Transaction<'_, Any>,
        family_id: i64,
        member_id: Option<i64>,
        m: &NewMember,
    ) -> Result<(), StoreError> {
        m.check()?;
        if let Some(person) = m.person_id {
            let found = sqlx::query("SELECT id FROM persons WHERE id = $1")
                .bind(person)
                .fetch_optional(&mut **tx)
                .await?;
            if found.is_none() {
                return Err(not_found("person", person));
            }
        }
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM family_members WHERE family_id = $1");
        let rows = sqlx::query(&sql).bind(family_id).fetch_all(&mut **tx).await?;
        let members = rows.iter().map(member_from_row).collect::<Result<Vec<_>, _>>()?;
        let by_id: HashMap<i64, &FamilyMember> = members.iter().map(|x| (x.id, x)).collect();
        for (field, parent, sex, role) in [
            ("father_member_id", m.father_member_id, Sex::Male, "father"),
            ("mother_member_id", m.mother_member_id, Sex::Female, "mother"),
        ] {
            let Some(parent) = parent else { continue };
            if Some(parent) == member_id {
                return Err(FieldError::new(field, "a member cannot be their own parent").into());
            }
            let p = by_id
                .get(&parent)
                .ok_or_else(|| FieldError::new(field, format!("member {parent} is not in this family")))?;
            if p.data.sex != sex {
                return Err(FieldError::new(
                    field,
                    format!(
                        "member {parent} is {}; a {role} must be {}",
                        p.data.sex.as_str(),
                        sex.as_str()
                    ),
                )
                .into());
            }
        }
        let Some(id) = member_id else {
            // A new member can only point at members that exist already: no cycle is possible.
            return Ok(());
        };
        for child in &members {
            if child.data.father_member_id == Some(id) && m.sex != Sex::Male {
                return Err(FieldError::new("sex", format!("member {id} is the father of member {}", child.id)).into());
            }
            if child.data.mother_member_id == Some(id) && m.sex != Sex::Female {
                return Err(FieldError::new("sex", format!("member {id} is the mother of member {}", child.id)).into());
            }
        }
        let mut parents: HashMap<i64, (Option<i64>, Option<i64>)> = members
            .iter()
            .map(|x| (x.id, (x.data.father_member_id, x.data.mother_member_id)))
            .collect();
        parents.insert(id, (m.father_member_id, m.mother_member_id));
        for (field, parent) in [
            ("father_member_id", m.father_member_id),
            ("mother_member_id", m.mother_member_id),
        ] {
            if parent.is_some_and(|p| reaches(&parents, p, id)) {
                return Err(FieldError::new(field, format!("member {id} would be their own ancestor")).into());
            }
        }
        Ok(())
    }

    /// Takes the family row's write lock (without changing it), so that member changes of one family
    /// are checked one at a time; `NotFound` if there is no such family.
    async fn lock_family(tx: &mut Transaction<'_, Any>, family_id: i64) -> Result<(), StoreError> {
        let result = sqlx::query("UPDATE families SET version = version WHERE id = $1")
            .bind(family_id)
            .execute(&mut **tx)
            .await?;
        if result.rows_affected() == 1 {
            Ok(())
        } else {
            Err(not_found("family", family_id))
        }
    }

    /// Adds a member to a family: parents must be members of this family, the father male and the
    /// mother female (a member of unknown sex is no one's parent).
    pub async fn add_member(&self, actor: &str, family_id: i64, m: &NewMember) -> Result<FamilyMember, StoreError> {
        m.check()?;
        let mut tx = self.begin_write().await?;
        Self::lock_family(&mut tx, family_id).await?;
        Self::check_member_links(&mut tx, family_id, None, m).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO family_members (family_id, display_name, sex, person_id, alive, father_member_id, \
             mother_member_id, is_missing, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id",
        )
        .bind(family_id)
        .bind(&m.display_name)
        .bind(m.sex.as_str())
        .bind(m.person_id)
        .bind(flag(m.alive))
        .bind(m.father_member_id)
        .bind(m.mother_member_id)
        .bind(flag(m.is_missing))
        .fetch_one(&mut *tx)
        .await
        .map_err(duplicate(
            "family member",
            "person_id",
            &m.person_id.map(|p| p.to_string()).unwrap_or_default(),
        ))?;
        let member = FamilyMember {
            id,
            family_id,
            data: m.clone(),
            version: 1,
        };
        self.audit_created(&mut tx, actor, "family-member", member.id, &json(&member)).await?;
        tx.commit().await?;
        Ok(member)
    }

    /// Replaces a member's data (the family stays) if nobody changed it since `expected_version`,
    /// with the same checks as [`Store::add_member`] and no cycles.
    pub async fn update_member(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        m: &NewMember,
    ) -> Result<FamilyMember, StoreError> {
        m.check()?;
        let mut tx = self.begin_write().await?;
        let family_id: i64 = sqlx::query("SELECT family_id FROM family_members WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("family member", id))?
            .try_get("family_id")?;
        Self::lock_family(&mut tx, family_id).await?;
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM family_members WHERE id = $1");
        let before = member_from_row(&sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await?)?;
        check_version("family member", id, expected_version, before.version)?;
        Self::check_member_links(&mut tx, family_id, Some(id), m).await?;
        let after = FamilyMember {
            id,
            family_id,
            data: m.clone(),
            version: expected_version + 1,
        };
        let person = m.person_id.map(|p| p.to_string()).unwrap_or_default();
        Change::new("family_members", "family member", id, Some(expected_version))
            .audited_as("family-member")
            .set("display_name", m.display_name.as_str())
            .set("sex", m.sex.as_str())
            .set("person_id", m.person_id)
            .set("alive", flag(m.alive))
            .set("father_member_id", m.father_member_id)
            .set("mother_member_id", m.mother_member_id)
            .set("is_missing", flag(m.is_missing))
            .unique("person_id", &person)
            .run(self,&mut tx, actor, "update", Some(&json(&before)), &json(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn get_member(&self, id: i64) -> Result<Option<FamilyMember>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM family_members WHERE id = $1");
        self.one_where(&sql, id, member_from_row).await
    }

    /// A family's members, by id.
    pub async fn list_members(&self, family_id: i64) -> Result<Vec<FamilyMember>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM family_members WHERE family_id = $1 ORDER BY id");
        self.all_where(&sql, family_id, member_from_row).await
    }

    /// The family's pedigree as plain rows for the matching engine: see [`PedigreeRow`].
    pub async fn family_pedigree(&self, family_id: i64) -> Result<Vec<PedigreeRow>, StoreError> {
        if self.get_family(family_id).await?.is_none() {
            return Err(not_found("family", family_id));
        }
        Ok(pedigree_rows(&self.list_members(family_id).await?))
    }
}

/// The pedigree rows of a family's members (see [`PedigreeRow`]): shared by
/// [`Store::family_pedigree`] and the advice's inputs, which read the members in their own
/// transaction.
pub(crate) fn pedigree_rows(members: &[FamilyMember]) -> Vec<PedigreeRow> {
    let mut rows = Vec::new();
    for m in members {
        let id = m.id.to_string();
        let (father, mother) = match (m.data.father_member_id, m.data.mother_member_id) {
            (None, None) => (None, None),
            (f, mo) => {
                let father = f.map_or_else(|| format!("{id}-father"), |f| f.to_string());
                let mother = mo.map_or_else(|| format!("{id}-mother"), |mo| mo.to_string());
                if f.is_none() {
                    rows.push((father.clone(), None, None, Sex::Male));
                }
                if mo.is_none() {
                    rows.push((mother.clone(), None, None, Sex::Female));
                }
                (Some(father), Some(mother))
            }
        };
        rows.push((id, father, mother, m.data.sex));
    }
    rows
}

/// The rules of [`Store::add_member`] for a whole new family, before anything is written: each
/// parent an earlier member (so no cycles), a father male and a mother female, names unique, a
/// person linked at most once. Returns each member's generation (0 without parents).
fn check_import_members(members: &[NewMember]) -> Result<Vec<usize>, FieldError> {
    let mut names = HashSet::new();
    let mut persons = HashSet::new();
    let mut level: Vec<usize> = Vec::with_capacity(members.len());
    for (k, m) in members.iter().enumerate() {
        let who = |msg: String| format!("member {k} ('{}'): {msg}", m.display_name.trim());
        m.check().map_err(|e| FieldError::new(&e.field, who(e.message)))?;
        if !names.insert(m.display_name.trim()) {
            return Err(FieldError::new(
                "display_name",
                who("another member of the family has this name".into()),
            ));
        }
        if let Some(p) = m.person_id {
            if !persons.insert(p) {
                return Err(FieldError::new(
                    "person_id",
                    who(format!("person {p} is linked to another member of the family")),
                ));
            }
        }
        let mut depth = 0;
        for (field, parent, sex, role) in [
            ("father_member_id", m.father_member_id, Sex::Male, "father"),
            ("mother_member_id", m.mother_member_id, Sex::Female, "mother"),
        ] {
            let Some(parent) = parent else { continue };
            let p = usize::try_from(parent).ok().filter(|&p| p < k).ok_or_else(|| {
                let why = if parent == k as i64 {
                    "a member cannot be their own parent".to_owned()
                } else {
                    format!("{role} {parent} is not an earlier member of the family (parents come first)")
                };
                FieldError::new(field, who(why))
            })?;
            if members[p].sex != sex {
                return Err(FieldError::new(
                    field,
                    who(format!(
                        "member {p} is {}; a {role} must be {}",
                        members[p].sex.as_str(),
                        sex.as_str()
                    )),
                ));
            }
            depth = depth.max(level[p] + 1);
        }
        level.push(depth);
    }
    Ok(level)
}

impl Store {
    /// Imports families with their members in one transaction: all of them, or none if any is
    /// rejected (the error carries the index of the first bad family). Every family and member is
    /// checked first, with the rules of [`Store::create_family`] and [`Store::add_member`] (see
    /// [`ImportFamily`] for how parents are named); then families go in multi-row INSERTs, members
    /// one generation at a time (a child needs its parents' ids), and the audit entries (the same
    /// as the per-record calls write, contacts only as a hash) are chained in memory.
    pub async fn import_families(
        &self,
        actor: &str,
        families: &[ImportFamily],
    ) -> Result<ImportSummary, (usize, StoreError)> {
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        self.write_families(&mut tx, self.backend(), actor, families).await?;
        let last = families.len();
        tx.commit().await.map_err(|e| (last, e.into()))?;
        Ok(ImportSummary {
            families: families.len(),
            members: families.iter().map(|f| f.members.len()).sum(),
        })
    }

    /// The checks and writes of [`Store::import_families`] inside `tx`, which the caller commits
    /// (so that a genealogy import adds its own records to the same transaction). Returns the
    /// registry ids of the families and of each family's members, in the order given.
    pub(crate) async fn write_families(
        &self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        actor: &str,
        families: &[ImportFamily],
    ) -> Result<(Vec<i64>, Vec<Vec<i64>>), (usize, StoreError)> {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(families.len());
        let mut levels = Vec::with_capacity(families.len());
        let mut persons: HashMap<i64, usize> = HashMap::new();
        for (i, f) in families.iter().enumerate() {
            f.family.check().map_err(|e| (i, e.into()))?;
            if seen.insert(f.family.external_id.trim(), i).is_some() {
                return Err((
                    i,
                    StoreError::Duplicate {
                        entity: "family",
                        field: "external_id",
                        value: f.family.external_id.clone(),
                    },
                ));
            }
            levels.push(check_import_members(&f.members).map_err(|e| (i, e.into()))?);
            for p in f.members.iter().filter_map(|m| m.person_id) {
                persons.entry(p).or_insert(i);
            }
        }
        // Already in the registry? Linked persons exist? The first offending family is reported.
        let mut first = first_existing(tx, backend, "families", "family", &seen)
            .await
            .map_err(|e| (0, e))?;
        let keys: Vec<Key> = persons.keys().map(|&p| Key::Int(p)).collect();
        let found: HashSet<i64> = rows_in(tx, backend, "SELECT id FROM persons WHERE id IN ({in})", &keys)
            .await
            .map_err(|e| (0, e))?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()
            .map_err(|e| (0, e.into()))?;
        for (&p, &i) in &persons {
            if !found.contains(&p) {
                keep_earliest(&mut first, i, || not_found("person", p));
            }
        }
        if let Some(e) = first {
            return Err(e);
        }
        // Families, then members generation by generation.
        let mut family_ids = vec![0i64; families.len()];
        let batch = backend.batch_rows(4);
        for (b, chunk) in families.chunks(batch).enumerate() {
            let base = b * batch;
            let sql = format!(
                "INSERT INTO families (external_id, name, liaison, contacts, version) VALUES {} \
                 RETURNING id, external_id",
                values_sql(backend, chunk.len(), 4, ", 1")
            );
            let mut q = sqlx::query(&sql);
            for f in chunk {
                let f = &f.family;
                q = q
                    .bind(f.external_id.trim())
                    .bind(&f.name)
                    .bind(&f.liaison)
                    .bind(json(&f.contacts));
            }
            let rows = q.fetch_all(&mut **tx).await.map_err(|e| (base, e.into()))?;
            for row in rows {
                let ext: String = row.try_get("external_id").map_err(|e| (base, e.into()))?;
                family_ids[seen[ext.as_str()]] = row.try_get("id").map_err(|e| (base, e.into()))?;
            }
        }
        let mut member_ids: Vec<Vec<i64>> = families.iter().map(|f| vec![0; f.members.len()]).collect();
        let mut by_level: Vec<Vec<(usize, usize)>> = Vec::new();
        for (i, level) in levels.iter().enumerate() {
            for (k, &l) in level.iter().enumerate() {
                if by_level.len() <= l {
                    by_level.resize_with(l + 1, Vec::new);
                }
                by_level[l].push((i, k));
            }
        }
        let batch = backend.batch_rows(8);
        for generation in &by_level {
            for chunk in generation.chunks(batch) {
                let base = chunk[0].0;
                let sql = format!(
                    "INSERT INTO family_members (family_id, display_name, sex, person_id, alive, father_member_id, \
                     mother_member_id, is_missing, version) VALUES {} RETURNING id, family_id, display_name",
                    values_sql(backend, chunk.len(), 8, ", 1")
                );
                let mut q = sqlx::query(&sql);
                let mut at: HashMap<(i64, &str), (usize, usize)> = HashMap::with_capacity(chunk.len());
                for &(i, k) in chunk {
                    let m = &families[i].members[k];
                    let parent = |p: Option<i64>| p.map(|p| member_ids[i][p as usize]);
                    at.insert((family_ids[i], m.display_name.as_str()), (i, k));
                    q = q
                        .bind(family_ids[i])
                        .bind(&m.display_name)
                        .bind(m.sex.as_str())
                        .bind(m.person_id)
                        .bind(flag(m.alive))
                        .bind(parent(m.father_member_id))
                        .bind(parent(m.mother_member_id))
                        .bind(flag(m.is_missing));
                }
                let rows = q.fetch_all(&mut **tx).await.map_err(|e| (base, e.into()))?;
                for row in rows {
                    let fid: i64 = row.try_get("family_id").map_err(|e| (base, e.into()))?;
                    let name: String = row.try_get("display_name").map_err(|e| (base, e.into()))?;
                    let (i, k) = at[&(fid, name.as_str())];
                    member_ids[i][k] = row.try_get("id").map_err(|e| (base, e.into()))?;
                }
            }
        }
        // The audit, as the per-record calls write it: each family, then its members.
        let mut records = Vec::new();
        for (i, f) in families.iter().enumerate() {
            let family = Family {
                id: family_ids[i],
                external_id: f.family.external_id.trim().to_owned(),
                name: f.family.name.clone(),
                liaison: f.family.liaison.clone(),
                version: 1,
            };
            records.push(AuditRecord {
                action: "create",
                entity: "family",
                entity_id: family.id.to_string(),
                before: None,
                after: Some(audit_view(&family, &f.family.contacts)),
            });
            for (k, m) in f.members.iter().enumerate() {
                let parent = |p: Option<i64>| p.map(|p| member_ids[i][p as usize]);
                let member = FamilyMember {
                    id: member_ids[i][k],
                    family_id: family.id,
                    data: NewMember {
                        father_member_id: parent(m.father_member_id),
                        mother_member_id: parent(m.mother_member_id),
                        ..m.clone()
                    },
                    version: 1,
                };
                records.push(AuditRecord {
                    action: "create",
                    entity: "family-member",
                    entity_id: member.id.to_string(),
                    before: None,
                    after: Some(json(&member)),
                });
            }
        }
        let last = families.len();
        self.audit_many(tx, actor, &records)
            .await
            .map_err(|e| (last, e))?;
        if self.acts_as_liaison(tx, actor).await.map_err(|e| (last, e))? {
            for &id in &family_ids {
                self.insert_assignment(tx, actor, id, actor).await.map_err(|e| (last, e))?;
            }
        }
        Ok((family_ids, member_ids))
    }

    /// The families with these external ids, in no particular order (a bulk look-up).
    pub async fn families_by_external_id(&self, external_ids: &[&str]) -> Result<Vec<Family>, StoreError> {
        let keys: Vec<Key> = external_ids.iter().map(|k| Key::Text(k)).collect();
        let sql = format!("SELECT {FAMILY_COLUMNS} FROM families WHERE external_id IN ({{in}})");
        let mut conn = self.pool.acquire().await?;
        rows_in(&mut conn, self.backend(), &sql, &keys)
            .await?
            .iter()
            .map(family_from_row)
            .collect()
    }

    /// The members of these families, by id (a bulk look-up).
    pub async fn members_of_families(&self, family_ids: &[i64]) -> Result<Vec<FamilyMember>, StoreError> {
        let keys: Vec<Key> = family_ids.iter().map(|&k| Key::Int(k)).collect();
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM family_members WHERE family_id IN ({{in}})");
        let mut conn = self.pool.acquire().await?;
        let mut out = rows_in(&mut conn, self.backend(), &sql, &keys)
            .await?
            .iter()
            .map(member_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|m| m.id);
        Ok(out)
    }
}
