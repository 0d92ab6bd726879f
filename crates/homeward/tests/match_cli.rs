//! `homeward match`: same-source fragments grouped, relatives found, bad input named.

use std::path::Path;
use std::process::Output;

mod common;
use common::{bad_input, homeward, json, output, Scratch};

/// `homeward match --pm PM --freqs FREQS EXTRA…`.
fn run_match(pm: &Path, freqs: &Path, extra: &[&str]) -> Output {
    output(
        homeward()
            .args(["match", "--pm"])
            .arg(pm)
            .arg("--freqs")
            .arg(freqs)
            .args(extra),
    )
}

const PM: &str = "id\tfid\tmid\tsex\tM1\tM2\nV1\t0\t0\t1\t10/11\t9/9\nV1b\t0\t0\t1\t10/11\t-/-\nV2\t0\t0\t1\t10/10\t9/10\nV3\t0\t0\t2\t12/12\t10/10\n";
const FREQS: &str = "marker\tallele\tfreq\nM1\t10\t0.2\nM1\t11\t0.3\nM1\t12\t0.5\nM2\t9\t0.4\nM2\t10\t0.6\n";

#[test]
fn fragments_are_grouped_and_relatives_found() {
    let dir = Scratch::new("match");
    let freqs = dir.file("freqs.tsv", FREQS);
    let v = json(&run_match(
        &dir.file("pm.ped", PM),
        &freqs,
        &["--min-lr", "2", "--json"],
    ));
    // V1 and V1b agree at M1 (10/11, LR 1 / (2 · 0.2 · 0.3)); V1b is untyped at M2.
    let same = v["same_source"].as_array().unwrap();
    assert_eq!(same.len(), 1, "{v}");
    let lr = 10f64.powf(same[0]["log10_lr"].as_f64().unwrap());
    assert!((lr - 1.0 / 0.12).abs() < 1e-9, "{lr}");
    assert_eq!(v["groups"], serde_json::json!([["V1", "V1b"]]));
    // V1 (10/11, 9/9) and V2 (10/10, 9/10) fit parent and child.
    assert!(v["kinship"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["a"] == "V1" && p["b"] == "V2" && p["hypothesis"] == "parent-child"));
    // A victim with parents is refused.
    let bad = dir.file(
        "bad.ped",
        "id\tfid\tmid\tsex\tM1\nF\t0\t0\t1\t10/10\nM\t0\t0\t2\t10/10\nC\tF\tM\t1\t10/10\n",
    );
    assert!(bad_input(&run_match(&bad, &freqs, &[])).contains("line 4"));
}
