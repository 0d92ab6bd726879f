//! The identification report: one identification as the family and the programme keep it, in the
//! reader's language: the person, the remains (site, recovery date, sample), the references, the
//! hypotheses, the markers and frequency table the job computed under, the LR and posterior with
//! the prior they are under, the reviewers and their dates, a paragraph in plain words for the
//! family, and lines to sign. "DRAFT" until two reviewers have confirmed it.
//!
//! Every figure is the registry's stored evidence of the identification (what the reviewers
//! decided on), never recomputed here; `GET /api/v1/identifications/{id}/verify` recomputes it.
//! One query per section, none in a loop.

use std::fmt::Write;

use axum::extract::State;
use axum::Extension;
use registry::IdentificationStatus;

use super::family_sample_mission_pages::family_view;
use super::html::esc;
use super::html::legacy::link;
use super::i18n::{self, Lang, Msg};
use super::pages::{first_name, names_html};
use super::{Ctx, PageError, PageId, PageResult};
use crate::AppState;

pub(crate) async fn identification_report(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let lang = ctx.lang;
    let ident = PageError::found(s.store.get_identification(id).await?, "identification", id)?;
    let evidence = s.store.identification_evidence(id).await?;
    let candidate = match s.store.identification_candidate(id).await? {
        Some(c) => s.store.get_candidate(c).await?,
        None => None,
    };
    // A family liaison reads the reports of their own families only.
    let family = match &candidate {
        Some(c) => Some(family_view(&s, &ctx, c.data.family_id).await?),
        None => None,
    };
    let person = PageError::found(s.store.get_person(ident.person_id).await?, "person", ident.person_id)?;
    let sample = match evidence.as_ref().and_then(|e| e.sample_id) {
        Some(sid) => s.store.get_sample(sid).await?,
        None => None,
    };
    let remains = match &sample {
        Some(x) => s.store.get_remains(x.remains_id).await?,
        None => None,
    };
    let site = match &remains {
        Some(r) => s.store.get_site(r.data.site_id).await?,
        None => None,
    };
    let model = match evidence.as_ref().and_then(|e| e.job_id) {
        Some(job) => s
            .store
            .job_model(job)
            .await?
            .and_then(|m| jobs::provenance::model_summary(&m.json).ok()),
        None => None,
    };
    let reviews = s.store.reviews_seen_by(&ctx.user, id, ident.status).await?;
    let person_name = first_name(lang, &person.data.names);

    let mut body = String::new();
    let _ = write!(
        body,
        r#"<p class="no-print"><button type="button" data-action="print">{}</button></p>"#,
        ctx.t(Msg::Print)
    );
    if ident.status != IdentificationStatus::Confirmed {
        let _ = write!(
            body,
            r#"<p class="draft" data-status="{}"><strong>{}</strong> — {}</p>"#,
            ident.status.as_str(),
            ctx.t(Msg::Draft),
            super::html::legacy::identification_status_html(lang, ident.status, ident.flag_reason.as_deref())
        );
    }
    let mut facts = vec![
        (ctx.t(Msg::Identification), format!("#{}", ident.id)),
        (
            ctx.t(Msg::Status),
            super::html::legacy::identification_status_html(lang, ident.status, ident.flag_reason.as_deref()),
        ),
        (
            ctx.t(Msg::Person),
            format!(
                r#"<a href="/persons/{}">{}</a> ({})"#,
                person.id,
                names_html(lang, &person.data.names),
                esc(&person.data.external_id)
            ),
        ),
    ];
    if let Some(b) = person.data.birth {
        facts.push((ctx.t(Msg::Born), i18n::date(lang, b)));
    }
    if let Some(d) = person.data.death {
        facts.push((ctx.t(Msg::Died), i18n::date(lang, d)));
    }
    if let Some(place) = person.data.death_place.as_ref().and_then(|p| p.name.as_deref()) {
        facts.push((ctx.t(Msg::DeathPlace), esc(place)));
    }
    body.push_str(&super::html::legacy::facts(facts));

    // The remains.
    let _ = write!(body, "<h2>{}</h2>", ctx.t(Msg::Remains));
    let mut rows = Vec::new();
    if let Some(site) = &site {
        rows.push((
            ctx.t(Msg::Site),
            link(&format!("/sites/{}", site.id), &first_name(lang, &site.data.names)),
        ));
    }
    if let Some(r) = &remains {
        rows.push(("ID", esc(&r.data.external_id)));
        rows.push((ctx.t(Msg::SkeletalElement), esc(&r.data.skeletal_element)));
        if let Some(d) = r.data.recovery_date {
            rows.push((ctx.t(Msg::RecoveryDate), i18n::date(lang, d)));
        }
    }
    if let Some(x) = &sample {
        rows.push((
            ctx.t(Msg::Sample),
            format!(
                "{} ({}, {})",
                link(&format!("/samples/{}", x.id), &x.external_id),
                esc(&x.lab),
                esc(x.profile_kind.as_str())
            ),
        ));
    }
    if rows.is_empty() {
        rows.push((ctx.t(Msg::Evidence), ctx.t(Msg::DocumentaryGrounds).to_owned()));
    }
    body.push_str(&super::html::legacy::facts(rows));

    // The references and the hypotheses.
    let cited = &ident.reference_ids;
    let mut donors = Vec::new();
    if let Some(view) = &family {
        let rows: Vec<Vec<String>> = view
            .references
            .iter()
            .filter(|r| cited.contains(&r.id))
            .map(|r| {
                let donor = view.member_name(r.donor_member_id);
                donors.push(donor.clone());
                vec![
                    esc(&r.external_id),
                    esc(&donor),
                    esc(&r.kit),
                    if r.withdrawal.is_some() {
                        ctx.t(Msg::ConsentWithdrawn).to_owned()
                    } else {
                        esc(r.consent.scope.as_str())
                    },
                ]
            })
            .collect();
        body.push_str(&ctx.legacy_table(Msg::References, &[Msg::Id, Msg::Donor, Msg::Kit, Msg::Consent], &rows));
        let missing = candidate
            .as_ref()
            .map(|c| view.member_name(c.data.member_id))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<h2>{}</h2><ul class=\"hypotheses\"><li><strong>H1</strong>: {}</li><li><strong>H2</strong>: {}</li></ul>",
            ctx.t(Msg::Hypotheses),
            esc(&h1(lang, &missing, &view.family.name)),
            esc(&h2(lang, &view.family.name)),
        );
        let _ = write!(body, "{}", view.pedigree_svg(&ctx));
    }

    // The figures and the model.
    if let Some(e) = &evidence {
        let log10 = e.log10_lr.unwrap_or_else(|| e.lr.log10());
        let mut rows = vec![
            (ctx.t(Msg::Lr), super::html::legacy::lr_html(log10)),
            (
                ctx.t(Msg::Posterior),
                super::html::legacy::probability_html(e.posterior),
            ),
        ];
        if let Some(prior) = &e.prior {
            rows.push((ctx.t(Msg::Prior), esc(prior)));
        }
        if let Some(m) = &model {
            rows.push((
                ctx.t(Msg::Markers),
                format!("{} ({})", m.markers.len(), esc(&m.markers.join(", "))),
            ));
            rows.push((
                ctx.t(Msg::FrequencyTable),
                format!("<code>{}</code>", esc(&m.frequencies_sha256)),
            ));
            rows.push((
                ctx.t(Msg::MutationModels),
                ctx.t(if m.mutations { Msg::Yes } else { Msg::No }).to_owned(),
            ));
            rows.push((ctx.t(Msg::Engine), esc(&m.engine)));
        }
        if let Some(snp) = model.as_ref().and_then(|m| m.snp.as_ref()) {
            rows.push((
                ctx.t(Msg::SnpPanel),
                format!(
                    "{} (<code>{}</code>), {}{}, genotype error {}",
                    esc(&snp.panel),
                    esc(&snp.panel_sha256),
                    esc(&snp.map),
                    if snp.sex_averaged_map { ", sex-averaged map" } else { "" },
                    snp.genotype_error
                ),
            ));
        }
        let _ = write!(body, "<h2>{}</h2>", ctx.t(Msg::Evidence));
        body.push_str(&super::html::legacy::facts(rows));
        if let Some((c, ev)) = candidate
            .as_ref()
            .and_then(|c| c.data.snp_evidence.as_ref().map(|ev| (c, ev)))
        {
            body.push_str(
                &super::snp_view::snp_section(&s, &ctx, c.id, ev, family.as_ref())
                    .await?
                    .0,
            );
        }
        body.push_str(&recomputed(&s, &ctx, id).await?);
        let _ = write!(
            body,
            r#"<h2>{}</h2><p class="for-family">{}</p>"#,
            ctx.t(Msg::ForTheFamily),
            for_the_family(
                lang,
                &person_name,
                site.as_ref().map(|st| first_name(lang, &st.data.names)).as_deref(),
                &donors,
                log10,
                e.posterior,
                ident.status,
                reviews.iter().map(|r| r.at.as_str()).max().map(|at| ctx.instant(at)),
            )
        );
    }

    // Reviews and signatures.
    let rows: Vec<Vec<String>> = reviews
        .iter()
        .map(|r| {
            let decision = i18n::decision(&r.decision).map_or_else(|| esc(&r.decision), |m| ctx.t(m).to_owned());
            vec![esc(&r.reviewer), decision, esc(&ctx.instant(&r.at)), esc(&r.comment)]
        })
        .collect();
    body.push_str(&ctx.legacy_table(
        Msg::Reviews,
        &[Msg::Reviewer, Msg::Decision, Msg::When, Msg::Notes],
        &rows,
    ));
    let _ = write!(body, r#"<h2>{}</h2><div class="signatures">"#, ctx.t(Msg::Signatures));
    let confirmed: Vec<&registry::Review> = reviews.iter().filter(|r| r.decision == "confirm").collect();
    for (i, role) in [Msg::Reviewer, Msg::Reviewer, Msg::HeadOfLaboratory].iter().enumerate() {
        let name = if i < 2 {
            confirmed.get(i).map(|r| r.reviewer.as_str()).unwrap_or("")
        } else {
            ""
        };
        let _ = write!(
            body,
            r#"<div class="signature"><span class="line"></span><span>{} {}</span><span>{}: {}</span><span>{}:</span></div>"#,
            ctx.t(*role),
            if i < 2 { (i + 1).to_string() } else { String::new() },
            ctx.t(Msg::Name),
            esc(name),
            ctx.t(Msg::When)
        );
    }
    body.push_str("</div>");
    let title = format!("{}: {}", ctx.t(Msg::Report), person_name);
    ctx.legacy_respond(&title, &body)
}

/// The LR recomputed now from the stored profiles under the job's recorded model, beside the
/// stored figure: for a reader who may read genotypes (the recomputation reads them, audited);
/// others are told who can run it.
async fn recomputed(s: &AppState, ctx: &Ctx, id: i64) -> Result<String, PageError> {
    if !ctx.may(crate::Permission::ReadProfiles) {
        return Ok(format!(
            r#"<p class="muted" id="recomputation">{}</p>"#,
            ctx.t(Msg::RecomputeNeedsLab)
        ));
    }
    let recomputation = jobs::provenance::verify_identification(&s.store, &ctx.user.username, id)
        .await
        .map_err(super::snp_view::job_error)?;
    let Some(r) = recomputation else {
        return Ok(String::new());
    };
    let figure = r
        .recomputed_log10_lr
        .map(super::html::legacy::lr_html)
        .unwrap_or_else(|| "–".to_owned());
    let verdict = if r.reproduced {
        format!(
            r#"<strong class="reproduced" data-reproduced="true">{}</strong>"#,
            ctx.t(Msg::Reproduced)
        )
    } else {
        format!(
            r#"<strong class="not-reproduced" data-reproduced="false">{}</strong> {}"#,
            ctx.t(Msg::NotReproduced),
            esc(&r.problems.join("; "))
        )
    };
    Ok(format!(
        r#"<p id="recomputation">{}: {figure} — {verdict} ({}: {})</p>"#,
        ctx.t(Msg::RecomputedNow),
        ctx.t(Msg::Engine),
        esc(&r.engine)
    ))
}

fn h1(lang: Lang, missing: &str, family: &str) -> String {
    match lang {
        Lang::En => format!("the remains are those of {missing}, the missing member of the {family} family's pedigree"),
        Lang::Ja => format!("遺骨は{family}家の家系図上の行方不明者{missing}のものである"),
    }
}

fn h2(lang: Lang, family: &str) -> String {
    match lang {
        Lang::En => format!("the remains are those of someone unrelated to the {family} family"),
        Lang::Ja => format!("遺骨は{family}家と血縁のない人のものである"),
    }
}

/// The paragraph for the family, in plain words: what was compared, what the LR means, the
/// probability under the stated prior, and how far the review has come.
#[allow(clippy::too_many_arguments)]
fn for_the_family(
    lang: Lang,
    person: &str,
    site: Option<&str>,
    donors: &[String],
    log10_lr: f64,
    posterior: f64,
    status: IdentificationStatus,
    last_review: Option<String>,
) -> String {
    let (person, donors) = (esc(person), esc(&donors.join(", ")));
    let lr = super::html::legacy::lr_html(log10_lr);
    let p = super::html::legacy::probability_html(posterior);
    let site = site.map(esc);
    let when = last_review.map(|at| esc(&at)).unwrap_or_default();
    match lang {
        Lang::En => {
            let from = site.map(|s| format!(" recovered at {s}")).unwrap_or_default();
            let state = match status {
                IdentificationStatus::Confirmed => {
                    format!("Two forensic experts reviewed this result independently and confirmed the identification ({when}).")
                }
                IdentificationStatus::Proposed => "This result awaits the review of two forensic experts: it is not yet an identification.".to_owned(),
                IdentificationStatus::Flagged => "This result is being reviewed again (the reason is stated above): until then it is not an identification.".to_owned(),
                IdentificationStatus::Rejected => "Forensic experts rejected this result: it is not an identification.".to_owned(),
            };
            format!(
                "The DNA of the remains{from} was compared with the DNA that {donors} gave. The result is {lr} times \
                 more likely if the remains are those of {person} than if they are of someone unrelated to your family. \
                 Under the prior stated above, the probability that they are {person}'s is {p}. {state}"
            )
        }
        Lang::Ja => {
            let from = site.map(|s| format!("{s}で収容された")).unwrap_or_default();
            let state = match status {
                IdentificationStatus::Confirmed => {
                    format!("二人の法医学の専門家がそれぞれ独立にこの結果を審査し、身元を確認しました（{when}）。")
                }
                IdentificationStatus::Proposed => {
                    "この結果は二人の専門家の審査を待っており、まだ身元確認ではありません。".to_owned()
                }
                IdentificationStatus::Flagged => {
                    "この結果は再審査中です（理由は上記のとおり）。それまでは身元確認ではありません。".to_owned()
                }
                IdentificationStatus::Rejected => "専門家はこの結果を却下しました。身元確認ではありません。".to_owned(),
            };
            format!(
                "{from}遺骨のDNAを、{donors}様からご提供いただいたDNAと比較しました。この結果は、遺骨が{person}様のものである場合には、\
                 ご家族と血縁のない方のものである場合に比べて{lr}倍起こりやすいものです。上記の事前確率のもとで、{person}様である確率は{p}です。{state}"
            )
        }
    }
}
