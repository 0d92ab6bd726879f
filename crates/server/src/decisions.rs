//! Matching jobs and identifications: a lab analyst starts a job, whose candidates (with their
//! per-marker evidence) back a proposed identification, which two different reviewers decide. The
//! rules are the registry's; these handlers pass the signed-in user on.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use registry::{
    Candidate, Decision, Identification, IdentificationEvidence, Job, NewNotification, NewRepatriation, Notification,
    Repatriation, Review,
};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::extract::{created, found, ApiJson, ApiJsonOrEmpty, ApiPath, ApiQuery, Created};
use crate::{ApiError, AppState};

/// A proposal names the candidate it rests on, and nothing else: the LR, posterior, references
/// and model are the registry's ([`registry::Store::propose_from_candidate`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Proposal {
    candidate_id: i64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Decided {
    identification: Identification,
    /// A DNA identification's evidence, as the registry derived it from its candidate.
    evidence: Option<IdentificationEvidence>,
    /// An identification on documentary grounds: the remains, the documents, what they show.
    grounds: Option<registry::DocumentaryGrounds>,
    reviews: Vec<Review>,
}

/// A proposal on documentary grounds (personal effects, a burial record, dental records).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DocumentaryProposal {
    person_id: i64,
    grounds: registry::DocumentaryGrounds,
}

/// `POST /api/v1/identifications/documentary`: its own kind, with the documents and no LR.
pub(crate) async fn propose_documentary(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<DocumentaryProposal>,
) -> Created<Identification> {
    let id = s
        .store
        .propose_documentary_identification(&caller.0.username, body.person_id, &body.grounds)
        .await?;
    created(id)
}

/// Fields a client might send as evidence: refused by name (422), since the server derives them.
const DERIVED_FIELDS: [&str; 9] = [
    "lr",
    "log10_lr",
    "posterior",
    "evidence",
    "reference_ids",
    "person_id",
    "sample_id",
    "job_id",
    "model",
];

pub(crate) async fn propose(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Created<Identification> {
    if let Some(field) = body
        .as_object()
        .and_then(|o| DERIVED_FIELDS.iter().find(|f| o.contains_key(**f)))
    {
        return Err(ApiError::Unprocessable {
            message: format!(
                "'{field}' is not taken from a request: the server derives the evidence from the candidate's stored \
                 data; send only candidate_id"
            ),
            field: Some((*field).to_owned()),
        });
    }
    let body: Proposal = serde_json::from_value(body).map_err(|e| ApiError::BadRequest {
        message: e.to_string(),
        field: Some("candidate_id".to_owned()),
    })?;
    let id = s
        .store
        .propose_from_candidate(&caller.0.username, body.candidate_id)
        .await?;
    created(id)
}

/// `GET /api/v1/identifications/{id}/verify`: the candidate's LR recomputed from the stored
/// profiles under the job's recorded model, against the stored figure.
pub(crate) async fn verify(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<jobs::provenance::Recomputation>, ApiError> {
    jobs::provenance::verify_identification(&s.store, &caller.0.username, id)
        .await
        .map_err(|e| match e {
            jobs::JobError::Store(e) => ApiError::from(e),
            other => ApiError::Unexpected(jobs::Causes(&other).to_string()),
        })?
        .map(Json)
        .ok_or_else(|| {
            ApiError::NotAllowed(format!(
                "identification {id} was not proposed from a matching job's candidate; it has no LR to recompute"
            ))
        })
}

/// A reviewer decides blind: while the identification is proposed they see only their own review.
pub(crate) async fn get(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Decided>, ApiError> {
    let identification = s
        .store
        .get_identification(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("identification {id}")))?;
    Ok(Json(Decided {
        evidence: s.store.identification_evidence(id).await?,
        grounds: s.store.identification_grounds(id).await?,
        reviews: s.store.reviews_seen_by(&caller.0, id, identification.status).await?,
        identification,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    decision: Decision,
    comment: String,
}

pub(crate) async fn review(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Json<Identification>, ApiError> {
    Ok(Json(
        s.store
            .review_identification(&caller.0, id, body.decision, &body.comment)
            .await?,
    ))
}

#[derive(Debug, Serialize)]
pub(crate) struct JobView {
    #[serde(flatten)]
    job: Job,
    percent: f64,
    /// Seconds left, estimated from the rate so far.
    eta_seconds: Option<f64>,
}

pub(crate) async fn start_job(
    State(s): State<AppState>,
    caller: Caller,
    ApiJsonOrEmpty(options): ApiJsonOrEmpty<JobOptions>,
) -> Created<Job> {
    Ok((StatusCode::ACCEPTED, Json(launch_job(&s, &caller.0, &options).await?)))
}

/// What the one who starts a job may choose; every option left out is the server's setting. The
/// job records the settings it ran under (`jobs::provenance::model_record`), whoever chose them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobOptions {
    /// Candidates need an LR of at least 10^this.
    #[serde(default)]
    pub min_log10_lr: Option<f64>,
    /// The best missing persons kept per sample, and samples per missing person.
    #[serde(default)]
    pub top: Option<usize>,
    /// The registry's SNP panel whose profiles the job uses, or `""` for STRs only.
    #[serde(default)]
    pub snp_panel: Option<String>,
    /// Genotyping error of SNP calls.
    #[serde(default)]
    pub snp_genotype_error: Option<f64>,
}

fn option_error(field: &str, message: String) -> ApiError {
    ApiError::BadRequest {
        message: format!("{field}: {message}"),
        field: Some(field.to_owned()),
    }
}

/// The server's matching settings with `options` applied, each checked.
async fn job_settings(s: &AppState, options: &JobOptions) -> Result<jobs::MatchingSettings, ApiError> {
    let base = s.config.matching.clone().ok_or_else(|| ApiError::BadRequest {
        message: "no frequency database is configured for matching (set `frequencies` in homeward.toml)".into(),
        field: None,
    })?;
    let mut settings = (*base).clone();
    if let Some(t) = options.min_log10_lr {
        if !(t.is_finite() && (-10.0..=100.0).contains(&t)) {
            return Err(option_error(
                "min_log10_lr",
                format!("{t} is not a log10 LR from -10 to 100"),
            ));
        }
        settings.min_log10_lr = t;
    }
    if let Some(top) = options.top {
        if !(1..=1000).contains(&top) {
            return Err(option_error("top", format!("{top} is not 1–1000 candidates")));
        }
        settings.top = top;
    }
    match options.snp_panel.as_deref().map(str::trim) {
        None => {}
        Some("") => settings.snp = None,
        Some(name) => {
            if s.store.snp_panel(name).await?.is_none() {
                return Err(option_error(
                    "snp_panel",
                    format!("the registry keeps no SNP panel '{name}'"),
                ));
            }
            // The server's SNP model on another panel, or `homeward lr`'s defaults.
            let model = settings
                .snp
                .take()
                .unwrap_or_else(|| jobs::snp::SnpSettings::for_panel(name));
            settings.snp = Some(jobs::snp::SnpSettings {
                panel: name.to_owned(),
                ..model
            });
        }
    }
    if let Some(e) = options.snp_genotype_error {
        let Some(snp) = settings.snp.as_mut() else {
            return Err(option_error(
                "snp_genotype_error",
                "the job uses no SNP panel".to_owned(),
            ));
        };
        if !(0.0..1.0).contains(&e) {
            return Err(option_error("snp_genotype_error", format!("{e} is not in [0, 1)")));
        }
        snp.genotype_error = e;
    }
    Ok(settings)
}

/// Creates a matching job under the server's settings with `options` and runs it in the
/// background (the API and the web pages both start jobs here).
pub(crate) async fn launch_job(s: &AppState, user: &registry::User, options: &JobOptions) -> Result<Job, ApiError> {
    let settings = std::sync::Arc::new(job_settings(s, options).await?);
    let job = s.store.create_job(&user.username, "matching").await?;
    tokio::spawn(jobs::run_matching_job(
        s.store.clone(),
        job.id,
        user.username.clone(),
        settings,
    ));
    Ok(job)
}

/// How far a job is, in percent.
pub(crate) fn job_percent(job: &Job) -> f64 {
    match job.status {
        registry::JobStatus::Done => 100.0,
        _ if job.total > 0 => 100.0 * job.done as f64 / job.total as f64,
        _ => 0.0,
    }
}

/// Seconds from a registry instant (`YYYY-MM-DDTHH:MM:SS.mmmZ`) to now.
fn seconds_since(rfc3339: &str) -> Option<f64> {
    let then: jiff::Timestamp = rfc3339.parse().ok()?;
    Some(jiff::Timestamp::now().duration_since(then).as_secs_f64())
}

pub(crate) async fn get_job(State(s): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<JobView>, ApiError> {
    let job = s
        .store
        .get_job(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("job {id}")))?;
    let percent = job_percent(&job);
    let eta_seconds = match (&job.started_at, job.status) {
        (Some(start), registry::JobStatus::Running) if job.done > 0 => {
            seconds_since(start).map(|elapsed| elapsed * (job.total - job.done) as f64 / job.done as f64)
        }
        _ => None,
    };
    Ok(Json(JobView {
        job,
        percent,
        eta_seconds,
    }))
}

pub(crate) async fn job_candidates(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    if s.store.get_job(id).await?.is_none() {
        return Err(ApiError::NotFound(format!("job {id}")));
    }
    Ok(Json(s.store.list_candidates(id).await?))
}

pub(crate) async fn notify(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewNotification>,
) -> Created<Notification> {
    caller.require_family(&s.store, body.family_id).await?;
    created(s.store.record_notification(&caller.0.username, &body).await?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FamilyQuery {
    family: i64,
}

pub(crate) async fn notifications(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<FamilyQuery>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    caller.require_family(&s.store, q.family).await?;
    Ok(Json(s.store.list_notifications(q.family).await?))
}

pub(crate) async fn repatriate(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewRepatriation>,
) -> Created<Repatriation> {
    created(s.store.record_repatriation(&caller.0.username, &body).await?)
}

pub(crate) async fn repatriation(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Repatriation>, ApiError> {
    found(s.store.get_repatriation(id).await?, "repatriation", id)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobQuery {
    job: i64,
}

/// `/api/v1/candidates?job=ID`: the same list as `/api/v1/jobs/{id}/candidates`, under the resource
/// name scripts use.
pub(crate) async fn candidates(
    state: State<AppState>,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    job_candidates(state, ApiPath(q.job)).await
}
