//! A candidate's SNP evidence on the candidate page and the report: the LR of each chromosome
//! (stored with the candidate) and a karyogram of the segments the sample would share by descent
//! with each SNP reference if it were the missing member (computed from the stored profiles, an
//! audited read, for roles that may read genotypes).

use jobs::provenance::IbdPicture;
use maud::{html, Markup};
use registry::SnpEvidence;

use super::i18n::{self, Msg};
use super::{Ctx, PageError};

/// A job's failure to compute as a page's error.
pub(crate) fn job_error(e: jobs::JobError) -> PageError {
    match e {
        jobs::JobError::Store(e) => PageError::from(e),
        other => PageError::from(crate::ApiError::Unexpected(jobs::Causes(&other).to_string())),
    }
}

/// The chromosome table and, for a reader of genotypes, the karyogram of candidate `id` (whose
/// family is `view`).
pub(crate) async fn snp_section(
    s: &crate::AppState,
    ctx: &Ctx,
    id: i64,
    ev: &SnpEvidence,
    view: Option<&super::family_sample_mission_pages::FamilyView>,
) -> Result<Markup, PageError> {
    let picture = if ctx.may(crate::Permission::ReadProfiles) {
        jobs::provenance::ibd_picture(&s.store, &ctx.user.username, id)
            .await
            .map_err(job_error)?
    } else {
        None
    };
    let name_of = |reference: i64, member: i64| match view {
        Some(v) => {
            let id = v
                .references
                .iter()
                .find(|r| r.id == reference)
                .map(|r| r.external_id.clone());
            format!(
                "{} ({})",
                v.member_name(member),
                id.unwrap_or_else(|| reference.to_string())
            )
        }
        None => format!("{reference}"),
    };
    Ok(html! {
        (chromosome_table(ctx, ev))
        @if let Some(picture) = &picture { (karyogram(ctx, picture, &name_of)) }
    })
}

/// The per-chromosome table, with the SNP LR in all.
pub(crate) fn chromosome_table(ctx: &Ctx, ev: &SnpEvidence) -> Markup {
    let mut rows: Vec<Vec<Markup>> = ev
        .chromosomes
        .iter()
        .map(|c| vec![html! { (c.chrom) }, html! { (c.markers) }, i18n::lr_html(c.log10_lr)])
        .collect();
    rows.push(vec![
        html! { strong { (ctx.t(Msg::AllChromosomes)) } },
        html! { (ev.chromosomes.iter().map(|c| c.markers).sum::<i64>()) },
        html! { strong { (i18n::lr_html(ev.log10_lr())) } },
    ]);
    html! {
        section.snp-evidence data-panel=(ev.panel) {
            p { (ctx.t(Msg::SnpPanel)) ": " strong { (ev.panel) } }
            (ctx.table(Msg::PerChromosome, &[Msg::Chromosome, Msg::Snps, Msg::ChromosomeLr], &rows))
        }
    }
}

/// The most probable IBD state at each SNP, and its probability.
fn state(p: &[f64; 3]) -> (usize, f64) {
    let mut best = 0;
    for k in 1..3 {
        if p[k] > p[best] {
            best = k;
        }
    }
    (best, p[best])
}

const STATE_FILL: [&str; 3] = ["#d9d9d9", "#6baed6", "#08306b"];
const WIDTH: f64 = 640.0;
const LABEL: f64 = 36.0;
const ROW: f64 = 16.0;

/// A coordinate as the drawing writes it: one decimal.
fn coordinate(x: f64) -> String {
    format!("{x:.1}")
}

/// A run of SNPs in one IBD state on one chromosome's bar: `[from, to)` SNP indices.
struct Run {
    from: usize,
    to: usize,
    state: usize,
}

/// The runs of one state along a chromosome's rows of posteriors.
fn runs(rows: &[[f64; 3]]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < rows.len() {
        let (s, _) = state(&rows[from]);
        let mut to = from + 1;
        while to < rows.len() && state(&rows[to]).0 == s {
            to += 1;
        }
        out.push(Run { from, to, state: s });
        from = to;
    }
    out
}

/// One SVG per reference: a bar per chromosome (length by its genetic map), painted by the most
/// probable IBD state between SNPs, each run with its extent and mean probability as a tooltip.
/// `name_of` names a reference (its id and its donor's member id). The states differ in height as
/// well as colour: a thin line for IBD 0, two thirds of the row for IBD 1, the whole row for IBD 2.
pub(crate) fn karyogram(ctx: &Ctx, picture: &IbdPicture, name_of: &dyn Fn(i64, i64) -> String) -> Markup {
    let longest = picture
        .chromosomes
        .iter()
        .filter_map(|(_, cm)| cm.last().zip(cm.first()).map(|(l, f)| l - f))
        .fold(1.0f64, f64::max);
    let scale = (WIDTH - LABEL - 8.0) / longest;
    let height = ROW * picture.chromosomes.len() as f64 + 4.0;
    let full = ROW - 4.0;
    html! {
        section.karyogram {
            h3 { (ctx.t(Msg::Karyogram)) }
            p.legend {
                @for (k, label) in [Msg::Ibd0, Msg::Ibd1, Msg::Ibd2].iter().enumerate() {
                    svg width="14" height="14" aria-hidden="true" {
                        rect y=(coordinate(14.0 * (3 - (k + 1)) as f64 / 6.0)) width="14"
                            height=(coordinate(14.0 * (k + 1) as f64 / 3.0)) fill=(STATE_FILL[k]) stroke="black" {}
                    }
                    " " (ctx.t(*label)) " "
                }
            }
            @for r in &picture.references {
                @let title = format!("{} {}", ctx.t(Msg::IbdWith), name_of(r.reference_id, r.member_id));
                figure data-reference=(r.reference_id) {
                    figcaption { (title) }
                    svg.ibd viewBox={ "0 0 " (WIDTH) " " (height) } width="100%" role="img" aria-label=(title) {
                        @for (c, ((name, cm), rows)) in picture.chromosomes.iter().zip(&r.posteriors).enumerate() {
                            @let y = 2.0 + ROW * c as f64;
                            @let start = cm.first().copied().unwrap_or(0.0);
                            text x=(LABEL - 4.0) y=(y + 11.0) text-anchor="end" font-size="11" { (name) }
                            @for run in runs(rows) {
                                @let x0 = cm[run.from] - start;
                                @let x1 = if run.to < cm.len() { cm[run.to] - start } else { cm[run.to - 1] - start };
                                @let mean = rows[run.from..run.to].iter().map(|p| p[run.state]).sum::<f64>()
                                    / (run.to - run.from) as f64;
                                @let bar = full * [1.0, 2.0, 3.0][run.state] / 3.0;
                                rect x=(coordinate(LABEL + x0 * scale)) y=(coordinate(y + (full - bar) / 2.0))
                                    width=(coordinate(((x1 - x0) * scale).max(1.0))) height=(coordinate(bar))
                                    fill=(STATE_FILL[run.state]) data-ibd=(run.state) {
                                    title {
                                        (name) " " (coordinate(cm[run.from])) "–" (coordinate(cm[run.to - 1]))
                                        " cM: IBD " (run.state) " (P " (format!("{mean:.2}")) ", " (run.to - run.from) " SNPs)"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
