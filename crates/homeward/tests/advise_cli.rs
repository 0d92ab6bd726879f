//! `homeward advise` end to end: ranking from a family file, planning before any sample, JSON, and
//! bad input (exit 2, naming the flag or file).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FREQS: &str = "crates/homeward/tests/data/bench/duo_nomut/freqs.tsv";

/// A missing brother MP, his living sister S1 and first cousin CO; nobody typed yet.
const FAMILY: &str = "id\tfid\tmid\tsex\nGF\t0\t0\t1\nGM\t0\t0\t2\nFA\tGF\tGM\t1\nMO\t0\t0\t2\n\
MP\tFA\tMO\t1\nS1\tFA\tMO\t2\nUN\tGF\tGM\t1\nAU\t0\t0\t2\nCO\tUN\tAU\t1\n";

fn freqs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(FREQS)
}

fn family_file(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("homeward-advise-{}-{name}.ped", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

fn advise(ped: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeward"))
        .arg("advise")
        .arg("--ped")
        .arg(ped)
        .arg("--freqs")
        .arg(freqs())
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_sister_is_advised_before_a_cousin_and_the_json_says_so() {
    let ped = family_file("plan", FAMILY);
    let out = advise(
        &ped,
        &[
            "--missing",
            "MP",
            "--candidates",
            "CO,S1",
            "--runs",
            "200",
            "--seed",
            "7",
            "--json",
        ],
    );
    std::fs::remove_file(&ped).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["markers"], 23);
    assert_eq!(json["runs"], 200);
    assert_eq!(json["seed"], 7);
    let candidates = json["candidates"].as_array().unwrap();
    assert_eq!(candidates[0]["id"], "S1");
    assert_eq!(candidates[1]["id"], "CO");
    let p = |i: usize| candidates[i]["p_above_threshold"].as_f64().unwrap();
    assert!(p(0) > p(1) + 0.3, "{json}");
    assert_eq!(json["current"]["p_above_threshold"], 0.0);
}

#[test]
fn the_same_seed_gives_the_same_table() {
    let ped = family_file("seed", FAMILY);
    let args = ["--missing", "MP", "--candidates", "S1,MO", "--runs", "100"];
    let (a, b) = (advise(&ped, &args), advise(&ped, &args));
    std::fs::remove_file(&ped).unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert!(text.contains("(current references)") && text.contains("S1"), "{text}");
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    let ped = family_file("bad", FAMILY);
    let cases: [(&[&str], &str); 4] = [
        (&["--missing", "XX"], "--missing 'XX'"),
        (&["--missing", "MP", "--candidates", "S1,ZZ"], "--candidates 'ZZ'"),
        (&["--missing", "MP", "--threshold", "0"], "--threshold"),
        (&["--missing", "MP", "--candidates", "MP"], "--candidates 'MP'"),
    ];
    for (args, expected) in cases {
        let out = advise(&ped, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    std::fs::remove_file(&ped).unwrap();
}
