//! Matching jobs (start, live progress), candidate review with the evidence marker by marker, and
//! the two-reviewer decision. The rules (who may review, two different reviewers, the person's
//! status) are the registry's; these handlers pass the signed-in user on.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect};
use axum::{Extension, Form};
use registry::{Candidate, Decision, Identification, Job};
use serde::Deserialize;

use super::family_sample_mission_pages::family_view;
use super::forms::{legacy_respond_with, Extra, Fields, FormView, Refused};
use super::html::esc;
use super::html::legacy::{csrf_field, link, table};
use super::i18n::{self, Msg};
use super::pages::names_html;
use super::{Ctx, PageError, PageId, PageResult, ProfileReader};
use crate::decisions::{job_percent, launch_job, JobOptions};
use crate::{ApiError, AppState, Permission};
use registry::model::FieldError;

/// The progress bar of a job; while it runs, htmx asks for a fresh one every second.
pub(crate) fn progress_html(ctx: &Ctx, job: &Job) -> String {
    let percent = job_percent(job);
    let running = matches!(job.status, registry::JobStatus::Running | registry::JobStatus::Queued);
    let poll = if running {
        format!(
            r#" hx-get="/jobs/{}/progress" hx-trigger="every 1s" hx-swap="outerHTML""#,
            job.id
        )
    } else {
        String::new()
    };
    let error = job
        .error
        .as_deref()
        .map(|e| format!(r#"<p class="error">{}</p>"#, esc(e)))
        .unwrap_or_default();
    format!(
        r#"<div class="progress" id="job-{id}-progress" data-status="{status}"{poll}><label for="job-{id}-bar">{label}</label> <progress id="job-{id}-bar" max="100" value="{p:.1}">{p:.0}%</progress> <span class="percent" data-percent="{p:.0}">{p:.0}%</span> <span class="job-status">{st}</span>{error}</div>"#,
        id = job.id,
        status = job.status.as_str(),
        label = ctx.t(Msg::Progress),
        p = percent,
        st = ctx.t(i18n::job_status(job.status)),
    )
}

/// The form starting a job, its settings shown as the server's (the job records what it ran under).
async fn start_form(
    s: &AppState,
    ctx: &Ctx,
    f: Option<&Fields>,
    refused: Option<&Refused>,
) -> Result<String, PageError> {
    if !ctx.may(Permission::RunJobs) {
        return Ok(String::new());
    }
    let Some(settings) = &s.config.matching else {
        return Ok(format!("<p>{}</p>", ctx.t(Msg::NoMatchingSettings)));
    };
    let defaults = Fields::default()
        .with("min_log10_lr", settings.min_log10_lr.to_string())
        .with("top", settings.top.to_string())
        .with(
            "snp_panel",
            settings.snp.as_ref().map(|p| p.panel.clone()).unwrap_or_default(),
        )
        .with(
            "snp_genotype_error",
            settings
                .snp
                .as_ref()
                .map_or("0".to_owned(), |p| p.genotype_error.to_string()),
        );
    let fields = f.unwrap_or(&defaults);
    let form = FormView::new(ctx, fields, refused).prefixed("job-");
    let mut panels = vec![(String::new(), ctx.t(Msg::StrOnly).to_owned())];
    panels.extend(s.store.snp_panels().await?.into_iter().map(|p| {
        let label = format!("{} ({} SNPs)", p.name, p.snps);
        (p.name, label)
    }));
    let inputs = [
        form.input(
            "min_log10_lr",
            ctx.t(Msg::MinLog10Lr),
            "number",
            Extra::NONE.step("any").range("-10", Some("100")),
        )
        .into_string(),
        form.input(
            "top",
            ctx.t(Msg::TopCandidates),
            "number",
            Extra::NONE.range("1", Some("1000")),
        )
        .into_string(),
        form.select("snp_panel", ctx.t(Msg::SnpPanel), &panels).into_string(),
        form.input(
            "snp_genotype_error",
            ctx.t(Msg::SnpGenotypeError),
            "number",
            Extra::NONE.step("any").range("0", Some("0.99")),
        )
        .into_string(),
    ]
    .concat();
    Ok(format!(
        r#"<section id="start"><h2>{title}</h2>{summary}<form method="post" action="/jobs" class="stack" id="job-form">{csrf}{inputs}<button type="submit" id="start-job">{title}</button></form></section>"#,
        title = ctx.t(Msg::StartJob),
        summary = form.summary().into_string(),
        csrf = form.csrf().into_string(),
    ))
}

async fn jobs_page(s: &AppState, ctx: &Ctx, f: Option<&Fields>, refused: Option<&Refused>) -> PageResult {
    let rows: Vec<Vec<String>> = s
        .store
        .list_jobs(50)
        .await?
        .into_iter()
        .map(|j| {
            vec![
                link(&format!("/jobs/{}", j.id), &format!("#{}", j.id)),
                ctx.t(i18n::job_status(j.status)).to_owned(),
                format!("{:.0}%", job_percent(&j)),
                esc(&j.created_by),
                esc(&ctx.instant(&j.created_at)),
            ]
        })
        .collect();
    let body = format!(
        "{}{}",
        start_form(s, ctx, f, refused).await?,
        table(
            ctx.t(Msg::Jobs),
            &[
                "#",
                ctx.t(Msg::Status),
                ctx.t(Msg::Progress),
                ctx.t(Msg::Actor),
                ctx.t(Msg::Created)
            ],
            &rows
        )
    );
    let status = refused.map_or(axum::http::StatusCode::OK, |r| r.status);
    legacy_respond_with(ctx, status, ctx.t(Msg::Jobs), &body)
}

pub(crate) async fn jobs(State(s): State<AppState>, Extension(ctx): Extension<Ctx>) -> PageResult {
    jobs_page(&s, &ctx, None, None).await
}

/// The form's settings as the API takes them; a value that is no number is refused beside it.
fn job_options(f: &Fields) -> Result<JobOptions, Refused> {
    let number = |name: &str| -> Result<Option<f64>, Refused> {
        f.opt(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| Refused::field(FieldError::new(name, format!("'{v}' is not a number"))))
            })
            .transpose()
    };
    let top = f
        .opt("top")
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| Refused::field(FieldError::new("top", format!("'{v}' is not a number of candidates"))))
        })
        .transpose()?;
    let snp_panel = Some(f.get("snp_panel").trim().to_owned());
    let snp_genotype_error = match snp_panel.as_deref() {
        Some("") => None,
        _ => number("snp_genotype_error")?,
    };
    Ok(JobOptions {
        min_log10_lr: number("min_log10_lr")?,
        top,
        snp_panel,
        snp_genotype_error,
    })
}

pub(crate) async fn start_job(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<Fields>,
) -> PageResult {
    // A post with no fields (a bare button, as before the settings) starts under the server's.
    let options = if f.0.iter().all(|(k, _)| k == "csrf") {
        Ok(JobOptions::default())
    } else {
        job_options(&f)
    };
    let refused = match options {
        Ok(options) => match launch_job(&s, &ctx.user, &options).await {
            Ok(job) => return Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
            Err(ApiError::BadRequest {
                message,
                field: Some(field),
            }) => {
                let message = message
                    .strip_prefix(&format!("{field}: "))
                    .unwrap_or(&message)
                    .to_owned();
                Refused::field(FieldError::new(&field, message))
            }
            Err(e) => return Err(e.into()),
        },
        Err(r) => r,
    };
    jobs_page(&s, &ctx, Some(&f), Some(&refused)).await
}

async fn the_job(s: &AppState, id: i64) -> Result<Job, PageError> {
    PageError::found(s.store.get_job(id).await?, "job", id)
}

/// How many of a job's candidates its page lists (the best, by LR); the API has them all.
const SHOWN_CANDIDATES: i64 = 200;

/// The progress bar and, once the job is done, its candidates: what htmx swaps in.
async fn job_block(s: &AppState, ctx: &Ctx, job: &Job) -> Result<String, PageError> {
    let mut out = String::from(r#"<div id="job-block">"#);
    out.push_str(&progress_html(ctx, job));
    if job.status == registry::JobStatus::Done {
        let (candidates, total) = s.store.top_candidates(job.id, SHOWN_CANDIDATES).await?;
        let rows: Vec<Vec<String>> = candidates
            .into_iter()
            .map(|c| {
                vec![
                    link(&format!("/candidates/{}", c.id), &format!("#{}", c.id)),
                    c.data.sample_id.to_string(),
                    link(
                        &format!("/families/{}", c.data.family_id),
                        &c.data.family_id.to_string(),
                    ),
                    super::html::legacy::lr_html(c.data.log10_lr),
                    c.data.exclusions.to_string(),
                ]
            })
            .collect();
        out.push_str(&ctx.legacy_table(
            Msg::Candidates,
            &[Msg::Candidate, Msg::Sample, Msg::Family, Msg::Lr, Msg::Exclusions],
            &rows,
        ));
        if total > SHOWN_CANDIDATES {
            let _ = write!(
                out,
                "<p>{} {} / {}</p>",
                ctx.t(Msg::ShownCandidates),
                i18n::number(SHOWN_CANDIDATES),
                i18n::number(total)
            );
        }
    }
    out.push_str("</div>");
    Ok(out)
}

pub(crate) async fn job(State(s): State<AppState>, Extension(ctx): Extension<Ctx>, PageId(id): PageId) -> PageResult {
    let job = the_job(&s, id).await?;
    let body = format!(
        "{}{}",
        job_block(&s, &ctx, &job).await?,
        start_form(&s, &ctx, None, None).await?
    );
    let title = format!("{} #{id}", ctx.t(Msg::Job));
    ctx.legacy_respond(&title, &body)
}

/// The htmx fragment: once the job is done, the bar stops polling and the candidates appear.
pub(crate) async fn progress(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let job = the_job(&s, id).await?;
    let block = job_block(&s, &ctx, &job).await?;
    // The bar replaces itself; when done, the candidates come out of band into the job block.
    if job.status == registry::JobStatus::Done {
        let oob = block.replacen(
            r#"<div id="job-block">"#,
            r#"<div id="job-block" hx-swap-oob="true">"#,
            1,
        );
        return Ok(Html(format!("{}{oob}", progress_html(&ctx, &job))).into_response());
    }
    Ok(Html(progress_html(&ctx, &job)).into_response())
}

/// Everything the candidate page shows and the proposal cites.
struct CandidateCase {
    candidate: Candidate,
    person_id: Option<i64>,
    active_references: Vec<i64>,
    posterior: f64,
    prior: registry::Prior,
}

async fn candidate_case(s: &AppState, ctx: &Ctx, id: i64) -> Result<CandidateCase, PageError> {
    let candidate = PageError::found(s.store.get_candidate(id).await?, "candidate", id)?;
    // The registry's posterior: the one the identification stores and every page shows.
    let (posterior, prior) = s.store.candidate_posterior_with_prior(id).await?;
    let member = s.store.get_member(candidate.data.member_id).await?;
    let active_references = if ctx.may(Permission::ReadReferences) {
        s.store
            .list_references(candidate.data.family_id)
            .await?
            .into_iter()
            .filter(|r| r.withdrawal.is_none())
            .map(|r| r.id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(CandidateCase {
        person_id: member.and_then(|m| m.data.person_id),
        active_references,
        posterior,
        prior,
        candidate,
    })
}

/// The open identification of this candidate's person and sample (from whichever job) and the
/// latest rejected one, each with the candidate it was proposed from: one registry query and one
/// look-up each.
struct Pairing {
    open: Option<(Identification, Option<i64>)>,
    rejected: Option<(i64, Option<i64>)>,
}

async fn pairing(s: &AppState, case: &CandidateCase) -> Result<Pairing, PageError> {
    let Some(person) = case.person_id else {
        return Ok(Pairing {
            open: None,
            rejected: None,
        });
    };
    let (open, rejected) = s
        .store
        .identifications_of_pairing(person, case.candidate.data.sample_id)
        .await?;
    let open = match open {
        Some(id) => {
            let ident = PageError::found(s.store.get_identification(id).await?, "identification", id)?;
            Some((ident, s.store.identification_candidate(id).await?))
        }
        None => None,
    };
    let rejected = match rejected {
        Some(id) => Some((id, s.store.identification_candidate(id).await?)),
        None => None,
    };
    Ok(Pairing { open, rejected })
}

/// The per-marker table; genotypes side by side only for a role that may read them.
async fn marker_table(s: &AppState, ctx: &Ctx, case: &CandidateCase) -> Result<String, PageError> {
    let c = &case.candidate;
    let mut header: Vec<String> = vec![ctx.t(Msg::Marker).to_owned()];
    let mut columns: Vec<BTreeMap<String, String>> = Vec::new();
    if let Some(reader) = ProfileReader::new(ctx) {
        header.push(format!("{} {}", ctx.t(Msg::Sample), c.data.sample_id));
        columns.push(reader.sample(&s.store, c.data.sample_id).await?);
        let view = family_view(s, ctx, c.data.family_id).await?;
        let active: Vec<&registry::Reference> = view.references.iter().filter(|r| r.withdrawal.is_none()).collect();
        for r in &active {
            header.push(format!("{} ({})", view.member_name(r.donor_member_id), r.external_id));
        }
        let ids: Vec<i64> = active.iter().map(|r| r.id).collect();
        columns.extend(reader.references(&s.store, &ids).await?);
    }
    header.push(ctx.t(Msg::MarkerLr).to_owned());
    let mut out = format!(
        r#"<div class="scroll"><table class="markers"><caption>{}</caption><thead><tr>"#,
        ctx.t(Msg::PerMarker)
    );
    for h in &header {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for e in &c.data.evidence {
        // A marker that speaks strongly against the relationship: an exclusion or near one.
        let inconsistent = e.log10_lr < -2.0;
        let _ = write!(
            out,
            r#"<tr{}><th scope="row">{}</th>"#,
            if inconsistent { r#" class="inconsistent""# } else { "" },
            esc(&e.marker)
        );
        for col in &columns {
            let _ = write!(
                out,
                r#"<td class="genotype">{}</td>"#,
                esc(col.get(&e.marker).map_or("–", String::as_str))
            );
        }
        let flag = if inconsistent {
            format!(" <strong>({})</strong>", ctx.t(Msg::Inconsistent))
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r#"<td class="num">{}{flag}</td></tr>"#,
            super::html::legacy::lr_html(e.log10_lr)
        );
    }
    out.push_str("</tbody></table></div>");
    Ok(out)
}

pub(crate) async fn candidate(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let lang = ctx.lang;
    let case = candidate_case(&s, &ctx, id).await?;
    let c = &case.candidate;
    let person = match case.person_id {
        Some(p) => s.store.get_person(p).await?,
        None => None,
    };
    let mut body = String::from(r#"<dl class="facts">"#);
    if let Some(p) = &person {
        let _ = write!(
            body,
            r#"<dt>{}</dt><dd><a href="/persons/{}">{}</a> — <span class="person-status" data-status="{}">{}</span></dd>"#,
            ctx.t(Msg::Missing),
            p.id,
            names_html(lang, &p.data.names).into_string(),
            p.status.as_str(),
            ctx.t(i18n::person_status(p.status))
        );
    }
    let _ = write!(
        body,
        r#"<dt>{}</dt><dd><a href="/samples/{sid}">{sid}</a></dd><dt>{}</dt><dd><a href="/families/{fid}">{fid}</a></dd><dt>{}</dt><dd class="lr">{}</dd><dt>{}</dt><dd class="posterior">{} <span class="muted">({}: {})</span></dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><a href="/jobs/{job}">#{job}</a></dd></dl>"#,
        ctx.t(Msg::Sample),
        ctx.t(Msg::Family),
        ctx.t(Msg::Lr),
        super::html::legacy::lr_html(c.data.log10_lr),
        ctx.t(Msg::Posterior),
        i18n::posterior_text(case.posterior),
        ctx.t(Msg::PosteriorNote),
        esc(&case.prior.words),
        ctx.t(Msg::Exclusions),
        c.data.exclusions,
        ctx.t(Msg::Job),
        sid = c.data.sample_id,
        fid = c.data.family_id,
        job = c.job_id,
    );
    if let (Some(p), Some(bound)) = (c.data.joint_posterior, c.data.joint_bound) {
        let _ = write!(
            body,
            r#"<dl class="facts"><dt>{}</dt><dd class="joint-posterior">{} <span class="muted">({} {bound:.1e}) {}</span></dd></dl>"#,
            ctx.t(Msg::JointPosterior),
            super::html::legacy::probability_html(p),
            ctx.t(Msg::JointBound),
            ctx.t(Msg::JointPosteriorNote),
        );
    }
    if !c.data.evidence.is_empty() {
        body.push_str(&marker_table(&s, &ctx, &case).await?);
    }
    let view = if ctx.may(Permission::ReadFamilies) {
        Some(family_view(&s, &ctx, c.data.family_id).await?)
    } else {
        None
    };
    if let Some(ev) = &c.data.snp_evidence {
        body.push_str(&super::snp_view::snp_section(&s, &ctx, id, ev, view.as_ref()).await?.0);
    }
    if let Some(view) = &view {
        let _ = write!(body, "<h2>{}</h2>{}", ctx.t(Msg::Pedigree), view.pedigree_svg(&ctx));
    }
    let _ = write!(
        body,
        r#"<section id="decision"><h2>{}</h2>"#,
        ctx.t(Msg::Identification)
    );
    let pair = pairing(&s, &case).await?;
    if let Some((rejected, from)) = pair.rejected {
        let href = from.map_or_else(
            || format!("/persons/{}", case.person_id.unwrap_or_default()),
            |c| format!("/candidates/{c}#decision"),
        );
        let _ = write!(
            body,
            r#"<p class="rejected-before" data-identification="{rejected}">{} <a href="{}">#{rejected}</a></p>"#,
            ctx.t(Msg::EarlierRejected),
            esc(&href)
        );
    }
    match pair.open {
        Some((ident, from)) if from == Some(id) => body.push_str(&decision_section(&s, &ctx, &ident, id).await?),
        Some((ident, from)) => {
            let href = from.map_or_else(
                || format!("/persons/{}", ident.person_id),
                |c| format!("/candidates/{c}#decision"),
            );
            let _ = write!(
                body,
                r#"<p class="open-identification" data-identification="{iid}">{} <a href="{}">{} #{iid}</a> — {}</p>"#,
                ctx.t(Msg::OpenIdentification),
                esc(&href),
                ctx.t(Msg::Identification),
                super::html::legacy::identification_status_html(ctx.lang, ident.status, ident.flag_reason.as_deref()),
                iid = ident.id,
            );
        }
        None if ctx.may(Permission::ProposeIdentifications) => {
            if case.person_id.is_some() && !case.active_references.is_empty() {
                let _ = write!(
                    body,
                    r#"<form method="post" action="/candidates/{id}/propose">{}<button type="submit" id="propose">{}</button></form>"#,
                    csrf_field(&ctx),
                    ctx.t(Msg::ProposeIdentification)
                );
            } else {
                let _ = write!(body, "<p>{}</p>", ctx.t(Msg::CannotPropose));
            }
        }
        None => {
            let _ = write!(body, "<p>{}</p>", ctx.t(Msg::NoneYet));
        }
    }
    body.push_str("</section>");
    let title = format!("{} #{id}", ctx.t(Msg::Candidate));
    ctx.legacy_respond(&title, &body)
}

async fn decision_section(
    s: &AppState,
    ctx: &Ctx,
    ident: &Identification,
    candidate: i64,
) -> Result<String, PageError> {
    // Blind: while it is proposed a reviewer sees only their own review.
    let reviews = s.store.reviews_seen_by(&ctx.user, ident.id, ident.status).await?;
    let mut out = format!(
        r#"<p>{} #{}: {}</p><p class="muted">{}</p>"#,
        ctx.t(Msg::Identification),
        ident.id,
        super::html::legacy::identification_status_html(ctx.lang, ident.status, ident.flag_reason.as_deref()),
        ctx.t(Msg::TwoReviewers)
    );
    let rows: Vec<Vec<String>> = reviews
        .iter()
        .map(|r| {
            vec![
                esc(&r.reviewer),
                i18n::decision(&r.decision).map_or_else(|| esc(&r.decision), |m| ctx.t(m).to_owned()),
                esc(&r.comment),
                esc(&ctx.instant(&r.at)),
            ]
        })
        .collect();
    out.push_str(&ctx.legacy_table(
        Msg::Reviews,
        &[Msg::Reviewer, Msg::Decision, Msg::Comment, Msg::When],
        &rows,
    ));
    if ctx.may(Permission::ReviewIdentifications) && ident.status == registry::IdentificationStatus::Proposed {
        let _ = write!(out, r#"<p class="muted blind">{}</p>"#, ctx.t(Msg::ReviewsHidden));
    }
    let already = reviews.iter().any(|r| r.reviewer == ctx.user.username);
    if ctx.may(Permission::ReviewIdentifications)
        && ident.status == registry::IdentificationStatus::Proposed
        && !already
    {
        let _ = write!(
            out,
            r#"<form method="post" action="/identifications/{iid}/reviews" class="stack" id="review-form">{csrf}<input type="hidden" name="candidate" value="{candidate}"><fieldset><legend>{decision}</legend><label><input type="radio" name="decision" value="confirm" required> {confirm}</label> <label><input type="radio" name="decision" value="reject"> {reject}</label></fieldset><label for="comment">{comment}</label><textarea id="comment" name="comment" rows="3" required></textarea><button type="submit">{submit}</button></form>"#,
            iid = ident.id,
            csrf = csrf_field(ctx),
            decision = ctx.t(Msg::Decision),
            confirm = ctx.t(Msg::Confirm),
            reject = ctx.t(Msg::Reject),
            comment = ctx.t(Msg::Comment),
            submit = ctx.t(Msg::SubmitReview),
        );
    }
    Ok(out)
}

pub(crate) async fn propose(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let case = candidate_case(&s, &ctx, id).await?;
    case.person_id.ok_or_else(|| ApiError::BadRequest {
        message: ctx.t(Msg::CannotPropose).to_owned(),
        field: None,
    })?;
    if pairing(&s, &case).await?.open.is_none() {
        // The page names the candidate; the registry supplies and checks the evidence.
        s.store.propose_from_candidate(&ctx.user.username, id).await?;
    }
    Ok(Redirect::to(&format!("/candidates/{id}#decision")).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewForm {
    decision: Decision,
    comment: String,
    candidate: i64,
    #[allow(dead_code)]
    csrf: Option<String>,
}

pub(crate) async fn review(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    s.store
        .review_identification(&ctx.user, id, f.decision, &f.comment)
        .await?;
    Ok(Redirect::to(&format!("/candidates/{}#decision", f.candidate)).into_response())
}
