//! The lists of the API that page: every list answers one page with the number of rows in all
//! (`{"items", "total", "limit", "offset"}`), narrowed and sorted by the same query parameters
//! (`status`, `site`, `job`, `min_lr` and `max_lr` as log10 LRs, `typed`, `sort`, `limit`,
//! `offset`), which the web pages' filter forms send too. Each role's work queue, persons found by
//! name, identifications, and samples (`X-Total-Count` beside the array, which clients read as
//! before).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::Json;
use registry::{
    CandidateRow, IdentificationRow, ListFilter, MissionToPlan, NotificationDue, Page, Paged, PersonHit, Sample,
    VisitToArrange,
};
use serde::Deserialize;

use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::{ApiError, AppState};

/// The rows of one page when the query does not say.
pub(crate) const DEFAULT_LIMIT: i64 = 50;

/// A list's query string. Every value is text first, so that a form's empty field means "any"
/// and a bad value is refused naming its parameter.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    pub q: Option<String>,
    /// Samples: of these remains only (the whole list, not paged).
    pub remains: Option<String>,
    pub status: Option<String>,
    pub site: Option<String>,
    pub job: Option<String>,
    /// Identifications: of this person only.
    pub person: Option<String>,
    /// Identifications: of this family's members only.
    pub family: Option<String>,
    pub min_lr: Option<String>,
    pub max_lr: Option<String>,
    pub typed: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

fn parsed<T: std::str::FromStr>(field: &str, value: &Option<String>) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|e| ApiError::BadRequest {
            message: format!("{field}: '{v}' is not accepted ({e})"),
            field: Some(field.to_owned()),
        }),
    }
}

impl ListQuery {
    /// The filter and page this query asks for (a bad value is a 400 naming the parameter).
    pub fn filter(&self) -> Result<(ListFilter, Page), ApiError> {
        let lr = |field: &str, v: &Option<String>| -> Result<Option<f64>, ApiError> {
            let x: Option<f64> = parsed(field, v)?;
            match x {
                Some(x) if !x.is_finite() => Err(ApiError::BadRequest {
                    message: format!("{field}: a log10 LR is a finite number"),
                    field: Some(field.to_owned()),
                }),
                x => Ok(x),
            }
        };
        let filter = ListFilter {
            status: parsed("status", &self.status)?,
            site: parsed("site", &self.site)?,
            job: parsed("job", &self.job)?,
            min_log10_lr: lr("min_lr", &self.min_lr)?,
            max_log10_lr: lr("max_lr", &self.max_lr)?,
            typed: parsed("typed", &self.typed)?,
            sort: parsed("sort", &self.sort)?,
            person: parsed("person", &self.person)?,
            family: parsed("family", &self.family)?,
            assigned_to: None,
        };
        let page = Page::new(
            parsed("limit", &self.limit)?,
            parsed("offset", &self.offset)?,
            DEFAULT_LIMIT,
        );
        Ok((filter, page))
    }
}

type Listed<T> = Result<Json<Paged<T>>, ApiError>;

/// The handler of each paged list: the query's filter and page, the registry's one query (the
/// review queue's with the caller).
macro_rules! paged_lists {
    ($($handler:ident -> $row:ty: |$s:ident, $caller:ident, $f:ident, $p:ident| $fetch:expr;)*) => {$(
        pub(crate) async fn $handler(
            State($s): State<AppState>,
            $caller: Caller,
            ApiQuery(q): ApiQuery<ListQuery>,
        ) -> Listed<$row> {
            let (mut $f, $p) = q.filter()?;
            // The family queues of a liaison: their own families only.
            $f.assigned_to = $caller.family_scope().liaison().map(str::to_owned);
            Ok(Json($fetch.await?))
        }
    )*};
}

paged_lists! {
    review_queue -> IdentificationRow: |s, caller, f, p| s.store.review_queue(&caller.0.username, &f, p);
    identifications -> IdentificationRow: |s, caller, f, p| s.store.identifications_page(&f, p);
    candidates_to_propose -> CandidateRow: |s, caller, f, p| s.store.candidates_to_propose(&f, p);
    notifications_due -> NotificationDue: |s, caller, f, p| s.store.notifications_due(&f, p);
    visits_to_arrange -> VisitToArrange: |s, caller, f, p| s.store.visits_to_arrange(&f, p);
    missions_to_plan -> MissionToPlan: |s, caller, f, p| s.store.missions_to_plan(&f, p);
}

pub(crate) async fn find_persons(State(s): State<AppState>, ApiQuery(q): ApiQuery<ListQuery>) -> Listed<PersonHit> {
    let (_, page) = q.filter()?;
    let text = q.q.as_deref().unwrap_or_default();
    Ok(Json(s.store.find_persons(text, page).await?))
}

/// Samples of one set of remains (`?remains=`), or of every remains a page at a time (`site`,
/// `typed`, `sort`, `limit`, `offset`); the number in all in `X-Total-Count`.
pub(crate) async fn list_samples(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<(HeaderMap, Json<Vec<Sample>>), ApiError> {
    let samples = match parsed::<i64>("remains", &q.remains)? {
        Some(remains) => {
            s.store
                .get_remains(remains)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("remains {remains}")))?;
            s.store.list_samples(remains).await?
        }
        None => {
            let (filter, page) = q.filter()?;
            let paged = s.store.samples_page(&filter, page).await?;
            let mut headers = HeaderMap::new();
            headers.insert("x-total-count", HeaderValue::from(paged.total));
            return Ok((headers, Json(paged.items)));
        }
    };
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(samples.len() as i64));
    Ok((headers, Json(samples)))
}
