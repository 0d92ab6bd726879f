//! `--min-freq-rule` and STRidER files with `--population`, through the built binary: the same LR as
//! a frequency file written out by hand with the numbers the rule must give.

use std::path::Path;
use std::process::Output;

mod common;
use common::{json, refused, Scratch};

/// A father and son, both 11/11 at M1 (a rare allele) and 9/10 at M2.
const PED: &str = "id\tfid\tmid\tsex\tM1\tM2\nF\t0\t0\t1\t11/11\t9/10\nM\t0\t0\t2\t-/-\t-/-\nC\tF\tM\t1\t11/11\t9/10\n";

/// `homeward lr … --json EXTRA…`.
fn lr(ped: &Path, freqs: &Path, extra: &[&str]) -> Output {
    common::lr(ped, freqs, &[&["--json"], extra].concat())
}

fn lr_value(out: &Output) -> f64 {
    json(out)["lr"].as_f64().unwrap()
}

#[test]
fn the_rule_gives_the_hand_computed_frequencies() {
    let dir = Scratch::new("rule");
    let ped = dir.file("case.ped", PED);
    // N = 100 individuals: minimum 5/200 = 0.025. M1: 11 (0.005) is raised to 0.025 and 10 takes
    // the rest, 0.975. M2 is above the minimum everywhere and stays as it is.
    let raw = "# population: test\n# N: 100\nM1\n10\t0.995\n11\t0.005\n\nM2\n9\t0.6\n10\t0.4\n";
    let by_hand = "M1\n10\t0.975\n11\t0.025\n\nM2\n9\t0.6\n10\t0.4\n";
    let with_rule = lr_value(&lr(&ped, &dir.file("raw.txt", raw), &["--min-freq-rule", "5/2N"]));
    let expected = lr_value(&lr(&ped, &dir.file("by-hand.txt", by_hand), &[]));
    assert!((with_rule / expected - 1.0).abs() < 1e-12, "{with_rule} vs {expected}");
    // Without the rule, the LR at M1 (1/p for a homozygous father and son) is 0.025/0.005 = 5 times
    // larger.
    let without = lr_value(&lr(&ped, &dir.file("raw2.txt", raw), &[]));
    assert!((without / with_rule - 5.0).abs() < 1e-9, "{without} vs {with_rule}");
}

#[test]
fn the_rule_needs_the_sample_size() {
    let dir = Scratch::new("no-n");
    let ped = dir.file("case.ped", PED);
    let freqs = dir.file("freqs.txt", "M1\n10\t0.995\n11\t0.005\n\nM2\n9\t0.6\n10\t0.4\n");
    refused(
        &lr(&ped, &freqs, &["--min-freq-rule", "5/2N"]),
        &[
            "freqs.txt",
            "line 1",
            "marker 'M1'",
            "sample size N",
            "--min-freq-rule 5/2N",
        ],
    );
    let out = lr(&ped, &freqs, &["--min-freq-rule", "5/N"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("K/2N"));
}

const STRIDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<frequencies>
  <marker>
    <name>M1</name>
    <origin name="North" n="100">
      <frequency allele="10">0.995</frequency>
      <frequency allele="11">0.005</frequency>
    </origin>
    <origin name="South" n="50">
      <frequency allele="10">0.8</frequency>
      <frequency allele="11">0.2</frequency>
    </origin>
  </marker>
  <marker>
    <name>M2</name>
    <origin name="North" n="100">
      <frequency allele="9">0.6</frequency>
      <frequency allele="10">0.4</frequency>
    </origin>
    <origin name="South" n="50">
      <frequency allele="9">0.5</frequency>
      <frequency allele="10">0.5</frequency>
    </origin>
  </marker>
</frequencies>
"#;

#[test]
fn strider_populations() {
    let dir = Scratch::new("strider");
    let ped = dir.file("case.ped", PED);
    let xml = dir.file("strider.xml", STRIDER);
    refused(
        &lr(&ped, &xml, &[]),
        &["strider.xml", "2 populations", "North, South", "--population"],
    );
    refused(&lr(&ped, &xml, &["--population", "East"]), &["East", "North, South"]);
    let south = lr_value(&lr(&ped, &xml, &["--population", "South"]));
    let list = "M1\n10\t0.8\n11\t0.2\n\nM2\n9\t0.5\n10\t0.5\n";
    let expected = lr_value(&lr(&ped, &dir.file("south.txt", list), &[]));
    assert!((south / expected - 1.0).abs() < 1e-12, "{south} vs {expected}");
    // The sample sizes come with the file, so the rule applies to it directly.
    let north = lr_value(&lr(&ped, &xml, &["--population", "North", "--min-freq-rule", "5/2N"]));
    let by_hand = "M1\n10\t0.975\n11\t0.025\n\nM2\n9\t0.6\n10\t0.4\n";
    let expected = lr_value(&lr(&ped, &dir.file("north.txt", by_hand), &[]));
    assert!((north / expected - 1.0).abs() < 1e-12, "{north} vs {expected}");
    let bad = STRIDER.replace(">0.2<", ">2<");
    refused(
        &lr(&ped, &dir.file("bad.xml", &bad), &["--population", "South"]),
        &["bad.xml", "line 11", "element <frequency>", "above 1"],
    );
}
