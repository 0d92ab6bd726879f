//! A candidate's SNP evidence on the candidate page and the report: the LR of each chromosome
//! (stored with the candidate) and a karyogram of the segments the sample would share by descent
//! with each SNP reference if it were the missing member (computed from the stored profiles, an
//! audited read, for roles that may read genotypes).

use std::fmt::Write as _;

use jobs::provenance::IbdPicture;
use registry::SnpEvidence;

use super::html::esc;
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
) -> Result<String, PageError> {
    let mut out = chromosome_table(ctx, ev);
    if ctx.may(crate::Permission::ReadProfiles) {
        if let Some(picture) = jobs::provenance::ibd_picture(&s.store, &ctx.user.username, id)
            .await
            .map_err(job_error)?
        {
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
            out.push_str(&karyogram(ctx, &picture, &name_of));
        }
    }
    Ok(out)
}

/// The per-chromosome table, with the SNP LR in all.
pub(crate) fn chromosome_table(ctx: &Ctx, ev: &SnpEvidence) -> String {
    let mut rows: Vec<Vec<String>> = ev
        .chromosomes
        .iter()
        .map(|c| vec![esc(&c.chrom), c.markers.to_string(), i18n::lr_html(c.log10_lr)])
        .collect();
    rows.push(vec![
        format!("<strong>{}</strong>", ctx.t(Msg::AllChromosomes)),
        ev.chromosomes.iter().map(|c| c.markers).sum::<i64>().to_string(),
        format!("<strong>{}</strong>", i18n::lr_html(ev.log10_lr())),
    ]);
    format!(
        r#"<section class="snp-evidence" data-panel="{}"><p>{}: <strong>{}</strong></p>{}</section>"#,
        esc(&ev.panel),
        ctx.t(Msg::SnpPanel),
        esc(&ev.panel),
        ctx.table(
            Msg::PerChromosome,
            &[Msg::Chromosome, Msg::Snps, Msg::ChromosomeLr],
            &rows
        )
    )
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

/// One SVG per reference: a bar per chromosome (length by its genetic map), painted by the most
/// probable IBD state between SNPs, each run with its extent and mean probability as a tooltip.
/// `name_of` names a reference (its id and its donor's member id). The states differ in height as
/// well as colour: a thin line for IBD 0, two thirds of the row for IBD 1, the whole row for IBD 2.
pub(crate) fn karyogram(ctx: &Ctx, picture: &IbdPicture, name_of: &dyn Fn(i64, i64) -> String) -> String {
    let longest = picture
        .chromosomes
        .iter()
        .filter_map(|(_, cm)| cm.last().zip(cm.first()).map(|(l, f)| l - f))
        .fold(1.0f64, f64::max);
    let scale = (WIDTH - LABEL - 8.0) / longest;
    let mut out = format!(r#"<section class="karyogram"><h3>{}</h3>"#, ctx.t(Msg::Karyogram));
    let _ = write!(out, r#"<p class="legend">"#);
    for (k, label) in [Msg::Ibd0, Msg::Ibd1, Msg::Ibd2].iter().enumerate() {
        let _ = write!(
            out,
            r#"<svg width="14" height="14" aria-hidden="true"><rect y="{:.1}" width="14" height="{:.1}" fill="{}" stroke="black"/></svg> {} "#,
            14.0 * (3 - (k + 1)) as f64 / 6.0,
            14.0 * (k + 1) as f64 / 3.0,
            STATE_FILL[k],
            ctx.t(*label)
        );
    }
    out.push_str("</p>");
    for r in &picture.references {
        let (reference, donor, posteriors) = (r.reference_id, r.member_id, &r.posteriors);
        let height = ROW * picture.chromosomes.len() as f64 + 4.0;
        let title = format!("{} {}", ctx.t(Msg::IbdWith), name_of(reference, donor));
        let _ = write!(
            out,
            r#"<figure data-reference="{reference}"><figcaption>{}</figcaption><svg class="ibd" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}">"#,
            esc(&title),
            esc(&title)
        );
        for (c, ((name, cm), rows)) in picture.chromosomes.iter().zip(posteriors).enumerate() {
            let y = 2.0 + ROW * c as f64;
            let start = cm.first().copied().unwrap_or(0.0);
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end" font-size="11">{}</text>"#,
                LABEL - 4.0,
                y + 11.0,
                esc(name)
            );
            // Runs of one state: [from, to) SNP indices.
            let mut from = 0;
            while from < rows.len() {
                let (s, _) = state(&rows[from]);
                let mut to = from + 1;
                while to < rows.len() && state(&rows[to]).0 == s {
                    to += 1;
                }
                let x0 = cm[from] - start;
                let x1 = if to < cm.len() {
                    cm[to] - start
                } else {
                    cm[to - 1] - start
                };
                let mean = rows[from..to].iter().map(|p| p[s]).sum::<f64>() / (to - from) as f64;
                let full = ROW - 4.0;
                let height = full * [1.0, 2.0, 3.0][s] / 3.0;
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" data-ibd="{s}"><title>{} {:.1}–{:.1} cM: IBD {s} (P {:.2}, {} SNPs)</title></rect>"#,
                    LABEL + x0 * scale,
                    y + (full - height) / 2.0,
                    ((x1 - x0) * scale).max(1.0),
                    height,
                    STATE_FILL[s],
                    esc(name),
                    cm[from],
                    cm[to - 1],
                    mean,
                    to - from
                );
                from = to;
            }
        }
        out.push_str("</svg></figure>");
    }
    out.push_str("</section>");
    out
}
