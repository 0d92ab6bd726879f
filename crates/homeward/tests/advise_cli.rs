//! `homeward advise` end to end: ranking from a family file, planning before any sample, JSON, and
//! bad input (exit 2, naming the flag or file).

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{arg, bad_input, homeward, json, ok, output, run, Scratch};

const FREQS: &str = "crates/homeward/tests/data/bench/duo_nomut/freqs.tsv";

/// A missing brother MP, his living sister S1 and first cousin CO; nobody typed yet.
const FAMILY: &str = "id\tfid\tmid\tsex\nGF\t0\t0\t1\nGM\t0\t0\t2\nFA\tGF\tGM\t1\nMO\t0\t0\t2\n\
MP\tFA\tMO\t1\nS1\tFA\tMO\t2\nUN\tGF\tGM\t1\nAU\t0\t0\t2\nCO\tUN\tAU\t1\n";

fn freqs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(FREQS)
}

/// `text` as the family file `family.ped` of a fresh scratch directory.
fn family_file(name: &str, text: &str) -> (Scratch, PathBuf) {
    let dir = Scratch::new(name);
    let ped = dir.file("family.ped", text);
    (dir, ped)
}

fn advise(ped: &Path, extra: &[&str]) -> Output {
    output(
        homeward()
            .arg("advise")
            .arg("--ped")
            .arg(ped)
            .arg("--freqs")
            .arg(freqs())
            .args(extra),
    )
}

#[test]
fn a_sister_is_advised_before_a_cousin_and_the_json_says_so() {
    let (_dir, ped) = family_file("plan", FAMILY);
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
    let (_dir, ped) = family_file("seed", FAMILY);
    let args = ["--missing", "MP", "--candidates", "S1,MO", "--runs", "100"];
    let (a, b) = (advise(&ped, &args), advise(&ped, &args));
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert!(text.contains("(current references)") && text.contains("S1"), "{text}");
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    let (_dir, ped) = family_file("bad", FAMILY);
    let cases: [(&[&str], &str); 4] = [
        (&["--missing", "XX"], "--missing 'XX'"),
        (&["--missing", "MP", "--candidates", "S1,ZZ"], "--candidates 'ZZ'"),
        (&["--missing", "MP", "--threshold", "0"], "--threshold"),
        (&["--missing", "MP", "--candidates", "MP"], "--candidates 'MP'"),
    ];
    for (args, expected) in cases {
        let stderr = bad_input(&advise(&ped, args));
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

/// The registry form: a family imported from CSV, the mother's reference typed; her living son and
/// her sister's son could give samples. The brother of the missing man ranks above the cousin, and
/// the family's dead are not candidates.
#[test]
fn a_registry_family_is_advised_on_its_living_relatives() {
    let dir = Scratch::new("advise-db");
    let db = dir.db_url();
    let families = "family_external_id,family_name,member,sex,father,mother,is_missing,alive\n\
        F-1,Sato,GF,male,,,no,no\nF-1,,GM,female,,,no,no\nF-1,,MO,female,GF,GM,no,yes\n\
        F-1,,FA,male,,,no,no\nF-1,,MP,male,FA,MO,yes,no\nF-1,,BR,male,FA,MO,no,yes\n\
        F-1,,AU,female,GF,GM,no,no\nF-1,,UN,male,,,no,no\nF-1,,CO,male,UN,AU,no,yes\n";
    let families_csv = dir.file("families.csv", families);
    // The mother typed with the two most common alleles of every marker.
    let text = std::fs::read_to_string(freqs()).unwrap();
    let mut best: Vec<(String, Vec<(f64, String)>)> = Vec::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split('\t').collect();
        let (marker, allele, freq) = (cells[0], cells[1], cells[2].parse::<f64>().unwrap());
        match best.iter_mut().find(|(m, _)| m == marker) {
            Some((_, alleles)) => alleles.push((freq, allele.to_owned())),
            None => best.push((marker.to_owned(), vec![(freq, allele.to_owned())])),
        }
    }
    let mut header = "external_id,family_external_id,donor,kit,consent_scope,consent_date".to_owned();
    let mut row = "K-1,F-1,MO,GlobalFiler,identification-only,2024-05".to_owned();
    for (marker, mut alleles) in best {
        alleles.sort_by(|a, b| b.0.total_cmp(&a.0));
        header.push_str(&format!(",{marker}"));
        row.push_str(&format!(",{}/{}", alleles[0].1, alleles[1].1));
    }
    let profiles_csv = dir.file("profiles.csv", format!("{header}\n{row}\n"));
    ok(&run(["import", "families", arg(&families_csv), "--db", &db]));
    ok(&run(["import", "profiles", arg(&profiles_csv), "--db", &db]));
    let freqs = freqs();
    let v = json(&run([
        "advise",
        "--family",
        "F-1",
        "--db",
        &db,
        "--freqs",
        freqs.to_str().unwrap(),
        "--runs",
        "300",
        "--json",
    ]));
    let ids: Vec<&str> = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["BR", "CO"], "{v}");
    assert_eq!(v["missing"], "MP");
    let p = |i: usize| v["candidates"][i]["p_above_threshold"].as_f64().unwrap();
    assert!(p(0) > p(1), "{v}");
    // The reference's genotypes were read through the audit log.
    ok(&run(["audit", "verify", "--db", &db]));
    let missing = run(["advise", "--family", "F-9", "--db", &db, "--freqs", arg(&freqs)]);
    assert!(bad_input(&missing).contains("F-9"));
}
