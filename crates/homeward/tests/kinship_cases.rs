//! Every shared kinship case through the built binary: `homeward lr … --json` must give the
//! expected total and per-marker LRs within relative error 1e-9.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn data_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn close(got: f64, want: f64) -> bool {
    (got == 0.0 && want == 0.0) || ((got - want) / want).abs() <= 1e-9
}

fn run_case(dir: &Path) -> Result<(), String> {
    let freqs = ["freqs.tsv", "freqs.csv", "freqs.txt"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .ok_or("no frequency file")?;
    let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_homeward"));
    cmd.arg("lr")
        .arg("--h1")
        .arg(dir.join("h1.ped"))
        .arg("--freqs")
        .arg(&freqs);
    if dir.join("h2.ped").exists() {
        cmd.arg("--h2").arg(dir.join("h2.ped"));
    }
    cmd.args(args.split_whitespace()).arg("--json");
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let got: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let want: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn run_all(folder: &str) {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(data_dir(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").exists())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| {
            run_case(d)
                .err()
                .map(|e| format!("{}: {e}", d.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn every_shared_kinship_case_matches_its_expected_lr() {
    run_all("kinship");
}

#[test]
fn every_benchmark_case_matches_its_expected_lr() {
    run_all("bench");
}
