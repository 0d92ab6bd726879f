//! Every shared kinship case through the built binary: `homeward lr … --json` must give the
//! expected total and per-marker LRs within relative error 1e-9.

use std::path::{Path, PathBuf};

mod cases;
use cases::{close, output_json, run_all, verdict};

mod common;
use common::{expected, homeward};

fn data_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn run_case(dir: &Path) -> Result<(), String> {
    let freqs = ["freqs.tsv", "freqs.csv", "freqs.txt"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .ok_or("no frequency file")?;
    let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    let mut cmd = homeward();
    cmd.arg("lr")
        .arg("--h1")
        .arg(dir.join("h1.ped"))
        .arg("--freqs")
        .arg(&freqs);
    if dir.join("h2.ped").exists() {
        cmd.arg("--h2").arg(dir.join("h2.ped"));
    }
    cmd.args(args.split_whitespace()).arg("--json");
    let got = output_json(&mut cmd)?;
    let want = expected(dir);
    let (g, w) = (got["lr"].as_f64().unwrap(), want["lr"].as_f64().unwrap());
    let mut problems = Vec::new();
    if !close(g, w) {
        problems.push(format!("total LR {g} != {w}"));
    }
    let (gm, wm) = (got["markers"].as_array().unwrap(), want["markers"].as_array().unwrap());
    if gm.len() != wm.len() {
        problems.push(format!("{} markers, expected {}", gm.len(), wm.len()));
    }
    for (g, w) in gm.iter().zip(wm) {
        let (gl, wl) = (g["lr"].as_f64().unwrap(), w["lr"].as_f64().unwrap());
        if g["marker"] != w["marker"] || !close(gl, wl) {
            problems.push(format!("marker {} LR {gl} != {} {wl}", g["marker"], w["marker"]));
        }
    }
    if w == 0.0 {
        if !got["log10_lr"].is_null() || !got["loglik_h1"].is_null() {
            problems.push("H1 impossible: log10_lr and loglik_h1 must be null".into());
        }
    } else {
        for key in ["loglik_h1", "loglik_h2"] {
            let (g, w) = (got[key].as_f64().unwrap(), want[key].as_f64().unwrap());
            if (g - w).abs() > 1e-9 * w.abs().max(1.0) {
                problems.push(format!("{key} {g} != {w}"));
            }
        }
    }
    verdict(problems)
}

#[test]
fn every_shared_kinship_case_matches_its_expected_lr() {
    run_all(&data_dir("kinship"), run_case);
}

#[test]
fn every_benchmark_case_matches_its_expected_lr() {
    run_all(&data_dir("bench"), run_case);
}
