//! The identification report: one identification as the family and the programme keep it, in the
//! reader's language: the person, the remains (site, recovery date, sample), the references, the
//! hypotheses, the markers and frequency table the job computed under, the LR and posterior with
//! the prior they are under, the reviewers and their dates, a paragraph in plain words for the
//! family, and lines to sign. "DRAFT" until two reviewers have confirmed it.
//!
//! Every figure is the registry's stored evidence of the identification (what the reviewers
//! decided on), never recomputed here; `GET /api/v1/identifications/{id}/verify` recomputes it.
//! One query per section, none in a loop.

use axum::extract::State;
use axum::Extension;
use maud::{html, Markup};
use registry::IdentificationStatus;

use super::family_sample_mission_pages::family_view;
use super::html::{facts, link};
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
    let status = i18n::identification_status_html(lang, ident.status, ident.flag_reason.as_deref());

    let mut person_facts = vec![
        (ctx.t(Msg::Identification), html! { "#" (ident.id) }),
        (ctx.t(Msg::Status), status.clone()),
        (
            ctx.t(Msg::Person),
            html! {
                a href={ "/persons/" (person.id) } { (names_html(lang, &person.data.names)) }
                " (" (person.data.external_id) ")"
            },
        ),
    ];
    if let Some(b) = person.data.birth {
        person_facts.push((ctx.t(Msg::Born), html! { (i18n::date(lang, b)) }));
    }
    if let Some(d) = person.data.death {
        person_facts.push((ctx.t(Msg::Died), html! { (i18n::date(lang, d)) }));
    }
    if let Some(place) = person.data.death_place.as_ref().and_then(|p| p.name.as_deref()) {
        person_facts.push((ctx.t(Msg::DeathPlace), html! { (place) }));
    }

    // The remains.
    let mut remains_facts = Vec::new();
    if let Some(site) = &site {
        remains_facts.push((
            ctx.t(Msg::Site),
            link(&format!("/sites/{}", site.id), &first_name(lang, &site.data.names)),
        ));
    }
    if let Some(r) = &remains {
        remains_facts.push(("ID", html! { (r.data.external_id) }));
        remains_facts.push((ctx.t(Msg::SkeletalElement), html! { (r.data.skeletal_element) }));
        if let Some(d) = r.data.recovery_date {
            remains_facts.push((ctx.t(Msg::RecoveryDate), html! { (i18n::date(lang, d)) }));
        }
    }
    if let Some(x) = &sample {
        remains_facts.push((
            ctx.t(Msg::Sample),
            html! {
                (link(&format!("/samples/{}", x.id), &x.external_id))
                " (" (x.lab) ", " (x.profile_kind.as_str()) ")"
            },
        ));
    }
    if remains_facts.is_empty() {
        remains_facts.push((ctx.t(Msg::Evidence), html! { (ctx.t(Msg::DocumentaryGrounds)) }));
    }

    // The references and the hypotheses.
    let cited = &ident.reference_ids;
    let mut donors = Vec::new();
    let references = family.as_ref().map(|view| {
        let rows: Vec<Vec<Markup>> = view
            .references
            .iter()
            .filter(|r| cited.contains(&r.id))
            .map(|r| {
                let donor = view.member_name(r.donor_member_id);
                let consent = match r.withdrawal {
                    Some(_) => ctx.t(Msg::ConsentWithdrawn),
                    None => r.consent.scope.as_str(),
                };
                let row = vec![
                    html! { (r.external_id) },
                    html! { (donor) },
                    html! { (r.kit) },
                    html! { (consent) },
                ];
                donors.push(donor);
                row
            })
            .collect();
        let missing = candidate
            .as_ref()
            .map(|c| view.member_name(c.data.member_id))
            .unwrap_or_default();
        html! {
            (ctx.table(Msg::References, &[Msg::Id, Msg::Donor, Msg::Kit, Msg::Consent], &rows))
            h2 { (ctx.t(Msg::Hypotheses)) }
            ul.hypotheses {
                li { strong { "H1" } ": " (h1(lang, &missing, &view.family.name)) }
                li { strong { "H2" } ": " (h2(lang, &view.family.name)) }
            }
            (view.pedigree_svg(&ctx))
        }
    });

    // The figures and the model.
    let figures = match &evidence {
        Some(e) => Some(figures(&s, &ctx, id, e, model.as_ref(), candidate.as_ref(), family.as_ref()).await?),
        None => None,
    };
    let for_family = evidence.as_ref().map(|e| {
        for_the_family(
            lang,
            &person_name,
            site.as_ref().map(|st| first_name(lang, &st.data.names)).as_deref(),
            &donors,
            e.log10_lr.unwrap_or_else(|| e.lr.log10()),
            e.posterior,
            ident.status,
            reviews.iter().map(|r| r.at.as_str()).max().map(|at| ctx.instant(at)),
        )
    });

    // Reviews and signatures.
    let rows: Vec<Vec<Markup>> = reviews
        .iter()
        .map(|r| {
            let decision = i18n::decision(&r.decision).map_or(r.decision.as_str(), |m| ctx.t(m));
            vec![
                html! { (r.reviewer) },
                html! { (decision) },
                html! { (ctx.instant(&r.at)) },
                html! { (r.comment) },
            ]
        })
        .collect();
    let confirmed: Vec<&registry::Review> = reviews.iter().filter(|r| r.decision == "confirm").collect();
    let body = html! {
        p.no-print { button type="button" data-action="print" { (ctx.t(Msg::Print)) } }
        @if ident.status != IdentificationStatus::Confirmed {
            p.draft data-status=(ident.status.as_str()) { strong { (ctx.t(Msg::Draft)) } " — " (status) }
        }
        (facts(person_facts))
        h2 { (ctx.t(Msg::Remains)) }
        (facts(remains_facts))
        @if let Some(references) = references { (references) }
        @if let Some(figures) = figures { (figures) }
        @if let Some(paragraph) = for_family {
            h2 { (ctx.t(Msg::ForTheFamily)) }
            p.for-family { (paragraph) }
        }
        (ctx.table(Msg::Reviews, &[Msg::Reviewer, Msg::Decision, Msg::When, Msg::Notes], &rows))
        h2 { (ctx.t(Msg::Signatures)) }
        div.signatures {
            @for (i, role) in [Msg::Reviewer, Msg::Reviewer, Msg::HeadOfLaboratory].iter().enumerate() {
                // Two reviewers sign, numbered, with their names; the head of the laboratory below.
                @let name = if i < 2 { confirmed.get(i).map_or("", |r| r.reviewer.as_str()) } else { "" };
                div.signature {
                    span.line {}
                    span { (ctx.t(*role)) " " @if i < 2 { (i + 1) } }
                    span { (ctx.t(Msg::Name)) ": " (name) }
                    span { (ctx.t(Msg::When)) ":" }
                }
            }
        }
    };
    let title = format!("{}: {}", ctx.t(Msg::Report), person_name);
    ctx.respond(&title, body)
}

/// The evidence section: the LR, the posterior and its prior, the job's recorded model (markers,
/// frequency table, mutations, engine, the SNP part), the SNP evidence and the recomputation.
async fn figures(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    e: &registry::IdentificationEvidence,
    model: Option<&jobs::provenance::ModelSummary>,
    candidate: Option<&registry::Candidate>,
    family: Option<&super::family_sample_mission_pages::FamilyView>,
) -> Result<Markup, PageError> {
    let log10 = e.log10_lr.unwrap_or_else(|| e.lr.log10());
    let mut rows = vec![
        (ctx.t(Msg::Lr), i18n::lr_html(log10)),
        (ctx.t(Msg::Posterior), i18n::probability_html(e.posterior)),
    ];
    if let Some(prior) = &e.prior {
        rows.push((ctx.t(Msg::Prior), html! { (prior) }));
    }
    if let Some(m) = model {
        rows.push((
            ctx.t(Msg::Markers),
            html! { (m.markers.len()) " (" (m.markers.join(", ")) ")" },
        ));
        rows.push((ctx.t(Msg::FrequencyTable), html! { code { (m.frequencies_sha256) } }));
        rows.push((
            ctx.t(Msg::MutationModels),
            html! { (ctx.t(if m.mutations { Msg::Yes } else { Msg::No })) },
        ));
        rows.push((ctx.t(Msg::Engine), html! { (m.engine) }));
    }
    if let Some(snp) = model.and_then(|m| m.snp.as_ref()) {
        rows.push((
            ctx.t(Msg::SnpPanel),
            html! {
                (snp.panel) " (" code { (snp.panel_sha256) } "), " (snp.map)
                @if snp.sex_averaged_map { ", sex-averaged map" }
                ", genotype error " (snp.genotype_error)
            },
        ));
    }
    let snp = match candidate.and_then(|c| c.data.snp_evidence.as_ref().map(|ev| (c, ev))) {
        Some((c, ev)) => Some(super::snp_view::snp_section(s, ctx, c.id, ev, family).await?),
        None => None,
    };
    let recomputation = recomputed(s, ctx, id).await?;
    Ok(html! {
        h2 { (ctx.t(Msg::Evidence)) }
        (facts(rows))
        @if let Some(snp) = snp { (snp) }
        (recomputation)
    })
}

/// The LR recomputed now from the stored profiles under the job's recorded model, beside the
/// stored figure: for a reader who may read genotypes (the recomputation reads them, audited);
/// others are told who can run it.
async fn recomputed(s: &AppState, ctx: &Ctx, id: i64) -> Result<Markup, PageError> {
    if !ctx.may(crate::Permission::ReadProfiles) {
        return Ok(html! { p.muted id="recomputation" { (ctx.t(Msg::RecomputeNeedsLab)) } });
    }
    let recomputation = jobs::provenance::verify_identification(&s.store, &ctx.user.username, id)
        .await
        .map_err(super::snp_view::job_error)?;
    let Some(r) = recomputation else {
        return Ok(html! {});
    };
    Ok(html! {
        p id="recomputation" {
            (ctx.t(Msg::RecomputedNow)) ": "
            @match r.recomputed_log10_lr {
                Some(log10) => (i18n::lr_html(log10)),
                None => "–",
            }
            " — "
            @if r.reproduced {
                strong.reproduced data-reproduced="true" { (ctx.t(Msg::Reproduced)) }
            } @else {
                strong.not-reproduced data-reproduced="false" { (ctx.t(Msg::NotReproduced)) }
                " " (r.problems.join("; "))
            }
            " (" (ctx.t(Msg::Engine)) ": " (r.engine) ")"
        }
    })
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
) -> Markup {
    let donors = donors.join(", ");
    let lr = i18n::lr_html(log10_lr);
    let p = i18n::probability_html(posterior);
    let when = last_review.unwrap_or_default();
    match lang {
        Lang::En => {
            let state = match status {
                IdentificationStatus::Confirmed => {
                    format!("Two forensic experts reviewed this result independently and confirmed the identification ({when}).")
                }
                IdentificationStatus::Proposed => "This result awaits the review of two forensic experts: it is not yet an identification.".to_owned(),
                IdentificationStatus::Flagged => "This result is being reviewed again (the reason is stated above): until then it is not an identification.".to_owned(),
                IdentificationStatus::Rejected => "Forensic experts rejected this result: it is not an identification.".to_owned(),
            };
            html! {
                "The DNA of the remains" @if let Some(s) = site { " recovered at " (s) }
                " was compared with the DNA that " (donors) " gave. The result is " (lr)
                " times more likely if the remains are those of " (person)
                " than if they are of someone unrelated to your family. Under the prior stated above, the \
                 probability that they are " (person) "'s is " (p) ". " (state)
            }
        }
        Lang::Ja => {
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
            html! {
                @if let Some(s) = site { (s) "で収容された" }
                "遺骨のDNAを、" (donors) "様からご提供いただいたDNAと比較しました。この結果は、遺骨が" (person)
                "様のものである場合には、ご家族と血縁のない方のものである場合に比べて" (lr)
                "倍起こりやすいものです。上記の事前確率のもとで、" (person) "様である確率は" (p) "です。" (state)
            }
        }
    }
}
