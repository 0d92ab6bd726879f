//! Finding persons by name however it is typed: the search keys of crate `names` (NFKC, kana as
//! canonical romaji, Hepburn and Kunrei, long vowels, variant kanji, either name order) kept in
//! table `person_name_keys` (migration 0016) beside the names, which keep their stored form.
//!
//! A query's key is looked up as a prefix of the stored keys: one range of the primary key's index
//! on both backends (PostgreSQL's column is `COLLATE "C"`, so the range is by code point). Ranked:
//! the whole key, then a whole first part, then any prefix; a query of digits also finds the
//! person of that id. The keys are derived data, like an index: written in the transaction that
//! writes the names, rebuilt when [`names::KEY_VERSION`] changes, not themselves audited.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::backend::{values_sql, Backend};
use crate::model::{Name, NewPerson, Person};
use crate::page::{Page, Paged};
use crate::store::{Store, StoreError};
use crate::support::corrupt;

/// The keys one person is found under: every name's and the external id's, each key once with the
/// shortest first part it has.
pub(crate) fn person_keys(p: &NewPerson) -> Vec<names::NameKey> {
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let texts = p.names.iter().map(|n| n.text.as_str()).chain([p.external_id.as_str()]);
    for k in texts.flat_map(names::name_keys) {
        keys.entry(k.key)
            .and_modify(|h| *h = (*h).min(k.head))
            .or_insert(k.head);
    }
    keys.into_iter().map(|(key, head)| names::NameKey { key, head }).collect()
}

/// Persons found are counted up to this many; more is "more than 1,000" (`Paged::total_capped`):
/// a query so broad is refined, not paged through, and counting every match would cost its time.
pub const FOUND_CAP: i64 = 1000;

/// The upper end of the range of keys that start with `key`: every such key sorts below it
/// (U+10FFFF is the last code point, and UTF-8 and "C" order agree with code point order).
fn prefix_end(key: &str) -> String {
    format!("{key}\u{10ffff}")
}

/// A burial site as a search result names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteRef {
    pub id: i64,
    pub names: Vec<Name>,
}

/// A person found by name, with how well the query matched (0: the whole name or the id; 1: a
/// whole first part; 2: the start of a name) and the burial site of the remains named in the
/// person's latest identification that was not rejected, where there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonHit {
    #[serde(flatten)]
    pub person: Person,
    pub rank: i64,
    pub site: Option<SiteRef>,
}

impl Store {
    /// Replaces, inside `tx`, the name keys of a person (`id`, the record as written) with the keys
    /// of its names now: an update's.
    pub(crate) async fn replace_name_keys(
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        id: i64,
        person: &NewPerson,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM person_name_keys WHERE person_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Self::write_name_keys(tx, backend, &[(id, person)]).await
    }

    /// Writes, inside `tx`, the name keys of each of `persons` (id, record), which have none yet:
    /// the one insert of keys, for a new person, an import's batch and a rebuild.
    pub(crate) async fn write_name_keys(
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        persons: &[(i64, &NewPerson)],
    ) -> Result<(), StoreError> {
        let rows: Vec<(i64, names::NameKey)> = persons
            .iter()
            .flat_map(|&(id, p)| person_keys(p).into_iter().map(move |k| (id, k)))
            .collect();
        for chunk in rows.chunks(backend.batch_rows(3)) {
            let sql = format!(
                "INSERT INTO person_name_keys (key, person_id, head) VALUES {}",
                values_sql(backend, chunk.len(), 3, "")
            );
            let mut q = sqlx::query(&sql);
            for (id, k) in chunk {
                q = q.bind(k.key.as_str()).bind(*id).bind(k.head as i64);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Writes the keys of every person when the stored keys are of another version than
    /// [`names::KEY_VERSION`] (0 after migration 0016: none yet), in one transaction, a page of
    /// persons at a time. Run by [`Store::migrate`].
    pub(crate) async fn refresh_name_keys(&self) -> Result<(), StoreError> {
        let stored = |row: AnyRow| -> Result<i64, StoreError> { Ok(row.try_get("version")?) };
        let version = stored(
            sqlx::query("SELECT version FROM name_keys_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )?;
        if version == names::KEY_VERSION {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        // Another process may have rebuilt them while this one waited for the lock.
        let version = stored(
            sqlx::query("SELECT version FROM name_keys_state WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?,
        )?;
        if version == names::KEY_VERSION {
            return Ok(());
        }
        sqlx::query("DELETE FROM person_name_keys").execute(&mut *tx).await?;
        const PAGE: i64 = 5000;
        let mut after = 0i64;
        loop {
            let sql = format!(
                "SELECT {} FROM persons WHERE id > $1 ORDER BY id LIMIT $2",
                Self::PERSON_COLUMNS
            );
            let rows = sqlx::query(&sql).bind(after).bind(PAGE).fetch_all(&mut *tx).await?;
            let persons = rows.iter().map(Self::person_from_row).collect::<Result<Vec<_>, _>>()?;
            let Some(last) = persons.last() else { break };
            after = last.id;
            let batch: Vec<(i64, &NewPerson)> = persons.iter().map(|p| (p.id, &p.data)).collect();
            Self::write_name_keys(&mut tx, self.backend, &batch).await?;
        }
        sqlx::query("UPDATE name_keys_state SET version = $1 WHERE id = 1")
            .bind(names::KEY_VERSION)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The persons a query names, best first (rank, then the key matched, then id), a page at a
    /// time with the number found: its keys ranges of one index, read in index order only as far
    /// as the page needs, and the number counted up to [`FOUND_CAP`] (`total_capped` beyond), in
    /// the same statement.
    pub async fn find_persons(&self, query: &str, page: Page) -> Result<Paged<PersonHit>, StoreError> {
        crate::model::check_text("q", query, 500)?;
        let key = names::key(query);
        let id: i64 = query.trim().parse().unwrap_or(-1);
        if key.is_empty() {
            return Ok(Paged::empty(page));
        }
        let head = key.chars().count() as i64;
        // The persons in order are the distinct persons of one stream of rows in (rank, key,
        // person_id) order, each at its first row: the whole key (rank 0, with the person of the
        // id), then keys whose first part is the whole query (1), then any other key that starts
        // with it (2). Each rank is a scan of an index in that order that keeps only the rows
        // that are their person's first in the stream (no row of the person before it: a look-up
        // of the (person_id, key) index) and stops after `window` of them, the page's end; so
        // every rank yields distinct persons, and the page cut from their union is exact at every
        // offset. When the first two ranks fill the window the third's scan (past every
        // whole-key row of a family name) is skipped: its limit is 0, which both backends test
        // before the scan (as a condition SQLite tested it on every row, 1.2 ms for a family name
        // at 1,000,000 persons). The number found is joined to the page, so that one statement
        // (one snapshot, no transaction) answers; a page past the end is one row of the number
        // and no person.
        let window = page.offset + page.limit;
        let sql = format!(
            "WITH exact AS (SELECT person_id, 0 AS rank, key FROM person_name_keys \
               WHERE key = $1 ORDER BY person_id LIMIT $7), \
             by_id AS (SELECT id AS person_id, 0 AS rank, $1 AS key FROM persons WHERE id = $4 \
               AND NOT EXISTS (SELECT 1 FROM person_name_keys e WHERE e.person_id = $4 AND e.key = $1)), \
             whole AS (SELECT k.person_id, 1 AS rank, k.key FROM person_name_keys k \
               WHERE k.key > $1 AND k.key < $2 AND k.head = $3 AND k.person_id <> $4 \
               AND NOT EXISTS (SELECT 1 FROM person_name_keys e WHERE e.person_id = k.person_id \
                 AND e.key >= $1 AND e.key < k.key AND (e.key = $1 OR e.head = $3)) \
               ORDER BY k.key, k.person_id LIMIT $7), \
             prefix AS (SELECT k.person_id, 2 AS rank, k.key FROM person_name_keys k \
               WHERE k.key > $1 AND k.key < $2 AND k.head <> $3 AND k.person_id <> $4 \
               AND NOT EXISTS (SELECT 1 FROM person_name_keys e WHERE e.person_id = k.person_id \
                 AND e.key >= $1 AND e.key < $2 AND (e.key = $1 OR e.head = $3 OR e.key < k.key)) \
               ORDER BY k.key, k.person_id LIMIT CASE \
                 WHEN (SELECT COUNT(*) FROM exact) + (SELECT COUNT(*) FROM by_id) + (SELECT COUNT(*) FROM whole) < $7 \
                 THEN $7 ELSE 0 END), \
             page AS (SELECT person_id, rank, key FROM ( \
                 SELECT person_id, rank, key FROM exact UNION ALL SELECT person_id, rank, key FROM by_id \
                 UNION ALL SELECT person_id, rank, key FROM whole UNION ALL SELECT person_id, rank, key FROM prefix) hits \
               ORDER BY rank, key, person_id LIMIT $5 OFFSET $6), \
             found_rows AS (SELECT {cols}, CAST(b.rank AS BIGINT) AS rank, b.key AS matched_key, \
               st.id AS site_id, st.names AS site_names \
             FROM page b JOIN persons p ON p.id = b.person_id \
             LEFT JOIN sites st ON st.id = ( \
               SELECT r.site_id FROM identifications i \
               JOIN candidates c ON c.id = i.candidate_id \
               JOIN samples s ON s.id = c.sample_id \
               JOIN remains r ON r.id = s.remains_id \
               WHERE i.person_id = p.id AND i.status <> 'rejected' ORDER BY i.id DESC LIMIT 1)) \
             SELECT counted.found, found_rows.* FROM (SELECT CAST(({found}) AS BIGINT) AS found) counted \
             LEFT JOIN found_rows ON 1 = 1 \
             ORDER BY found_rows.rank, found_rows.matched_key, found_rows.id",
            cols = Self::PERSON_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            found = found_sql(["$1", "$2", "$4", "$8"]),
        );
        let rows = sqlx::query(&sql)
            .bind(key.as_str())
            .bind(prefix_end(&key))
            .bind(head)
            .bind(id)
            .bind(page.limit)
            .bind(page.offset)
            .bind(window)
            .bind(FOUND_CAP + 1)
            .fetch_all(self.search_pool.as_ref().unwrap_or(&self.pool))
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut found = 0;
        for row in &rows {
            found = row.try_get("found")?;
            if row.try_get::<Option<i64>, _>("id")?.is_none() {
                continue;
            }
            let site_id: Option<i64> = row.try_get("site_id")?;
            let site = match site_id {
                Some(id) => {
                    let names: String = row.try_get("site_names")?;
                    let names = serde_json::from_str(&names).map_err(|e| corrupt("site", "names", &e))?;
                    Some(SiteRef { id, names })
                }
                None => None,
            };
            items.push(PersonHit {
                person: Self::person_from_row(row)?,
                rank: row.try_get("rank")?,
                site,
            });
        }
        let mut paged = Paged::new(items, found.min(FOUND_CAP), page);
        paged.total_capped = found > FOUND_CAP;
        Ok(paged)
    }
}

/// The number of persons a key's range (`[start, end)`) and an id find, counted up to `limit`, as
/// a scalar SQL expression over those four placeholders. The first `limit` keys of the range in
/// index order are read once: if they are the whole range, or all of different persons, their
/// persons (and the id's) are the number. Otherwise (persons with several keys among them) the
/// range is read again counting a key only where no key of its person sorts before it in the range
/// (a look-up of the `(person_id, key)` index), which also stops at the limit. At 1,000,000
/// persons a family name's count (25,000 keys) took 14 ms as PostgreSQL's `COUNT(DISTINCT …)` with
/// a `LIMIT` (its hashed `DISTINCT` reads all its input first), 1.2 ms counted by first keys, and
/// 0.2 ms read once (`pgbench`, 16 clients: 820 and 4,520 a second).
fn found_sql([start, end, id, limit]: [&str; 4]) -> String {
    format!(
        "SELECT CASE WHEN h.n < {limit} OR h.d = {limit} \
           THEN h.d + CASE WHEN h.with_id = 0 AND EXISTS (SELECT 1 FROM persons WHERE id = {id}) THEN 1 ELSE 0 END \
           ELSE (SELECT COUNT(*) FROM ( \
             SELECT k.person_id FROM person_name_keys k WHERE k.key >= {start} AND k.key < {end} \
               AND NOT EXISTS (SELECT 1 FROM person_name_keys e \
                 WHERE e.person_id = k.person_id AND e.key >= {start} AND e.key < k.key) \
             UNION ALL SELECT p.id AS person_id FROM persons p WHERE p.id = {id} \
               AND NOT EXISTS (SELECT 1 FROM person_name_keys e \
                 WHERE e.person_id = p.id AND e.key >= {start} AND e.key < {end}) \
             LIMIT {limit}) counted) END \
         FROM (SELECT COUNT(*) AS n, COUNT(DISTINCT person_id) AS d, \
           COALESCE(MAX(CASE WHEN person_id = {id} THEN 1 ELSE 0 END), 0) AS with_id \
           FROM (SELECT person_id FROM person_name_keys WHERE key >= {start} AND key < {end} \
             ORDER BY key, person_id LIMIT {limit}) r) h"
    )
}
