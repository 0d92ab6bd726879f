//! Record seals: each audit entry that changes a record carries the SHA-256 of the record's whole
//! content as the change left it (`audit.content_hash`, inside the entry's hash and so under its
//! signature). A row changed, inserted or deleted by hand, with no audit entry, then disagrees with
//! its last entry, which [`Store::verify_records`] finds and names.
//!
//! The content is every column but the derived ones, NULLs left out (so that a migration adding a
//! nullable column changes no seal), as a JSON object, with the rows of the record's dependent
//! tables (an identification's reviews). Entries written before migration 0015 carry no seal; a
//! record whose last change predates it is not checked until it changes again.

use std::collections::{BTreeMap, HashMap};

use sqlx::any::AnyRow;
use sqlx::{Any, Column, Row, Transaction};

use crate::audit::sha256_hex;
use crate::backend::{rows_in, Key};
use crate::store::{Store, StoreError};

/// A kind of record whose content the audit log seals.
#[derive(Debug)]
pub(crate) struct Sealed {
    /// The audit entities that name it (by its id).
    pub entities: &'static [&'static str],
    pub table: &'static str,
    /// Columns derived from the others (search keys), left out of the content.
    pub derived: &'static [&'static str],
    /// Dependent tables and the column naming the record: their rows are part of its content.
    pub dependents: &'static [(&'static str, &'static str)],
}

/// The records sealed: those an identification and its evidence rest on.
pub(crate) const SEALED: &[Sealed] = &[
    Sealed {
        entities: &["person"],
        table: "persons",
        derived: &["search"],
        dependents: &[],
    },
    Sealed {
        entities: &["site"],
        table: "sites",
        derived: &[],
        dependents: &[],
    },
    Sealed {
        entities: &["family"],
        table: "families",
        derived: &[],
        dependents: &[],
    },
    Sealed {
        entities: &["family-member"],
        table: "family_members",
        derived: &[],
        dependents: &[],
    },
    Sealed {
        entities: &["reference"],
        table: "reference_samples",
        derived: &[],
        dependents: &[],
    },
    Sealed {
        entities: &["remains"],
        table: "remains",
        derived: &[],
        dependents: &[],
    },
    Sealed {
        entities: &["sample", "sample-profile"],
        table: "samples",
        derived: &[],
        dependents: &[],
    },
    Sealed {
        entities: &["snp-profile"],
        table: "snp_profiles",
        derived: &[],
        dependents: &[],
    },
    Sealed {
        entities: &["identification"],
        table: "identifications",
        derived: &[],
        dependents: &[("identification_reviews", "identification_id")],
    },
];

/// The sealed kind an audit entity names, if any.
pub(crate) fn sealed_for(entity: &str) -> Option<&'static Sealed> {
    SEALED.iter().find(|s| s.entities.contains(&entity))
}

/// A record that disagrees with the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// The table.
    pub record: &'static str,
    pub id: i64,
    pub why: String,
}

impl std::fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.record, self.id, self.why)
    }
}

/// One column's value as the content sees it. Each backend gives a column the same type every time,
/// so the first decoding that works is the same one at sealing and at checking.
fn column_value(row: &AnyRow, i: usize) -> serde_json::Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or(serde_json::Value::Null, Into::into);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        // The bits, so that no float formatting stands between two readings of one value.
        return v.map_or(serde_json::Value::Null, |x| format!("f64:{:016x}", x.to_bits()).into());
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return v.map_or(serde_json::Value::Null, Into::into);
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map_or(serde_json::Value::Null, Into::into);
    }
    match row.try_get::<Option<Vec<u8>>, _>(i) {
        Ok(Some(bytes)) => format!("bytes:{}", hex::encode(bytes)).into(),
        _ => serde_json::Value::Null,
    }
}

/// A row as an object of its columns, the derived ones and NULLs left out.
fn row_object(row: &AnyRow, derived: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    row.columns()
        .iter()
        .filter(|c| !derived.contains(&c.name()))
        .filter_map(|c| {
            let v = column_value(row, c.ordinal());
            (!v.is_null()).then(|| (c.name().to_owned(), v))
        })
        .collect()
}

fn id_of(row: &AnyRow, column: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<i64, _>(column)?)
}

/// The content hash of each record of `sealed` among `ids` that exists, read through `conn`.
pub(crate) async fn content_hashes(
    conn: &mut sqlx::AnyConnection,
    backend: crate::Backend,
    sealed: &Sealed,
    ids: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    let keys: Vec<Key<'_>> = ids.iter().map(|&i| Key::Int(i)).collect();
    let sql = format!("SELECT * FROM {} WHERE id IN ({{in}})", sealed.table);
    let mut contents: BTreeMap<i64, serde_json::Value> = BTreeMap::new();
    for row in rows_in(conn, backend, &sql, &keys).await? {
        let id = id_of(&row, "id")?;
        contents.insert(id, serde_json::json!({ "row": row_object(&row, sealed.derived) }));
    }
    for (table, column) in sealed.dependents {
        let sql = format!("SELECT * FROM {table} WHERE {column} IN ({{in}}) ORDER BY id");
        for row in rows_in(conn, backend, &sql, &keys).await? {
            let owner = id_of(&row, column)?;
            if let Some(content) = contents.get_mut(&owner) {
                let list = content
                    .as_object_mut()
                    .and_then(|o| o.entry(*table).or_insert_with(|| serde_json::json!([])).as_array_mut());
                if let Some(list) = list {
                    list.push(row_object(&row, &[]).into());
                }
            }
        }
    }
    Ok(contents
        .into_iter()
        .map(|(id, content)| (id, sha256_hex(&content.to_string())))
        .collect())
}

impl Store {
    /// The seal an audit entry about `entity` `entity_id` carries, read inside `tx` after the
    /// change: `None` for reads, for entities that are not sealed, and for a record that is gone.
    pub(crate) async fn seal_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        action: &str,
        entity: &str,
        entity_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let (Some(sealed), Ok(id)) = (sealed_for(entity), entity_id.parse::<i64>()) else {
            return Ok(None);
        };
        if action == "read" {
            return Ok(None);
        }
        Ok(content_hashes(tx, self.backend, sealed, &[id]).await?.remove(&id))
    }

    /// Every sealed record compared with its last audit entry: changed, inserted or deleted with no
    /// entry. Records whose last entry predates the seals (migration 0015) are not checked.
    pub async fn verify_records(&self) -> Result<Vec<RecordProblem>, StoreError> {
        let (since,): (i64,) = sqlx::query_as("SELECT since_seq FROM audit_seals")
            .fetch_one(&self.pool)
            .await?;
        let entities: Vec<&str> = SEALED.iter().flat_map(|s| s.entities.iter().copied()).collect();
        let list = entities.iter().map(|e| format!("'{e}'")).collect::<Vec<_>>().join(", ");
        // The entities are this module's constants, not input: they can be written into the SQL.
        let rows = sqlx::query(&format!(
            "SELECT seq, entity, entity_id, content_hash FROM audit WHERE entity IN ({list}) AND action <> 'read' \
             ORDER BY seq"
        ))
        .fetch_all(&self.pool)
        .await?;
        // Per record: its last entry (seq, seal) since the seals began, and whether any entry names it.
        let mut last: HashMap<(&'static str, i64), (i64, Option<String>)> = HashMap::new();
        let mut named: std::collections::HashSet<(&'static str, i64)> = std::collections::HashSet::new();
        for row in &rows {
            let entity: String = row.try_get("entity")?;
            let entity_id: String = row.try_get("entity_id")?;
            let (Some(sealed), Ok(id)) = (sealed_for(&entity), entity_id.parse::<i64>()) else {
                continue;
            };
            let seq: i64 = row.try_get("seq")?;
            named.insert((sealed.table, id));
            if seq >= since {
                last.insert((sealed.table, id), (seq, row.try_get("content_hash")?));
            } else {
                last.remove(&(sealed.table, id));
            }
        }
        let mut problems = Vec::new();
        let mut conn = self.pool.acquire().await?;
        for sealed in SEALED {
            let ids: Vec<i64> = sqlx::query_scalar(&format!("SELECT id FROM {} ORDER BY id", sealed.table))
                .fetch_all(&mut *conn)
                .await?;
            let hashes = content_hashes(&mut conn, self.backend, sealed, &ids).await?;
            for &id in &ids {
                let found = hashes.get(&id);
                match last.get(&(sealed.table, id)) {
                    Some((seq, Some(sealed_hash))) if Some(sealed_hash) != found => problems.push(RecordProblem {
                        record: sealed.table,
                        id,
                        why: format!("its content differs from what its last audit entry ({seq}) recorded: changed with no audit entry"),
                    }),
                    Some((seq, None)) => problems.push(RecordProblem {
                        record: sealed.table,
                        id,
                        why: format!("its last audit entry ({seq}) recorded it absent, yet it exists"),
                    }),
                    None if !named.contains(&(sealed.table, id)) => problems.push(RecordProblem {
                        record: sealed.table,
                        id,
                        why: "no audit entry records it: inserted by hand".to_owned(),
                    }),
                    _ => {}
                }
            }
            let existing: std::collections::HashSet<i64> = ids.iter().copied().collect();
            let mut gone: Vec<(i64, i64)> = last
                .iter()
                .filter(|((table, id), (_, seal))| *table == sealed.table && seal.is_some() && !existing.contains(id))
                .map(|((_, id), (seq, _))| (*id, *seq))
                .collect();
            gone.sort_unstable();
            for (id, seq) in gone {
                problems.push(RecordProblem {
                    record: sealed.table,
                    id,
                    why: format!("its last audit entry ({seq}) recorded it, yet it is gone: deleted with no audit entry"),
                });
            }
        }
        Ok(problems)
    }
}
