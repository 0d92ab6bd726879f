//! dvir's `example2` through `homeward dvi --json`: pairwise LRs, the joint assignments, the
//! marginal pairing probabilities and the conclusions, against dvir's numbers.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{arg, dvi_command, output, Scratch};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dvi/example2")
}

/// Runs `homeward COMMAND` on example2's AM file and frequencies, with the given PM and missing files.
fn run_on(command: &str, pm: &Path, missing: &Path, extra: &[&str]) -> Output {
    let dir = example();
    output(dvi_command(command, pm, &dir.join("am.ped"), missing, &dir.join("freqs.tsv")).args(extra))
}

fn dvi(extra: &[&str]) -> Output {
    let dir = example();
    run_on("dvi", &dir.join("pm.ped"), &dir.join("missing"), extra)
}

fn run_json(extra: &[&str]) -> Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let out = dvi(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn expected() -> Value {
    common::expected(&example())
}

/// Our `key` table (run with default options) and dvir's.
fn ours_and_dvirs(key: &str) -> (Vec<Value>, Vec<Value>) {
    let (got, want) = (run_json(&[]), expected());
    let table = |v: &Value| v[key].as_array().expect("a JSON array").clone();
    (table(&got), table(&want))
}

/// An assignment of the JSON output as dvir writes it: victim -> missing id, `*` for nobody.
fn as_dvir(assignment: &Value) -> Value {
    assignment
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let m = p["missing"].as_str().unwrap_or("*");
            (p["victim"].as_str().unwrap().to_owned(), Value::from(m))
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

/// P(victim is missing person) from the JSON marginals.
fn marginal(got: &Value, victim: &str, missing: &str) -> f64 {
    got["marginals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["victim"] == victim && m["missing"] == missing)
        .map_or(0.0, |m| m["posterior"].as_f64().unwrap())
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a == b) || ((a - b) / b).abs() <= tol
}

#[test]
fn pairwise_lrs_match_dvir() {
    let (got, want) = ours_and_dvirs("pairwise");
    assert_eq!(got.len(), want.len());
    for w in want {
        let g = got
            .iter()
            .find(|g| g["victim"] == w["victim"] && g["missing"] == w["missing"])
            .unwrap();
        match (g["lr"].as_f64(), w["lr"].as_f64()) {
            (Some(a), Some(b)) => assert!(close(a, b, 1e-9), "{w}: {a}"),
            (None, None) => {}
            (a, b) => panic!("{w}: got {a:?}, want {b:?}"),
        }
    }
}

#[test]
fn joint_assignments_match_dvir() {
    let (got, want) = ours_and_dvirs("joint");
    assert_eq!(
        got.len(),
        want.len(),
        "dvir lists the assignments whose pairings all have LR > 0"
    );
    assert!(close(got[0]["loglik"].as_f64().unwrap(), -16.118095650958317, 1e-9));
    assert!(close(got[0]["lr"].as_f64().unwrap(), 250.0, 1e-9));
    for w in want {
        let g = got
            .iter()
            .find(|g| as_dvir(&g["assignment"]) == w["assignment"])
            .unwrap_or_else(|| panic!("{w} not listed"));
        for key in ["loglik", "lr", "posterior"] {
            assert!(
                close(g[key].as_f64().unwrap(), w[key].as_f64().unwrap(), 1e-9),
                "{key} of {w}: {}",
                g[key]
            );
        }
    }
}

#[test]
fn impossible_assignments_are_not_listed_when_no_pairing_is_dropped() {
    // Of the 14 sex-consistent assignments the four with V1 = M2 are impossible; keeping the
    // pairing in the hypotheses changes no posterior.
    let all = run_json(&["--limit", "-1", "--top", "100"]);
    let joint = all["joint"].as_array().unwrap();
    assert_eq!(joint.len(), 10);
    assert!(joint.iter().all(|a| as_dvir(&a["assignment"])["V1"] != "M2"));
    let default = run_json(&["--top", "100"]);
    for (a, b) in joint.iter().zip(default["joint"].as_array().unwrap()) {
        assert_eq!(a["assignment"], b["assignment"]);
        assert!(close(
            a["posterior"].as_f64().unwrap(),
            b["posterior"].as_f64().unwrap(),
            1e-12
        ));
    }
    assert_eq!(all["search"]["bound"], 0.0);
    assert_eq!(all["search"]["disable_mutations"], "never");
}

#[test]
fn marginal_posteriors_match_dvir() {
    for extra in [&[][..], &["--limit", "-1"][..]] {
        let got = run_json(extra);
        for (v, mp, p) in [
            ("V1", "M1", 0.87931034),
            ("V2", "M2", 0.94827586),
            ("V3", "M3", 0.83333333),
        ] {
            let got = marginal(&got, v, mp);
            assert!((got - p).abs() < 1e-6, "{v}={mp}: {got}");
        }
    }
}

#[test]
fn conclusions_are_inconclusive_with_dvirs_glrs() {
    let got = run_json(&[]);
    let want = expected();
    for w in want["conclusions"].as_array().unwrap() {
        let g = got["conclusions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["missing"] == w["missing"])
            .unwrap();
        assert_eq!(g["conclusion"], w["conclusion"], "{w}");
        if let Some(glr) = w["glr"].as_f64() {
            assert!(close(g["glr"].as_f64().unwrap(), glr, 1e-9), "glr of {w}: {}", g["glr"]);
        }
    }
    for g in got["conclusions_pm"].as_array().unwrap() {
        assert_eq!(g["conclusion"], "Inconclusive");
    }
}

#[test]
fn bad_input_is_named() {
    let dir = Scratch::new("dvi-bad");
    let missing = dir.join("missing");
    std::fs::write(&missing, "M1\nNOBODY\n").unwrap();
    let ex = example();
    let out = run_on("dvi", &ex.join("pm.ped"), &missing, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("NOBODY"), "{err}");
    // A typed missing person.
    std::fs::write(&missing, "R1\n").unwrap();
    let out = run_on("dvi", &ex.join("pm.ped"), &missing, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is typed"));
    // A victim with parents.
    let pm = dir.join("pm.ped");
    std::fs::write(
        &pm,
        "id\tfid\tmid\tsex\tL1\nV1\t0\t0\t1\t1/1\nV2\t0\t0\t2\t1/2\nV3\tV1\tV2\t2\t3/4\n",
    )
    .unwrap();
    std::fs::write(&missing, "M1\n").unwrap();
    let out = run_on("dvi", &pm, &missing, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 4"));
}

#[test]
fn screen_writes_the_pairwise_lrs() {
    let dir = example();
    let scratch = Scratch::new("screen");
    let out = scratch.join("screen.tsv");
    let out_arg = arg(&out);
    let status = run_on(
        "screen",
        &dir.join("pm.ped"),
        &dir.join("missing"),
        &["--min-lr", "1", "--out", out_arg],
    );
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rows: Vec<(String, String, f64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[1].to_owned(), f[3].parse().unwrap())
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let want = [
        ("V1", "M1", 1.0f64),
        ("V2", "M1", 1.0),
        ("V2", "M2", 5.0),
        ("V3", "M3", 5.0),
    ];
    assert_eq!(rows.len(), want.len(), "{text}");
    for ((v, m, l), (wv, wm, wl)) in rows.iter().zip(want) {
        assert_eq!((v.as_str(), m.as_str()), (wv, wm));
        assert!((l - wl.log10()).abs() < 1e-6, "{v} {m}: {l}");
    }
}

#[test]
fn a_marker_missing_from_one_file_is_named() {
    let dir = Scratch::new("dvi-markers");
    let pm = dir.join("pm.ped");
    std::fs::write(&pm, "id\tfid\tmid\tsex\tL2\nV1\t0\t0\t1\t1/1\n").unwrap();
    let ex = example();
    let out = run_on("dvi", &pm, &ex.join("missing"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("am.ped") && err.contains("'L1'") && err.contains("pm.ped"),
        "{err}"
    );
}

#[test]
fn a_prior_against_identifications_moves_posterior_to_fewer_pairs() {
    let flat = run_json(&[]);
    let sceptical = run_json(&["--identification-odds", "0.1"]);
    let post = |v: &Value, a: &Value| {
        v["joint"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| &as_dvir(&x["assignment"]) == a)
            .unwrap()["posterior"]
            .as_f64()
            .unwrap()
    };
    let best = &as_dvir(&flat["joint"][0]["assignment"]);
    let nobody = serde_json::json!({"V1": "*", "V2": "*", "V3": "*"});
    assert!(post(&sceptical, best) < post(&flat, best));
    assert!(post(&sceptical, &nobody) > post(&flat, &nobody));
    // LRs do not depend on the prior.
    assert_eq!(
        flat["joint"][0]["lr"],
        sceptical["joint"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| &as_dvir(&x["assignment"]) == best)
            .unwrap()["lr"]
    );
}

/// Reference families name their members as families do (`Father`, `M1` in each): ids are
/// scoped by family, and the missing file names a missing person by family where needed.
#[test]
fn member_ids_are_scoped_by_family() {
    let dir = Scratch::new("dvi-scoped");
    let am = dir.join("am.ped");
    std::fs::write(
        &am,
        "famid\tid\tfid\tmid\tsex\tL1\n\
         F1\tFather\t0\t0\t1\t1/2\n\
         F1\tMother\t0\t0\t2\t-/-\n\
         F1\tM1\tFather\tMother\t1\t-/-\n\
         F2\tFather\t0\t0\t1\t3/4\n\
         F2\tMother\t0\t0\t2\t-/-\n\
         F2\tM1\tFather\tMother\t1\t-/-\n",
    )
    .unwrap();
    let pm = dir.join("pm.ped");
    std::fs::write(&pm, "id\tfid\tmid\tsex\tL1\nV1\t0\t0\t1\t1/5\nV2\t0\t0\t1\t4/6\n").unwrap();
    let freqs = dir.join("freqs.tsv");
    let mut f = "marker\tallele\tfreq\n".to_owned();
    for a in 1..=10 {
        f.push_str(&format!("L1\t{a}\t0.1\n"));
    }
    std::fs::write(&freqs, f).unwrap();
    let missing = dir.join("missing");
    let run = |missing_text: &str, extra: &[&str]| {
        std::fs::write(&missing, missing_text).unwrap();
        output(dvi_command("dvi", &pm, &am, &missing, &freqs).args(extra))
    };
    // Both spellings of a family-qualified id.
    let out = run("F1 M1\nF2:M1\n", &["--json", "--dropout", "F1:Father=0.05"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let best = &got["joint"][0]["assignment"];
    assert_eq!(best[0]["victim"], "V1");
    assert_eq!(best[0]["family"], "F1");
    assert_eq!(best[0]["missing"], "M1");
    assert_eq!(best[1]["family"], "F2");
    assert_eq!(best[1]["missing"], "M1");
    let pairs = got["pairwise"].as_array().unwrap();
    assert!(pairs
        .iter()
        .any(|p| p["family"] == "F2" && p["missing"] == "M1" && p["victim"] == "V2"));
    // A bare id that two families share is ambiguous: the error names both.
    let out = run("M1\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1") && err.contains("F1") && err.contains("F2"),
        "{err}"
    );
    // Listed twice, in two spellings.
    let out = run("F1 M1\nF1:M1\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("twice"), "{err}");
    // A family the AM file does not have.
    let out = run("F3 M1\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("family 'F3'"));
    // A typed member cannot be missing.
    let out = run("F1 Father\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 1") && err.contains("typed"), "{err}");
}

#[test]
fn a_search_stopped_by_its_time_budget_says_so_and_exits_3() {
    let out = dvi(&["--json", "--max-seconds", "1e-9"]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["search"]["complete"], false);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-seconds"));
}

#[test]
fn the_mutation_shortcut_is_used_only_when_asked_and_then_named() {
    let default = run_json(&[]);
    assert_eq!(default["search"]["disable_mutations"], "never");
    assert_eq!(default["search"]["mutations_disabled"].as_array().unwrap().len(), 0);
    let out = dvi(&[
        "--mutation",
        "equal",
        "--rate",
        "0.001",
        "--disable-mutations",
        "when-consistent",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("mutation models switched off (--disable-mutations when-consistent) in families: F1, F2"),
        "{text}"
    );
}
