//! Familias `.fam` cases through the built binary: `homeward lr --fam` must give the LRs of the same
//! case written as ped files and a frequency file (made from the `.fam` by the independent script
//! `tests/data/familias/fam_to_ped.py`), and `homeward dvi --fam` the results of the same DVI problem
//! written as PM/AM ped files.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{arg, homeward, json, output, Scratch};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/familias")
        .join(name)
}

/// Runs `homeward ARGS… FLAG PATH…`.
fn run_with(args: &[&str], paths: &[(&str, &Path)]) -> Output {
    let mut cmd = homeward();
    cmd.args(args);
    for (flag, path) in paths {
        cmd.arg(flag).arg(path);
    }
    output(&mut cmd)
}

fn close(a: f64, b: f64) -> bool {
    a == b || ((a - b) / b).abs() <= 1e-12
}

/// A copy of `paternity.fam` changed by `edit`, as `dir/NAME.fam`.
fn edited_paternity(dir: &Scratch, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(data("paternity.fam")).unwrap();
    dir.file(&format!("{name}.fam"), edit(text))
}

const PATERNITY_MODEL: [&str; 10] = [
    "--mutation",
    "stepwise",
    "--rate-female",
    "0.001",
    "--rate-male",
    "0.002",
    "--rate2",
    "1e-6",
    "--range",
    "0.1",
];

/// `lr --json` with the paternity model on `paternity/H1_FILE` against `paternity/H2.ped`.
fn ped_lr(h1_file: &str, freqs: &Path, extra: &[&str]) -> Value {
    let dir = data("paternity");
    let mut args = vec!["lr", "--json"];
    args.extend_from_slice(&PATERNITY_MODEL);
    args.extend_from_slice(extra);
    json(&run_with(
        &args,
        &[
            ("--h1", &dir.join(h1_file)),
            ("--h2", &dir.join("H2.ped")),
            ("--freqs", freqs),
        ],
    ))
}

/// `lr --fam FAM --reference H2` against `lr --h1 H1.ped --h2 H2.ped --freqs` with `extra` flags.
fn assert_fam_matches_ped(fam: &Path, extra: &[&str]) {
    assert_fam_matches_ped_with(fam, &data("paternity").join("freqs.tsv"), extra);
}

fn assert_fam_matches_ped_with(fam: &Path, freqs: &Path, extra: &[&str]) {
    let got = json(&run_with(&["lr", "--reference", "H2", "--json"], &[("--fam", fam)]));
    assert_eq!(got["reference"], "H2");
    let h1 = &got["pedigrees"][0];
    assert_eq!(h1["pedigree"], "H1");
    let want = ped_lr("H1.ped", freqs, extra);
    let (g, w) = (h1["lr"].as_f64().unwrap(), want["lr"].as_f64().unwrap());
    assert!(close(g, w), "LR {g} from the .fam, {w} from ped files");
    assert!(close(
        h1["loglik"].as_f64().unwrap(),
        want["loglik_h1"].as_f64().unwrap()
    ));
    let h2 = &got["pedigrees"][1];
    assert!(close(
        h2["loglik"].as_f64().unwrap(),
        want["loglik_h2"].as_f64().unwrap()
    ));
    assert_eq!(h2["lr"], 1.0);
    let (gm, wm) = (h1["markers"].as_array().unwrap(), want["markers"].as_array().unwrap());
    assert_eq!(gm.len(), 10);
    for (g, w) in gm.iter().zip(wm) {
        assert_eq!(g["marker"], w["marker"]);
        let (a, b) = (g["lr"].as_f64().unwrap(), w["lr"].as_f64().unwrap());
        assert!(close(a, b), "{}: {a} vs {b}", g["marker"]);
    }
}

#[test]
fn paternity_fam_gives_the_lr_of_the_same_case_as_ped_files() {
    assert_fam_matches_ped(&data("paternity.fam"), &[]);
}

#[test]
fn theta_of_the_fam_database_is_used() {
    let dir = Scratch::new("theta");
    let fam = edited_paternity(&dir, "theta", |t| {
        t.replace("Theta/Kinship/Fst: 0 )", "Theta/Kinship/Fst: 0.03 )")
    });
    assert_fam_matches_ped(&fam, &["--theta", "0.03"]);
}

#[test]
fn dropout_of_a_person_marked_for_it_is_used() {
    let dir = Scratch::new("dropout");
    let fam = edited_paternity(&dir, "dropout", |t| {
        t.replacen("\"CH\"\n#FALSE#\n-1\n", "\"CH\"\n#FALSE#\n-1 (Consider dropouts)\n", 1)
            .replace("Dropout probability = 0 ,", "Dropout probability = 0.05 ,")
    });
    assert_fam_matches_ped(&fam, &["--dropout", "CH=0.05"]);
}

#[test]
fn a_silent_allele_of_the_database_is_the_engines_silent_allele() {
    // D3S1358 gets a silent allele of frequency 0.0005 (the listed ones then sum to 1.0005, which
    // both paths rescale the same way), and the equal model (the engine's stepwise model takes
    // numeric alleles only).
    let dir = Scratch::new("silent");
    let d3_as = |name: &str, silent: &str| {
        let to = format!("\"D3S1358\"\n0.001\n0.002\n0\n0\n13\n0.1\n0.1\n1e-006\n1e-006\n{silent}\n");
        edited_paternity(&dir, name, move |t| {
            t.replacen(
                "\"D3S1358\"\n0.001\n0.002\n4\n4\n12\n0.1\n0.1\n1e-006\n1e-006\n#FALSE#\n0\n",
                &to,
                1,
            )
        })
    };
    let fam = d3_as("silent", "#TRUE#\n0.0005");
    let without = d3_as("no-silent", "#FALSE#\n0");
    let text = std::fs::read_to_string(data("paternity").join("freqs.tsv")).unwrap();
    let freqs = dir.file("freqs.tsv", format!("{text}D3S1358\tSilent\t0.0005\n"));
    let table = dir.file(
        "models.tsv",
        "marker\tmodel\trate_female\trate_male\nD3S1358\tequal\t0.001\t0.002\n",
    );
    assert_fam_matches_ped_with(&fam, &freqs, &["--mutation-table", table.to_str().unwrap()]);
    let plain = json(&run_with(
        &["lr", "--reference", "H2", "--json"],
        &[("--fam", &without)],
    ));
    let silent = json(&run_with(&["lr", "--reference", "H2", "--json"], &[("--fam", &fam)]));
    let d3 = |v: &Value| v["pedigrees"][0]["markers"][0]["lr"].as_f64().unwrap();
    assert!(d3(&plain) != d3(&silent), "the silent allele changes the D3S1358 LR");
}

#[test]
fn a_pedigree_with_extra_persons_and_single_parents() {
    // H3: AF is CH's maternal grandfather through an extra woman (person 3); CH's father and the extra
    // woman's mother are not given, so both are added as founders.
    let dir = Scratch::new("grandfather");
    let fam = edited_paternity(&dir, "grandfather", |t| {
        t.replace("\"Known relations\"\n0\n0\n0\n2\n", "\"Known relations\"\n0\n0\n0\n3\n")
            .replace(
                "#FALSE# (#Databases",
                "2\n\"H3\"\n1\n0\n2\n0\n3\n3\n2\n#FALSE# (#Databases",
            )
    });
    let got = json(&run_with(&["lr", "--reference", "H2", "--json"], &[("--fam", &fam)]));
    let h3 = &got["pedigrees"][2];
    assert_eq!(h3["pedigree"], "H3");
    let want = ped_lr("H3.ped", &data("paternity").join("freqs.tsv"), &[]);
    let (g, w) = (h3["lr"].as_f64().unwrap(), want["lr"].as_f64().unwrap());
    assert!(close(g, w), "LR {g} from the .fam, {w} from H3.ped");
    assert!(
        g < got["pedigrees"][0]["lr"].as_f64().unwrap(),
        "a grandfather is less likely than the father"
    );
}

#[test]
fn the_first_pedigree_is_the_default_reference() {
    let got = json(&run_with(&["lr", "--json"], &[("--fam", &data("paternity.fam"))]));
    assert_eq!(got["reference"], "H1");
    let h2 = got["pedigrees"][1]["lr"].as_f64().unwrap();
    let vs_h2 = json(&run_with(
        &["lr", "--json", "--reference", "H2"],
        &[("--fam", &data("paternity.fam"))],
    ));
    let h1 = vs_h2["pedigrees"][0]["lr"].as_f64().unwrap();
    assert!(close(h2, 1.0 / h1), "{h2} vs 1/{h1}");
    assert!(h1 > 100.0, "the alleged father is not excluded: LR {h1}");
}

#[test]
fn the_table_names_every_pedigree() {
    let out = run_with(&["lr"], &[("--fam", &data("paternity.fam"))]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("reference pedigree 'H1'"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("H2 ")), "{text}");
}

/// (victim, missing) → LR of a `dvi --json` answer.
fn pairwise(v: &Value) -> Vec<(String, String, Option<f64>)> {
    let mut out: Vec<_> = v["pairwise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["victim"].as_str().unwrap().to_owned(),
                p["missing"].as_str().unwrap().to_owned(),
                p["lr"].as_f64(),
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

#[test]
fn dvi_fam_gives_the_results_of_the_same_problem_as_ped_files() {
    let got = json(&run_with(&["dvi", "--json"], &[("--fam", &data("dvi-example.fam"))]));
    let dir = data("dvi-example");
    let want = json(&run_with(
        &["dvi", "--json"],
        &[
            ("--pm", &dir.join("pm.ped")),
            ("--am", &dir.join("am.ped")),
            ("--missing", &dir.join("missing")),
            ("--freqs", &dir.join("freqs.tsv")),
        ],
    ));
    let (g, w) = (pairwise(&got), pairwise(&want));
    assert_eq!(
        g.len(),
        9,
        "3 victims × 3 missing persons (the untyped unrelated one left out)"
    );
    for (a, b) in g.iter().zip(&w) {
        assert_eq!((&a.0, &a.1), (&b.0, &b.1));
        match (a.2, b.2) {
            (Some(x), Some(y)) => assert!(close(x, y), "{a:?} vs {b:?}"),
            (x, y) => assert_eq!(x, y),
        }
    }
    let (gj, wj) = (got["joint"].as_array().unwrap(), want["joint"].as_array().unwrap());
    assert_eq!(gj.len(), wj.len());
    // The two files name the family differently ("Reference family 1", "F1"): compare by victim
    // and missing person.
    let placed = |a: &Value| -> Vec<(String, String)> {
        a.as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["victim"].as_str().unwrap().to_owned(),
                    p["missing"].as_str().unwrap_or("*").to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(placed(&gj[0]["assignment"]), placed(&wj[0]["assignment"]));
    assert!(close(gj[0]["lr"].as_f64().unwrap(), wj[0]["lr"].as_f64().unwrap()));
    let best = placed(&gj[0]["assignment"]);
    let want_best = [
        ("V1", "Missing male 3"),
        ("V2", "Missing person"),
        ("V3", "Missing male 2"),
    ]
    .map(|(v, m)| (v.to_owned(), m.to_owned()));
    assert_eq!(best, want_best);
}

#[test]
fn fam_replaces_the_case_flags() {
    let out = run_with(&["lr", "--theta", "0.1"], &[("--fam", &data("paternity.fam"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--theta"));
}

/// `lr --h1 --h2 --freqs … --write-fam OUT` writes a Familias file whose `lr --fam` gives the same LR.
fn assert_written_fam_gives_the_same_lr(name: &str, extra: &[&str]) {
    let dir = Scratch::new(name);
    let out = dir.join("written.fam");
    let mut args = vec!["--write-fam", arg(&out)];
    args.extend_from_slice(extra);
    let want = ped_lr("H3.ped", &data("paternity").join("freqs.tsv"), &args);
    let got = json(&run_with(&["lr", "--json", "--reference", "H2"], &[("--fam", &out)]));
    let (g, w) = (
        got["pedigrees"][0]["lr"].as_f64().unwrap(),
        want["lr"].as_f64().unwrap(),
    );
    assert!(
        close(g, w),
        "{name}: LR {g} from the written .fam, {w} from the ped files"
    );
}

#[test]
fn a_case_written_as_fam_gives_the_same_lr() {
    assert_written_fam_gives_the_same_lr("written", &[]);
    assert_written_fam_gives_the_same_lr("written-theta-dropout", &["--theta", "0.02", "--dropout", "CH=0.05"]);
}

#[test]
fn what_familias_cannot_hold_is_refused() {
    let dir = data("paternity");
    let scratch = Scratch::new("refused");
    let out = scratch.join("refused.fam");
    let run = |extra: &[&str]| {
        let mut args = vec!["lr", "--write-fam", arg(&out), "--freqs"];
        let freqs = dir.join("freqs.tsv");
        args.push(freqs.to_str().unwrap());
        args.extend_from_slice(extra);
        run_with(&args, &[("--h1", &dir.join("H1.ped"))])
    };
    let table = scratch.file(
        "onestep.tsv",
        "marker\tmodel\trate_female\trate_male\nD5S818\tonestep\t0.001\t0.001\n",
    );
    for (extra, needle) in [
        (&["--mutation-table", table.to_str().unwrap()][..], "onestep"),
        (&["--dropout", "CH=0.05", "--dropin", "0.01"][..], "drop-in"),
        (&["--x-markers", "TH01"][..], "X-chromosomal"),
    ] {
        let o = run(extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains("--write-fam") && err.contains(needle), "{extra:?}: {err}");
    }
    assert!(!out.exists());
}
