//! The lists each role works through, each one paged question to the store with the number of rows
//! in all, filtered and sorted in SQL (no loop of look-ups, nothing counted in memory):
//!
//! * identifications ([`Store::identifications_page`]), and a reviewer's queue: those proposed
//!   that await the reviewer, never their own proposals nor ones they have decided. The queue
//!   says nothing of other reviewers' decisions: a reviewer decides blind;
//! * an analyst's candidates to propose ([`Store::candidates_to_propose`]): a finished job's
//!   candidates above a threshold whose pairing has no open identification, each with the latest
//!   rejected identification of the same pairing, if any; and samples by typing;
//! * a liaison's families to notify of a confirmed identification and visit requests for sites no
//!   mission goes to; a planner's missions without a planned itinerary.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::identifications::IdentificationStatus;
use crate::model::Name;
use crate::page::{Page, Paged};
use crate::samples::{sample_from_row, Sample, SAMPLE_COLUMNS, SAMPLE_TYPED};
use crate::store::{Store, StoreError};
use crate::support::corrupt;

words! {
    /// The order of a list: by LR (strongest or weakest first) or by when it was recorded.
    pub enum Sort {
        LrDesc = "lr-desc",
        LrAsc = "lr-asc",
        Newest = "newest",
        Oldest = "oldest",
    }
    parse: folded, "an order (lr-desc, lr-asc, newest, oldest)";
}

/// What a list is narrowed to. Each list applies the filters that mean something for it (a sample
/// has no LR) and ignores the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub status: Option<IdentificationStatus>,
    pub site: Option<i64>,
    pub job: Option<i64>,
    pub min_log10_lr: Option<f64>,
    pub max_log10_lr: Option<f64>,
    /// Samples: typed (`Some(true)`), awaiting typing (`Some(false)`).
    pub typed: Option<bool>,
    pub sort: Option<Sort>,
    /// Identifications of this person only.
    pub person: Option<i64>,
    /// Identifications of the persons among this family's members only.
    pub family: Option<i64>,
    /// Family queues (notifications due, visits to arrange): only the families assigned to this
    /// liaison (set from the caller's [`crate::FamilyScope`], never from a request).
    pub assigned_to: Option<String>,
}

/// The log10 LR at and above which a candidate is worth proposing when no filter says otherwise:
/// 10^4, the demo's and the programmes' threshold.
pub const PROPOSE_THRESHOLD_LOG10: f64 = 4.0;

/// An identification as a list shows it: whom, which sample and site, on what evidence, proposed
/// by whom. Nothing of its reviews.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentificationRow {
    pub id: i64,
    pub status: IdentificationStatus,
    /// `dna`, or the documentary grounds' kind.
    pub kind: String,
    pub person_id: i64,
    pub person_names: Vec<Name>,
    pub candidate_id: Option<i64>,
    pub job_id: Option<i64>,
    pub sample_id: Option<i64>,
    pub site_id: Option<i64>,
    pub site_names: Option<Vec<Name>>,
    pub log10_lr: Option<f64>,
    pub posterior: Option<f64>,
    pub proposed_by: Option<String>,
    /// Why a flagged identification was flagged (a consent withdrawn, …).
    pub flag_reason: Option<String>,
}

/// A candidate an analyst may propose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateRow {
    pub candidate_id: i64,
    pub job_id: i64,
    pub sample_id: i64,
    pub family_id: i64,
    pub person_id: Option<i64>,
    pub person_names: Option<Vec<Name>>,
    pub site_id: i64,
    pub site_names: Vec<Name>,
    pub log10_lr: f64,
    /// The latest identification of the same person and sample that a reviewer rejected.
    pub rejected_identification: Option<i64>,
}

/// A confirmed identification a family has not been told of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotificationDue {
    pub identification_id: i64,
    pub family_id: i64,
    pub family_name: String,
    pub person_id: i64,
    pub person_names: Vec<Name>,
}

/// A family's request to visit a site that no mission goes to yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitToArrange {
    pub visit_request_id: i64,
    pub family_id: i64,
    pub family_name: String,
    pub site_id: i64,
    pub site_names: Vec<Name>,
    pub visitors: i64,
    pub created_at: String,
}

/// A mission whose itinerary is not planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissionToPlan {
    pub mission_id: i64,
    pub name: String,
    pub start_date: String,
    pub sites: i64,
}

/// A bind value of a list's query.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Real(f64),
    Text(String),
}

/// A list's conditions and their values, numbered as they are added.
#[derive(Debug, Default)]
struct Where {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Adds `condition`, whose `?` is the next parameter, bound to `arg`.
    fn and(&mut self, condition: &str, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let n = self.args.len();
        self.conditions.push(condition.replace('?', &format!("${n}")));
        self
    }

    fn and_sql(&mut self, condition: &str) -> &mut Self {
        self.conditions.push(condition.to_owned());
        self
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// `q` with the conditions' values bound, in order.
    fn bound<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Real(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
            };
        }
        q
    }

    /// Runs `select` (with `{where}`, `{limit}` and `{offset}` in it) for one page.
    async fn fetch(&self, store: &Store, select: &str, page: Page) -> Result<Vec<AnyRow>, StoreError> {
        let n = self.args.len();
        let sql = select
            .replace("{where}", &self.sql())
            .replace("{limit}", &format!("${}", n + 1))
            .replace("{offset}", &format!("${}", n + 2));
        let q = self.bound(sqlx::query(&sql));
        Ok(q.bind(page.limit).bind(page.offset).fetch_all(&store.pool).await?)
    }

    /// The number of rows of `from` (with `{where}` in it), for a page past the end.
    async fn count(&self, store: &Store, from: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n {}", from.replace("{where}", &self.sql()));
        Ok(self.bound(sqlx::query(&sql)).fetch_one(&store.pool).await?.try_get("n")?)
    }
}

/// Names stored as JSON.
fn names(row: &AnyRow, column: &str, entity: &str) -> Result<Vec<Name>, StoreError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| corrupt(entity, column, &e))
}

fn optional_names(row: &AnyRow, column: &str, entity: &str) -> Result<Option<Vec<Name>>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(entity, column, &e)))
        .transpose()
}

/// `page` of `from` (with `{where}`) selected by `select` (which counts the rows in a `total`
/// column over the whole list), each row read by `read`.
async fn paged<T>(
    store: &Store,
    w: &Where,
    select: &str,
    from: &str,
    order: &str,
    page: Page,
    read: impl Fn(&AnyRow) -> Result<T, StoreError>,
) -> Result<Paged<T>, StoreError> {
    let sql = format!(
        "SELECT {select}, CAST(COUNT(*) OVER () AS BIGINT) AS total {from} ORDER BY {order} LIMIT {{limit}} OFFSET {{offset}}"
    );
    let rows = w.fetch(store, &sql, page).await?;
    let total = match rows.first() {
        Some(r) => r.try_get("total")?,
        None if page.offset > 0 => w.count(store, from).await?,
        None => 0,
    };
    let items = rows.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    Ok(Paged::new(items, total, page))
}

fn lr_order(sort: Option<Sort>, lr: &str, id: &str, default: Sort) -> String {
    match sort.unwrap_or(default) {
        // Without an LR (documentary grounds) last either way: NULLs sort differently per backend.
        Sort::LrDesc => format!("{lr} IS NULL, {lr} DESC, {id}"),
        Sort::LrAsc => format!("{lr} IS NULL, {lr}, {id}"),
        Sort::Newest => format!("{id} DESC"),
        Sort::Oldest => id.to_owned(),
    }
}

fn lr_range(w: &mut Where, f: &ListFilter, column: &str) {
    if let Some(min) = f.min_log10_lr {
        w.and(&format!("{column} >= ?"), Arg::Real(min));
    }
    if let Some(max) = f.max_log10_lr {
        w.and(&format!("{column} <= ?"), Arg::Real(max));
    }
}

const IDENTIFICATION_FROM: &str = "FROM identifications i \
     JOIN persons p ON p.id = i.person_id \
     LEFT JOIN candidates c ON c.id = i.candidate_id \
     LEFT JOIN samples s ON s.id = c.sample_id \
     LEFT JOIN remains r ON r.id = s.remains_id \
     LEFT JOIN sites st ON st.id = r.site_id {where}";

fn identification_row(row: &AnyRow) -> Result<IdentificationRow, StoreError> {
    let status: String = row.try_get("status")?;
    let evidence: Option<String> = row.try_get("evidence")?;
    let posterior = evidence
        .map(|t| serde_json::from_str::<serde_json::Value>(&t))
        .transpose()
        .map_err(|e| corrupt("identification", "evidence", &e))?
        .and_then(|v| v.get("posterior").and_then(serde_json::Value::as_f64));
    Ok(IdentificationRow {
        id: row.try_get("id")?,
        status: status.parse().map_err(|e: String| corrupt("identification", "status", &e))?,
        kind: row.try_get("kind")?,
        person_id: row.try_get("person_id")?,
        person_names: names(row, "person_names", "person")?,
        candidate_id: row.try_get("candidate_id")?,
        job_id: row.try_get("job_id")?,
        sample_id: row.try_get("sample_id")?,
        site_id: row.try_get("site_id")?,
        site_names: optional_names(row, "site_names", "site")?,
        log10_lr: row.try_get("log10_lr")?,
        posterior,
        proposed_by: row.try_get("proposed_by")?,
        flag_reason: row.try_get("flag_reason")?,
    })
}

impl Store {
    /// A page of identifications narrowed by `filter` (status, site, job, LR range), sorted by its
    /// order (default: newest first).
    pub async fn identifications_page(&self, filter: &ListFilter, page: Page) -> Result<Paged<IdentificationRow>, StoreError> {
        self.identifications_where(filter, None, page).await
    }

    /// The identifications awaiting `reviewer`'s decision: proposed, not proposed by them, not
    /// yet reviewed by them; strongest evidence first unless `filter` sorts otherwise. Nothing of
    /// any other review is read.
    pub async fn review_queue(&self, reviewer: &str, filter: &ListFilter, page: Page) -> Result<Paged<IdentificationRow>, StoreError> {
        let filter = ListFilter {
            status: Some(IdentificationStatus::Proposed),
            sort: Some(filter.sort.unwrap_or(Sort::LrDesc)),
            ..filter.clone()
        };
        self.identifications_where(&filter, Some(reviewer), page).await
    }

    async fn identifications_where(
        &self,
        f: &ListFilter,
        awaiting: Option<&str>,
        page: Page,
    ) -> Result<Paged<IdentificationRow>, StoreError> {
        let mut w = Where::default();
        if let Some(status) = f.status {
            w.and("i.status = ?", Arg::Text(status.as_str().to_owned()));
        }
        if let Some(site) = f.site {
            w.and("r.site_id = ?", Arg::Int(site));
        }
        if let Some(job) = f.job {
            w.and("c.job_id = ?", Arg::Int(job));
        }
        if let Some(person) = f.person {
            w.and("i.person_id = ?", Arg::Int(person));
        }
        if let Some(family) = f.family {
            w.and(
                "i.person_id IN (SELECT m.person_id FROM family_members m WHERE m.family_id = ?)",
                Arg::Int(family),
            );
        }
        lr_range(&mut w, f, "c.log10_lr");
        if let Some(reviewer) = awaiting {
            w.and("(i.proposed_by IS NULL OR i.proposed_by <> ?)", Arg::Text(reviewer.to_owned()));
            w.and(
                "NOT EXISTS (SELECT 1 FROM identification_reviews v WHERE v.identification_id = i.id AND v.reviewer = ?)",
                Arg::Text(reviewer.to_owned()),
            );
        }
        let select = "i.id, i.status, i.kind, i.person_id, p.names AS person_names, i.candidate_id, c.job_id, \
             c.sample_id, r.site_id, st.names AS site_names, c.log10_lr, i.evidence, i.proposed_by, i.flag_reason";
        let order = lr_order(f.sort, "c.log10_lr", "i.id", Sort::Newest);
        paged(self, &w, select, IDENTIFICATION_FROM, &order, page, identification_row).await
    }

    /// Candidates of finished jobs (of `filter.job`, else of the latest finished job) at or above
    /// `filter.min_log10_lr` (else [`PROPOSE_THRESHOLD_LOG10`]) whose person and sample have no
    /// open identification, strongest first; each with the latest rejected identification of the
    /// same pairing.
    pub async fn candidates_to_propose(&self, filter: &ListFilter, page: Page) -> Result<Paged<CandidateRow>, StoreError> {
        let mut w = Where::default();
        match filter.job {
            Some(job) => w.and("c.job_id = ?", Arg::Int(job)),
            None => w.and_sql("c.job_id = (SELECT MAX(id) FROM jobs WHERE status = 'done')"),
        };
        w.and_sql("j.status = 'done'");
        let min = filter.min_log10_lr.unwrap_or(PROPOSE_THRESHOLD_LOG10);
        w.and("c.log10_lr >= ?", Arg::Real(min));
        if let Some(max) = filter.max_log10_lr {
            w.and("c.log10_lr <= ?", Arg::Real(max));
        }
        if let Some(site) = filter.site {
            w.and("r.site_id = ?", Arg::Int(site));
        }
        w.and_sql(
            "NOT EXISTS (SELECT 1 FROM identifications i JOIN candidates c2 ON c2.id = i.candidate_id \
             WHERE i.person_id = m.person_id AND c2.sample_id = c.sample_id \
             AND i.status IN ('proposed', 'confirmed', 'flagged'))",
        );
        let from = "FROM candidates c JOIN jobs j ON j.id = c.job_id \
             JOIN family_members m ON m.id = c.member_id \
             LEFT JOIN persons p ON p.id = m.person_id \
             JOIN samples s ON s.id = c.sample_id \
             JOIN remains r ON r.id = s.remains_id \
             JOIN sites st ON st.id = r.site_id {where}";
        let select = "c.id AS candidate_id, c.job_id, c.sample_id, c.family_id, m.person_id, p.names AS person_names, \
             r.site_id, st.names AS site_names, c.log10_lr, \
             (SELECT MAX(i.id) FROM identifications i JOIN candidates c3 ON c3.id = i.candidate_id \
              WHERE i.person_id = m.person_id AND c3.sample_id = c.sample_id AND i.status = 'rejected') AS rejected_identification";
        let order = lr_order(filter.sort, "c.log10_lr", "c.id", Sort::LrDesc);
        paged(self, &w, select, from, &order, page, |row| {
            Ok(CandidateRow {
                candidate_id: row.try_get("candidate_id")?,
                job_id: row.try_get("job_id")?,
                sample_id: row.try_get("sample_id")?,
                family_id: row.try_get("family_id")?,
                person_id: row.try_get("person_id")?,
                person_names: optional_names(row, "person_names", "person")?,
                site_id: row.try_get("site_id")?,
                site_names: names(row, "site_names", "site")?,
                log10_lr: row.try_get("log10_lr")?,
                rejected_identification: row.try_get("rejected_identification")?,
            })
        })
        .await
    }

    /// Samples by id (newest first with [`Sort::Newest`]), narrowed to a site and to typed or
    /// awaiting typing.
    pub async fn samples_page(&self, filter: &ListFilter, page: Page) -> Result<Paged<Sample>, StoreError> {
        let mut w = Where::default();
        if let Some(site) = filter.site {
            w.and("remains_id IN (SELECT id FROM remains WHERE site_id = ?)", Arg::Int(site));
        }
        let untyped = format!("NOT {SAMPLE_TYPED}");
        match filter.typed {
            Some(true) => w.and_sql(SAMPLE_TYPED),
            Some(false) => w.and_sql(&untyped),
            None => &mut w,
        };
        let order = if filter.sort == Some(Sort::Newest) { "id DESC" } else { "id" };
        paged(self, &w, SAMPLE_COLUMNS, "FROM samples {where}", order, page, sample_from_row).await
    }

    /// Confirmed identifications and the families with the person among their members who have
    /// not been notified of them, oldest first.
    pub async fn notifications_due(&self, filter: &ListFilter, page: Page) -> Result<Paged<NotificationDue>, StoreError> {
        let mut w = Where::default();
        w.and_sql("i.status = 'confirmed'");
        w.and_sql("NOT EXISTS (SELECT 1 FROM notifications n WHERE n.family_id = f.id AND n.identification_id = i.id)");
        if let Some(site) = filter.site {
            w.and(
                "i.candidate_id IN (SELECT c.id FROM candidates c JOIN samples s ON s.id = c.sample_id \
                 JOIN remains r ON r.id = s.remains_id WHERE r.site_id = ?)",
                Arg::Int(site),
            );
        }
        if let Some(liaison) = &filter.assigned_to {
            w.and(
                "f.id IN (SELECT family_id FROM family_assignments WHERE username = ?)",
                Arg::Text(liaison.clone()),
            );
        }
        let from = "FROM identifications i JOIN family_members m ON m.person_id = i.person_id \
             JOIN families f ON f.id = m.family_id JOIN persons p ON p.id = i.person_id {where}";
        let select = "i.id AS identification_id, f.id AS family_id, f.name AS family_name, i.person_id, p.names AS person_names";
        let order = if filter.sort == Some(Sort::Newest) { "i.id DESC, f.id" } else { "i.id, f.id" };
        paged(self, &w, select, from, order, page, |row| {
            Ok(NotificationDue {
                identification_id: row.try_get("identification_id")?,
                family_id: row.try_get("family_id")?,
                family_name: row.try_get("family_name")?,
                person_id: row.try_get("person_id")?,
                person_names: names(row, "person_names", "person")?,
            })
        })
        .await
    }

    /// Visit requests for sites that no mission goes to, oldest first.
    pub async fn visits_to_arrange(&self, filter: &ListFilter, page: Page) -> Result<Paged<VisitToArrange>, StoreError> {
        let mut w = Where::default();
        w.and_sql("NOT EXISTS (SELECT 1 FROM mission_sites ms WHERE ms.site_id = v.site_id)");
        if let Some(site) = filter.site {
            w.and("v.site_id = ?", Arg::Int(site));
        }
        if let Some(liaison) = &filter.assigned_to {
            w.and(
                "v.family_id IN (SELECT family_id FROM family_assignments WHERE username = ?)",
                Arg::Text(liaison.clone()),
            );
        }
        let from = "FROM visit_requests v JOIN families f ON f.id = v.family_id JOIN sites st ON st.id = v.site_id {where}";
        let select = "v.id AS visit_request_id, v.family_id, f.name AS family_name, v.site_id, st.names AS site_names, \
             CAST(v.visitors AS BIGINT) AS visitors, v.created_at";
        let order = if filter.sort == Some(Sort::Newest) { "v.id DESC" } else { "v.id" };
        paged(self, &w, select, from, order, page, |row| {
            Ok(VisitToArrange {
                visit_request_id: row.try_get("visit_request_id")?,
                family_id: row.try_get("family_id")?,
                family_name: row.try_get("family_name")?,
                site_id: row.try_get("site_id")?,
                site_names: names(row, "site_names", "site")?,
                visitors: row.try_get("visitors")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .await
    }

    /// Missions without a planned itinerary, soonest first.
    pub async fn missions_to_plan(&self, filter: &ListFilter, page: Page) -> Result<Paged<MissionToPlan>, StoreError> {
        let mut w = Where::default();
        w.and_sql("NOT EXISTS (SELECT 1 FROM mission_itineraries it WHERE it.mission_id = ms.id)");
        if let Some(site) = filter.site {
            w.and("ms.id IN (SELECT mission_id FROM mission_sites WHERE site_id = ?)", Arg::Int(site));
        }
        let select = "ms.id AS mission_id, ms.name, ms.start_date, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM mission_sites x WHERE x.mission_id = ms.id) AS sites";
        let order = if filter.sort == Some(Sort::Newest) { "ms.start_date DESC, ms.id" } else { "ms.start_date, ms.id" };
        paged(self, &w, select, "FROM missions ms {where}", order, page, |row| {
            Ok(MissionToPlan {
                mission_id: row.try_get("mission_id")?,
                name: row.try_get("name")?,
                start_date: row.try_get("start_date")?,
                sites: row.try_get("sites")?,
            })
        })
        .await
    }

    /// The open identification (proposed, confirmed or flagged) of `person_id` for `sample_id`,
    /// from any job, and the latest rejected one: what a candidate page shows instead of, or
    /// beside, the proposal form.
    pub async fn identifications_of_pairing(
        &self,
        person_id: i64,
        sample_id: i64,
    ) -> Result<(Option<i64>, Option<i64>), StoreError> {
        let row = sqlx::query(
            "SELECT \
               (SELECT MIN(i.id) FROM identifications i JOIN candidates c ON c.id = i.candidate_id \
                WHERE i.person_id = $1 AND c.sample_id = $2 AND i.status IN ('proposed', 'confirmed', 'flagged')) AS open, \
               (SELECT MAX(i.id) FROM identifications i JOIN candidates c ON c.id = i.candidate_id \
                WHERE i.person_id = $1 AND c.sample_id = $2 AND i.status = 'rejected') AS rejected",
        )
        .bind(person_id)
        .bind(sample_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("open")?, row.try_get("rejected")?))
    }
}

impl Store {
    /// The reviews of identification `id` that `viewer` may see: a reviewer decides blind, so
    /// while it is proposed (not yet decided by both) a reviewer sees only their own review; once
    /// it is decided, or to anyone who does not review, every review.
    pub async fn reviews_seen_by(
        &self,
        viewer: &crate::User,
        id: i64,
        status: IdentificationStatus,
    ) -> Result<Vec<crate::Review>, StoreError> {
        let reviews = self.identification_reviews(id).await?;
        Ok(blind(viewer, status, reviews))
    }

    /// [`Store::reviews_seen_by`] of several identifications (id and status) in one statement:
    /// for a list that shows each one's reviewers.
    pub async fn reviews_seen_by_each(
        &self,
        viewer: &crate::User,
        identifications: &[(i64, IdentificationStatus)],
    ) -> Result<std::collections::HashMap<i64, Vec<crate::Review>>, StoreError> {
        let keys: Vec<crate::backend::Key<'_>> =
            identifications.iter().map(|(id, _)| crate::backend::Key::Int(*id)).collect();
        let mut conn = self.pool.acquire().await?;
        let rows = crate::backend::rows_in(
            &mut conn,
            self.backend,
            "SELECT identification_id, reviewer, decision, comment, at FROM identification_reviews \
             WHERE identification_id IN ({in}) ORDER BY id",
            &keys,
        )
        .await?;
        let mut by_id: std::collections::HashMap<i64, Vec<crate::Review>> = std::collections::HashMap::new();
        for row in &rows {
            let id: i64 = row.try_get("identification_id")?;
            by_id.entry(id).or_default().push(crate::Review {
                reviewer: row.try_get("reviewer")?,
                decision: row.try_get("decision")?,
                comment: row.try_get("comment")?,
                at: row.try_get("at")?,
            });
        }
        for (id, status) in identifications {
            if let Some(reviews) = by_id.remove(id) {
                by_id.insert(*id, blind(viewer, *status, reviews));
            }
        }
        Ok(by_id)
    }
}

/// The blind rule: while an identification is proposed a reviewer sees only their own review.
fn blind(viewer: &crate::User, status: IdentificationStatus, reviews: Vec<crate::Review>) -> Vec<crate::Review> {
    if viewer.role == crate::Role::Reviewer && status == IdentificationStatus::Proposed {
        return reviews.into_iter().filter(|r| r.reviewer == viewer.username).collect();
    }
    reviews
}

/// A person's status change as the dashboard lists it, with the person's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusChangeRow {
    pub person_id: i64,
    pub person_names: Vec<Name>,
    pub from: crate::model::PersonStatus,
    pub to: crate::model::PersonStatus,
    pub reason: String,
    pub actor: String,
    pub at: String,
}

impl Store {
    /// The latest status changes of any person with the person's names, newest first: one query.
    pub async fn recent_status_changes_named(&self, limit: i64) -> Result<Vec<StatusChangeRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.person_id, p.names AS person_names, h.from_status, h.to_status, h.reason, h.actor, h.at \
             FROM person_status_history h JOIN persons p ON p.id = h.person_id ORDER BY h.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let status = |row: &AnyRow, column: &str| -> Result<crate::model::PersonStatus, StoreError> {
            let s: String = row.try_get(column)?;
            s.parse().map_err(|e: String| corrupt("status history", column, &e))
        };
        rows.iter()
            .map(|row| {
                Ok(StatusChangeRow {
                    person_id: row.try_get("person_id")?,
                    person_names: names(row, "person_names", "person")?,
                    from: status(row, "from_status")?,
                    to: status(row, "to_status")?,
                    reason: row.try_get("reason")?,
                    actor: row.try_get("actor")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
