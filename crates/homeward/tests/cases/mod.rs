//! Folders of expected-value cases run through the built binary: the parts the kinship and the
//! linked-SNP case tests share.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Relative error at most 1e-9 (both zero counts as equal).
pub fn close(got: f64, want: f64) -> bool {
    (got == 0.0 && want == 0.0) || ((got - want) / want).abs() <= 1e-9
}

/// Runs `cmd` and parses its standard output as JSON; a failed run is an error with its stderr.
pub fn output_json(cmd: &mut Command) -> Result<Value, String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

/// Runs every folder of `root` holding an `expected.json`, in name order, and fails listing every
/// case that does not pass. Returns how many ran.
pub fn run_all(root: &Path, run_case: impl Fn(&Path) -> Result<(), String>) -> usize {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
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
    dirs.len()
}

/// A case's verdict from the problems found in it: none is a pass, else they are its failure.
pub fn verdict(problems: Vec<String>) -> Result<(), String> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
