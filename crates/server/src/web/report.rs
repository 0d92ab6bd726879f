//! The identification report: one identification as the family and the programme keep it, in the
//! reader's language: the person, the remains (site, recovery date, sample), the references, the
//! hypotheses, the markers and frequency table the job computed under, the LR and posterior with
//! the prior they are under, the reviewers and their dates, a paragraph in plain words for the
//! family, and lines to sign. "DRAFT" until two reviewers have confirmed it.
//!
//! Every figure is the registry's stored evidence of the identification (what the reviewers
//! decided on), never recomputed here; `GET /api/v1/identifications/{id}/verify` recomputes it.
//! One query per section, none in a loop.
//!
//! The page and its PDF (`/identifications/{id}/report.pdf`, [`formats::pdf`]) are one report: the
//! handler gathers it once as [`Cell`]s, each value in its HTML form (links, superscripts) and its
//! plain form, and each rendering takes the form it prints. The pedigree drawing and the karyogram
//! are on the page only; the PDF lists the SNP evidence by chromosome.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Extension;
use formats::pdf::{self, Block};
use maud::{html, Markup};
use registry::IdentificationStatus;

use super::family_sample_mission_pages::family_view;
use super::html::{facts, link};
use super::i18n::{self, Lang, Msg};
use super::pages::{first_name, names_html};
use super::{Ctx, PageError, PageId, PageResult};
use crate::AppState;

/// A value of the report in its two forms: as the page shows it (links, superscripts) and as
/// the PDF prints it. Made once, where the value is found.
#[derive(Clone)]
struct Cell {
    html: Markup,
    text: String,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            html: html! { (text) },
            text,
        }
    }

    fn new(html: Markup, text: impl Into<String>) -> Cell {
        Cell {
            html,
            text: text.into(),
        }
    }

    /// A likelihood ratio from its log10: "3.16 × 10<sup>9</sup>" on the page, "3.16 × 10^9" in print.
    fn lr(log10_lr: f64) -> Cell {
        Cell::new(i18n::lr_html(log10_lr), i18n::lr_text(log10_lr))
    }

    /// Cells one after another, as one.
    fn join(parts: Vec<Cell>) -> Cell {
        Cell {
            html: html! { @for p in &parts { (p.html) } },
            text: parts.iter().map(|p| p.text.as_str()).collect(),
        }
    }
}

type Facts = Vec<(&'static str, Cell)>;

/// Everything the report says, gathered once for the page and the PDF.
/// What the report is gathered for: the PDF has no drawings, so nothing is read for them (the
/// karyogram's audited genotype read, the pedigree).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rendering {
    Page,
    Pdf,
}

struct Report {
    title: String,
    status: Cell,
    stored_status: IdentificationStatus,
    person: Facts,
    remains: Facts,
    references: Option<References>,
    evidence: Option<Evidence>,
    for_family: Option<Cell>,
    /// Reviewer, decision, when, notes.
    reviews: Vec<[String; 4]>,
    /// The names of the reviewers who confirmed, in order.
    confirmed_by: Vec<String>,
}

impl Report {
    fn confirmed(&self) -> bool {
        self.stored_status == IdentificationStatus::Confirmed
    }
}

struct References {
    /// Id, donor, kit, consent.
    rows: Vec<[String; 4]>,
    /// H1 and H2.
    hypotheses: [String; 2],
    /// The pedigree drawing (the page's only).
    pedigree: Option<Markup>,
}

struct Evidence {
    facts: Facts,
    /// The page's SNP section (chromosome table and karyogram; the page's only) and, for print,
    /// the chromosomes: name, SNPs, LR.
    snp: Option<(Option<Markup>, Vec<[String; 3]>)>,
    recomputation: Cell,
}

pub(crate) async fn identification_report(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let report = gather(&s, &ctx, id, Rendering::Page).await?;
    let title = report.title.clone();
    ctx.respond(&title, page(&ctx, id, report))
}

/// The same report as a PDF, for the family and the file: A4, the family's language as the
/// reader's, "DRAFT" across every page until two reviewers have confirmed it.
pub(crate) async fn identification_report_pdf(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    PageId(id): PageId,
) -> PageResult {
    let report = gather(&s, &ctx, id, Rendering::Pdf).await?;
    let document = document(&ctx, id, report);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"identification-{id}.pdf\""),
            ),
        ],
        pdf::write_pdf(&document),
    )
        .into_response())
}

async fn gather(s: &AppState, ctx: &Ctx, id: i64, rendering: Rendering) -> Result<Report, PageError> {
    let lang = ctx.lang;
    let ident = PageError::found(s.store.get_identification(id).await?, "identification", id)?;
    let evidence = s.store.identification_evidence(id).await?;
    let candidate = match s.store.identification_candidate(id).await? {
        Some(c) => s.store.get_candidate(c).await?,
        None => None,
    };
    // A family liaison reads the reports of their own families only.
    let family = match &candidate {
        Some(c) => Some(family_view(s, ctx, c.data.family_id).await?),
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
    let reason = ident.flag_reason.as_deref();
    let status = Cell::new(
        i18n::identification_status_html(lang, ident.status, reason),
        i18n::identification_status_text(lang, ident.status, reason),
    );

    let names_text = i18n::names_in_order(lang, &person.data.names)
        .iter()
        .map(|n| n.text.as_str())
        .collect::<Vec<_>>()
        .join(" · ");
    let mut person_facts = vec![
        (ctx.t(Msg::Identification), Cell::plain(format!("#{}", ident.id))),
        (ctx.t(Msg::Status), status.clone()),
        (
            ctx.t(Msg::Person),
            Cell::new(
                html! {
                    a href={ "/persons/" (person.id) } { (names_html(lang, &person.data.names)) }
                    " (" (person.data.external_id) ")"
                },
                format!("{names_text} ({})", person.data.external_id),
            ),
        ),
    ];
    if let Some(b) = person.data.birth {
        person_facts.push((ctx.t(Msg::Born), Cell::plain(i18n::date(lang, b))));
    }
    if let Some(d) = person.data.death {
        person_facts.push((ctx.t(Msg::Died), Cell::plain(i18n::date(lang, d))));
    }
    if let Some(place) = person.data.death_place.as_ref().and_then(|p| p.name.as_deref()) {
        person_facts.push((ctx.t(Msg::DeathPlace), Cell::plain(place)));
    }

    // The remains.
    let mut remains_facts = Vec::new();
    let site_name = site.as_ref().map(|st| first_name(lang, &st.data.names));
    if let (Some(site), Some(name)) = (&site, &site_name) {
        remains_facts.push((
            ctx.t(Msg::Site),
            Cell::new(link(&format!("/sites/{}", site.id), name), name.clone()),
        ));
    }
    if let Some(r) = &remains {
        remains_facts.push(("ID", Cell::plain(r.data.external_id.clone())));
        remains_facts.push((
            ctx.t(Msg::SkeletalElement),
            Cell::plain(r.data.skeletal_element.clone()),
        ));
        if let Some(d) = r.data.recovery_date {
            remains_facts.push((ctx.t(Msg::RecoveryDate), Cell::plain(i18n::date(lang, d))));
        }
    }
    if let Some(x) = &sample {
        let kind = format!(" ({}, {})", x.lab, x.profile_kind.as_str());
        remains_facts.push((
            ctx.t(Msg::Sample),
            Cell::new(
                html! { (link(&format!("/samples/{}", x.id), &x.external_id)) (kind) },
                format!("{}{kind}", x.external_id),
            ),
        ));
    }
    if remains_facts.is_empty() {
        remains_facts.push((ctx.t(Msg::Evidence), Cell::plain(ctx.t(Msg::DocumentaryGrounds))));
    }

    // The references and the hypotheses.
    let cited = &ident.reference_ids;
    let mut donors = Vec::new();
    let references = family.as_ref().map(|view| {
        let rows: Vec<[String; 4]> = view
            .references
            .iter()
            .filter(|r| cited.contains(&r.id))
            .map(|r| {
                let donor = view.member_name(r.donor_member_id);
                let consent = match r.withdrawal {
                    Some(_) => ctx.t(Msg::ConsentWithdrawn),
                    None => r.consent.scope.as_str(),
                };
                donors.push(donor.clone());
                [r.external_id.clone(), donor, r.kit.clone(), consent.to_owned()]
            })
            .collect();
        let missing = candidate
            .as_ref()
            .map(|c| view.member_name(c.data.member_id))
            .unwrap_or_default();
        let hypotheses = [h1(lang, &missing, &view.family.name), h2(lang, &view.family.name)];
        let pedigree = (rendering == Rendering::Page).then(|| view.pedigree_svg(ctx));
        References {
            rows,
            hypotheses,
            pedigree,
        }
    });

    // The figures and the model.
    let figures = match &evidence {
        Some(e) => Some(figures(s, ctx, id, e, model.as_ref(), candidate.as_ref()).await?),
        None => None,
    };
    // The karyogram reads genotypes (audited): only for the page, which draws it.
    let figures = match (figures, rendering) {
        (Some(mut f), Rendering::Page) => {
            if let (Some(c), Some((section, _))) = (candidate.as_ref(), f.snp.as_mut()) {
                if let Some(ev) = c.data.snp_evidence.as_ref() {
                    *section = Some(super::snp_view::snp_section(s, ctx, c.id, ev, family.as_ref()).await?);
                }
            }
            Some(f)
        }
        (f, _) => f,
    };
    let for_family = evidence.as_ref().map(|e| {
        for_the_family(
            lang,
            &person_name,
            site_name.as_deref(),
            &donors,
            e.log10_lr.unwrap_or_else(|| e.lr.log10()),
            e.posterior,
            ident.status,
            reviews.iter().map(|r| r.at.as_str()).max().map(|at| ctx.instant(at)),
        )
    });

    // Reviews and signatures.
    let review_rows = reviews
        .iter()
        .map(|r| {
            let decision = i18n::decision(&r.decision).map_or(r.decision.as_str(), |m| ctx.t(m));
            [
                r.reviewer.clone(),
                decision.to_owned(),
                ctx.instant(&r.at),
                r.comment.clone(),
            ]
        })
        .collect();
    let confirmed_by = reviews
        .iter()
        .filter(|r| r.decision == "confirm")
        .map(|r| r.reviewer.clone())
        .collect();
    Ok(Report {
        title: format!("{}: {}", ctx.t(Msg::Report), person_name),
        status,
        stored_status: ident.status,
        person: person_facts,
        remains: remains_facts,
        references,
        evidence: figures,
        for_family,
        reviews: review_rows,
        confirmed_by,
    })
}

fn html_facts(rows: &Facts) -> Markup {
    facts(rows.iter().map(|(label, cell)| (*label, cell.html.clone())))
}

fn html_rows<const N: usize>(rows: &[[String; N]]) -> Vec<Vec<Markup>> {
    rows.iter()
        .map(|row| row.iter().map(|cell| html! { (cell) }).collect())
        .collect()
}

/// The signature blocks: two reviewers, numbered, with the names of those who confirmed; the head
/// of the laboratory below. (role label, name).
fn signatures(ctx: &Ctx, confirmed_by: &[String]) -> Vec<(String, String)> {
    [Msg::Reviewer, Msg::Reviewer, Msg::HeadOfLaboratory]
        .iter()
        .enumerate()
        .map(|(i, role)| {
            if i < 2 {
                let name = confirmed_by.get(i).cloned().unwrap_or_default();
                (format!("{} {}", ctx.t(*role), i + 1), name)
            } else {
                (ctx.t(*role).to_owned(), String::new())
            }
        })
        .collect()
}

fn page(ctx: &Ctx, id: i64, report: Report) -> Markup {
    html! {
        p.no-print {
            button type="button" data-action="print" { (ctx.t(Msg::Print)) }
            " "
            a.button href={ "/identifications/" (id) "/report.pdf" } id="report-pdf" { (ctx.t(Msg::DownloadPdf)) }
        }
        @if !report.confirmed() {
            p.draft data-status=(report.stored_status.as_str()) { strong { (ctx.t(Msg::Draft)) } " — " (report.status.html) }
        }
        (html_facts(&report.person))
        h2 { (ctx.t(Msg::Remains)) }
        (html_facts(&report.remains))
        @if let Some(References { rows, hypotheses, pedigree }) = &report.references {
            (ctx.table(Msg::References, &[Msg::Id, Msg::Donor, Msg::Kit, Msg::Consent], &html_rows(rows)))
            h2 { (ctx.t(Msg::Hypotheses)) }
            ul.hypotheses {
                li { strong { "H1" } ": " (hypotheses[0]) }
                li { strong { "H2" } ": " (hypotheses[1]) }
            }
            @if let Some(pedigree) = pedigree { (pedigree) }
        }
        @if let Some(e) = &report.evidence {
            h2 { (ctx.t(Msg::Evidence)) }
            (html_facts(&e.facts))
            @if let Some((Some(section), _)) = &e.snp { (section) }
            (e.recomputation.html)
        }
        @if let Some(paragraph) = &report.for_family {
            h2 { (ctx.t(Msg::ForTheFamily)) }
            p.for-family { (paragraph.html) }
        }
        (ctx.table(Msg::Reviews, &[Msg::Reviewer, Msg::Decision, Msg::When, Msg::Notes], &html_rows(&report.reviews)))
        h2 { (ctx.t(Msg::Signatures)) }
        div.signatures {
            @for (role, name) in signatures(ctx, &report.confirmed_by) {
                div.signature {
                    span.line {}
                    span { (role) }
                    span { (ctx.t(Msg::Name)) ": " (name) }
                    span { (ctx.t(Msg::When)) ":" }
                }
            }
        }
    }
}

fn document(ctx: &Ctx, id: i64, report: Report) -> pdf::Document {
    let facts = |rows: &Facts| Block::Facts(rows.iter().map(|(l, c)| ((*l).to_owned(), c.text.clone())).collect());
    let heading = |m: Msg| Block::Heading(ctx.t(m).to_owned());
    let mut blocks = Vec::new();
    if !report.confirmed() {
        blocks.push(Block::Paragraph(format!(
            "{} — {}",
            ctx.t(Msg::Draft),
            report.status.text
        )));
    }
    blocks.push(facts(&report.person));
    blocks.push(heading(Msg::Remains));
    blocks.push(facts(&report.remains));
    if let Some(References { rows, hypotheses, .. }) = &report.references {
        blocks.push(heading(Msg::References));
        blocks.push(Block::Table {
            header: [Msg::Id, Msg::Donor, Msg::Kit, Msg::Consent]
                .map(|m| ctx.t(m).to_owned())
                .to_vec(),
            rows: rows.iter().map(|r| r.to_vec()).collect(),
        });
        blocks.push(heading(Msg::Hypotheses));
        blocks.push(Block::Paragraph(format!("H1: {}", hypotheses[0])));
        blocks.push(Block::Paragraph(format!("H2: {}", hypotheses[1])));
    }
    if let Some(e) = &report.evidence {
        blocks.push(heading(Msg::Evidence));
        blocks.push(facts(&e.facts));
        if let Some((_, chromosomes)) = &e.snp {
            blocks.push(Block::Table {
                header: vec![
                    ctx.t(Msg::Chromosome).to_owned(),
                    "SNP".to_owned(),
                    ctx.t(Msg::Lr).to_owned(),
                ],
                rows: chromosomes.iter().map(|r| r.to_vec()).collect(),
            });
        }
        blocks.push(Block::Paragraph(e.recomputation.text.clone()));
    }
    if let Some(paragraph) = &report.for_family {
        blocks.push(heading(Msg::ForTheFamily));
        blocks.push(Block::Paragraph(paragraph.text.clone()));
    }
    blocks.push(heading(Msg::Reviews));
    blocks.push(Block::Table {
        header: [Msg::Reviewer, Msg::Decision, Msg::When, Msg::Notes]
            .map(|m| ctx.t(m).to_owned())
            .to_vec(),
        rows: report.reviews.iter().map(|r| r.to_vec()).collect(),
    });
    blocks.push(heading(Msg::Signatures));
    let lines = signatures(ctx, &report.confirmed_by)
        .into_iter()
        .map(|(role, name)| format!("{role}    {}: {name}    {}:", ctx.t(Msg::Name), ctx.t(Msg::When)))
        .collect();
    blocks.push(Block::Signatures(lines));
    let watermark = (!report.confirmed()).then(|| ctx.t(Msg::DraftMark).to_owned());
    pdf::Document {
        title: report.title,
        lang: ctx.lang.tag().to_owned(),
        watermark,
        blocks,
        footer: format!("Homeward · {} #{id}", ctx.t(Msg::Identification)),
    }
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
) -> Result<Evidence, PageError> {
    let log10 = e.log10_lr.unwrap_or_else(|| e.lr.log10());
    let posterior = i18n::posterior_text(e.posterior);
    let mut rows = vec![
        (ctx.t(Msg::Lr), Cell::lr(log10)),
        (
            ctx.t(Msg::Posterior),
            Cell::new(i18n::probability_html(e.posterior), posterior),
        ),
    ];
    if let Some(prior) = &e.prior {
        rows.push((ctx.t(Msg::Prior), Cell::plain(prior.clone())));
    }
    if let Some(m) = model {
        rows.push((
            ctx.t(Msg::Markers),
            Cell::plain(format!("{} ({})", m.markers.len(), m.markers.join(", "))),
        ));
        rows.push((
            ctx.t(Msg::FrequencyTable),
            Cell::new(html! { code { (m.frequencies_sha256) } }, m.frequencies_sha256.clone()),
        ));
        rows.push((
            ctx.t(Msg::MutationModels),
            Cell::plain(ctx.t(if m.mutations { Msg::Yes } else { Msg::No })),
        ));
        rows.push((ctx.t(Msg::Engine), Cell::plain(m.engine.clone())));
    }
    if let Some(snp) = model.and_then(|m| m.snp.as_ref()) {
        let averaged = if snp.sex_averaged_map { ", sex-averaged map" } else { "" };
        let rest = format!("), {}{averaged}, genotype error {}", snp.map, snp.genotype_error);
        rows.push((
            ctx.t(Msg::SnpPanel),
            Cell::new(
                html! { (snp.panel) " (" code { (snp.panel_sha256) } (rest) },
                format!("{} ({}{rest}", snp.panel, snp.panel_sha256),
            ),
        ));
    }
    let snp = match candidate.and_then(|c| c.data.snp_evidence.as_ref()) {
        Some(ev) => {
            let chromosomes = ev
                .chromosomes
                .iter()
                .map(|ch| [ch.chrom.clone(), ch.markers.to_string(), i18n::lr_text(ch.log10_lr)])
                .collect();
            Some((None, chromosomes))
        }
        None => None,
    };
    Ok(Evidence {
        facts: rows,
        snp,
        recomputation: recomputed(s, ctx, id).await?,
    })
}

/// The LR recomputed now from the stored profiles under the job's recorded model, beside the
/// stored figure: for a reader who may read genotypes (the recomputation reads them, audited);
/// others are told who can run it.
async fn recomputed(s: &AppState, ctx: &Ctx, id: i64) -> Result<Cell, PageError> {
    if !ctx.may(crate::Permission::ReadProfiles) {
        let text = ctx.t(Msg::RecomputeNeedsLab);
        return Ok(Cell::new(html! { p.muted id="recomputation" { (text) } }, text));
    }
    let recomputation = jobs::provenance::verify_identification(&s.store, &ctx.user.username, id)
        .await
        .map_err(super::snp_view::job_error)?;
    let Some(r) = recomputation else {
        return Ok(Cell::plain(""));
    };
    let lr = match r.recomputed_log10_lr {
        Some(log10) => Cell::lr(log10),
        None => Cell::plain("–"),
    };
    let verdict = if r.reproduced {
        ctx.t(Msg::Reproduced).to_owned()
    } else {
        format!("{} {}", ctx.t(Msg::NotReproduced), r.problems.join("; "))
    };
    let engine = format!(" ({}: {})", ctx.t(Msg::Engine), r.engine);
    let text = format!("{}: {} — {verdict}{engine}", ctx.t(Msg::RecomputedNow), lr.text);
    Ok(Cell::new(
        html! {
            p id="recomputation" {
                (ctx.t(Msg::RecomputedNow)) ": " (lr.html) " — "
                @if r.reproduced {
                    strong.reproduced data-reproduced="true" { (ctx.t(Msg::Reproduced)) }
                } @else {
                    strong.not-reproduced data-reproduced="false" { (ctx.t(Msg::NotReproduced)) }
                    " " (r.problems.join("; "))
                }
                (engine)
            }
        },
        text,
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
) -> Cell {
    let donors = donors.join(", ");
    let lr = Cell::lr(log10_lr);
    let p = i18n::posterior_text(posterior);
    let when = last_review.unwrap_or_default();
    let t = Cell::plain;
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
            let recovered = site.map(|s| format!(" recovered at {s}")).unwrap_or_default();
            Cell::join(vec![
                t(format!("The DNA of the remains{recovered} was compared with the DNA that {donors} gave. The result is ")),
                lr,
                t(format!(
                    " times more likely if the remains are those of {person} than if they are of someone unrelated \
                     to your family. Under the prior stated above, the probability that they are {person}'s is {p}. {state}"
                )),
            ])
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
            let recovered = site.map(|s| format!("{s}で収容された")).unwrap_or_default();
            Cell::join(vec![
                t(format!(
                    "{recovered}遺骨のDNAを、{donors}様からご提供いただいたDNAと比較しました。この結果は、遺骨が{person}\
                     様のものである場合には、ご家族と血縁のない方のものである場合に比べて"
                )),
                lr,
                t(format!("倍起こりやすいものです。上記の事前確率のもとで、{person}様である確率は{p}です。{state}")),
            ])
        }
    }
}
