//! `homeward lr --fam FILE`: the likelihood of every competing pedigree of a Familias file and its
//! LR against the reference pedigree, printed as a table or JSON. The file is read by
//! [`casework::familias`].

use std::path::Path;

use anyhow::Result;
use casework::familias::{conditions, hypotheses, log_likelihoods, markers, read};
use casework::input_error;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct PedigreeJson<'a> {
    pedigree: &'a str,
    loglik: Option<f64>,
    lr: f64,
    log10_lr: Option<f64>,
    markers: Vec<MarkerJson<'a>>,
}

#[derive(Debug, Serialize)]
struct MarkerJson<'a> {
    marker: &'a str,
    loglik: Option<f64>,
    lr: f64,
}

#[derive(Debug, Serialize)]
struct LrJson<'a> {
    reference: &'a str,
    pedigrees: Vec<PedigreeJson<'a>>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn ratio(ln: f64, ln_ref: f64) -> f64 {
    if ln == f64::NEG_INFINITY {
        0.0
    } else {
        (ln - ln_ref).exp()
    }
}

/// `homeward lr --fam FILE [--reference NAME] [--json]`: every pedigree's likelihood and its LR
/// against the reference pedigree (the first unless named).
pub fn run_lr(path: &Path, reference: Option<&str>, json: bool) -> Result<()> {
    let fam = read(path)?;
    let markers = markers(path, &fam)?;
    let hyps = hypotheses(path, &fam, &markers)?;
    let r = match reference {
        None => 0,
        Some(name) => hyps.iter().position(|h| h.name == name).ok_or_else(|| {
            let names: Vec<&str> = hyps.iter().map(|h| h.name.as_str()).collect();
            input_error!(
                "--reference '{name}': {} has no such pedigree (it has: {})",
                path.display(),
                names.join(", ")
            )
        })?,
    };
    let ln = log_likelihoods(&markers, &hyps, &conditions(&fam))?;
    if let Some(k) = ln[r].iter().position(|&x| x == f64::NEG_INFINITY) {
        return Err(input_error!(
            "{}: the reference pedigree '{}' is impossible at marker '{}', so no LR is defined; choose another with --reference",
            path.display(),
            hyps[r].name,
            markers[k].name()
        ));
    }
    let total = |p: usize| ln[p].iter().sum::<f64>();
    let out = LrJson {
        reference: &hyps[r].name,
        pedigrees: hyps
            .iter()
            .enumerate()
            .map(|(p, h)| PedigreeJson {
                pedigree: &h.name,
                loglik: finite(total(p)),
                lr: ratio(total(p), total(r)),
                log10_lr: finite((total(p) - total(r)) / std::f64::consts::LN_10),
                markers: markers
                    .iter()
                    .enumerate()
                    .map(|(k, m)| MarkerJson {
                        marker: m.name(),
                        loglik: finite(ln[p][k]),
                        lr: ratio(ln[p][k], ln[r][k]),
                    })
                    .collect(),
            })
            .collect(),
    };
    if json {
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    let width = out.pedigrees.iter().map(|p| p.pedigree.len()).max().unwrap_or(8).max(8);
    println!("LRs against the reference pedigree '{}':", out.reference);
    println!(
        "{:<width$}  {:>16}  {:>14}  {:>10}",
        "pedigree", "ln L", "LR", "log10 LR"
    );
    for p in &out.pedigrees {
        println!(
            "{:<width$}  {:>16}  {:>14}  {:>10}",
            p.pedigree,
            p.loglik.map_or("-inf".to_owned(), |x| format!("{x:.6}")),
            crate::lr::format_lr(p.lr),
            p.log10_lr.map_or("-inf".to_owned(), |x| format!("{x:.4}"))
        );
    }
    Ok(())
}
