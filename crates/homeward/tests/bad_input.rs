//! Bad input to `homeward lr`: a message naming the file, line and field, exit code 2, no panic.

use std::path::Path;

mod common;
use common::{assert_refused, bad_input, homeward, lr, output, Scratch};

const GOOD_PED: &str =
    "id\tfid\tmid\tsex\tM1\tM2\nF\t0\t0\t1\t10/11\t9/9\nM\t0\t0\t2\t-/-\t-/-\nC\tF\tM\t1\t10/10\t9/10\n";
const GOOD_FREQS: &str = "marker\tallele\tfreq\nM1\t10\t0.5\nM1\t11\t0.3\nM1\t12\t0.2\nM2\t9\t0.6\nM2\t10\t0.4\n";

/// Runs with a ped and a frequency file and expects exit code 2 and every `needle` in the message.
fn expect_bad(name: &str, ped: &str, freqs: &str, extra: &[&str], needles: &[&str]) {
    let dir = Scratch::new(name);
    let ped = dir.file("case.ped", ped);
    let freqs = dir.file("freqs.tsv", freqs);
    assert_refused(name, &lr(&ped, &freqs, extra), needles);
}

#[test]
fn the_good_case_runs() {
    let dir = Scratch::new("good");
    let out = lr(
        &dir.file("case.ped", GOOD_PED),
        &dir.file("freqs.tsv", GOOD_FREQS),
        &["--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn unknown_parent() {
    let ped = GOOD_PED.replace("C\tF\tM", "C\tF\tX");
    expect_bad(
        "unknown-parent",
        &ped,
        GOOD_FREQS,
        &[],
        &["case.ped", "line 4", "field 'mid'", "'X'"],
    );
}

#[test]
fn parent_of_the_wrong_sex() {
    let ped = GOOD_PED.replace("F\t0\t0\t1", "F\t0\t0\t2");
    expect_bad(
        "wrong-sex",
        &ped,
        GOOD_FREQS,
        &[],
        &["case.ped", "line 4", "field 'fid'", "not male"],
    );
}

#[test]
fn cycle() {
    let ped = "id\tfid\tmid\tsex\tM1\nA\tB\tM\t1\t10/10\nB\tA\tM\t1\t-/-\nM\t0\t0\t2\t-/-\n";
    expect_bad("cycle", ped, GOOD_FREQS, &[], &["case.ped", "line", "cycle"]);
}

#[test]
fn duplicate_id() {
    let ped = format!("{GOOD_PED}C\t0\t0\t1\t10/10\t9/9\n");
    expect_bad(
        "duplicate",
        &ped,
        GOOD_FREQS,
        &[],
        &["case.ped", "line 5", "field 'id'", "duplicate"],
    );
}

#[test]
fn wrong_column_count() {
    let ped = GOOD_PED.replace("10/10\t9/10", "10/10");
    expect_bad(
        "columns",
        &ped,
        GOOD_FREQS,
        &[],
        &["case.ped", "line 4", "field 'columns'"],
    );
}

#[test]
fn malformed_genotype() {
    let ped = GOOD_PED.replace("10/10\t9/10", "10/10/11\t9/10");
    expect_bad("genotype", &ped, GOOD_FREQS, &[], &["case.ped", "line 4", "field 'M1'"]);
}

#[test]
fn marker_missing_from_the_frequency_file() {
    let freqs: String = GOOD_FREQS
        .lines()
        .filter(|l| !l.starts_with("M2"))
        .map(|l| format!("{l}\n"))
        .collect();
    expect_bad(
        "no-marker",
        GOOD_PED,
        &freqs,
        &[],
        &["case.ped", "line 1", "field 'M2'", "freqs.tsv"],
    );
}

#[test]
fn allele_missing_from_the_frequency_file_unless_given_a_frequency() {
    let ped = GOOD_PED.replace("10/10\t9/10", "13/10\t9/10");
    expect_bad(
        "no-allele",
        &ped,
        GOOD_FREQS,
        &[],
        &["case.ped", "line 4", "field 'M1'", "'13'", "--unknown-allele-freq"],
    );
    let dir = Scratch::new("unknown-allele");
    let out = lr(
        &dir.file("case.ped", &ped),
        &dir.file("freqs.tsv", GOOD_FREQS),
        &["--unknown-allele-freq", "0.01"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn frequencies_not_summing_to_one() {
    let freqs = GOOD_FREQS.replace("M1\t12\t0.2", "M1\t12\t0.25");
    expect_bad(
        "sum",
        GOOD_PED,
        &freqs,
        &[],
        &["freqs.tsv", "line", "field 'M1'", "sum to 1.05"],
    );
}

#[test]
fn rates_outside_zero_one() {
    expect_bad(
        "rate",
        GOOD_PED,
        GOOD_FREQS,
        &["--mutation", "equal", "--rate", "1.5"],
        &["--rate", "1.5"],
    );
    expect_bad("theta", GOOD_PED, GOOD_FREQS, &["--theta", "-0.1"], &["--theta"]);
    expect_bad(
        "dropout",
        GOOD_PED,
        GOOD_FREQS,
        &["--dropout", "C=2"],
        &["--dropout", "C"],
    );
}

#[test]
fn proportional_rate_above_its_maximum() {
    expect_bad(
        "proportional",
        GOOD_PED,
        GOOD_FREQS,
        &["--mutation", "proportional", "--rate", "0.9"],
        &["freqs.tsv", "field 'M1'", "largest possible"],
    );
}

#[test]
fn stepwise_on_non_numeric_alleles() {
    let freqs = GOOD_FREQS.replace("M1\t12\t0.2", "M1\tX\t0.2");
    expect_bad(
        "stepwise",
        GOOD_PED,
        &freqs,
        &["--mutation", "stepwise", "--rate", "0.01"],
        &["freqs.tsv", "field 'M1'", "'X' is not a number"],
    );
}

#[test]
fn missing_file() {
    let dir = Scratch::new("missing-file");
    let out = lr(&dir.join("nope.ped"), &dir.file("freqs.tsv", GOOD_FREQS), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.ped"));
}

#[test]
fn h2_impossible_is_an_error() {
    // H2 says the same child has parents F and M; his alleles 9/10 at M2 cannot come from F (9/9)... so H2 fails.
    let dir = Scratch::new("h2-impossible");
    let h1 = dir.file("h1.ped", "id\tfid\tmid\tsex\tM2\nF\t0\t0\t1\t9/9\nC\t0\t0\t1\t10/10\n");
    let h2 = dir.file(
        "h2.ped",
        "id\tfid\tmid\tsex\tM2\nF\t0\t0\t1\t9/9\nM\t0\t0\t2\t9/9\nC\tF\tM\t1\t10/10\n",
    );
    let out = output(
        homeward()
            .args(["lr", "--h1"])
            .arg(&h1)
            .arg("--h2")
            .arg(&h2)
            .arg("--freqs")
            .arg(dir.file("freqs.tsv", GOOD_FREQS)),
    );
    assert!(bad_input(&out).contains("impossible under H2"));
}

// ---- Familias .fam files ----------------------------------------------------------------------

fn familias(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/familias")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// The 1-based number of the `nth` (0-based) line equal to `line`.
fn line_of(text: &str, line: &str, nth: usize) -> usize {
    text.lines().enumerate().filter(|(_, l)| *l == line).nth(nth).unwrap().0 + 1
}

/// Replaces line `n` (1-based) of `text`.
fn with_line(text: &str, n: usize, new: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { new } else { l })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Runs `homeward COMMAND --fam FILE ARGS` and expects exit code 2 and every `needle` in the message.
fn expect_bad_fam(name: &str, command: &str, fam: &str, extra: &[&str], needles: &[&str]) {
    let dir = Scratch::new(name);
    let path = dir.file("case.fam", fam);
    let out = output(homeward().arg(command).arg("--fam").arg(&path).args(extra));
    assert_refused(name, &out, needles);
}

#[test]
fn fam_count_that_is_not_a_number() {
    let fam = with_line(&familias("paternity.fam"), 5, "three");
    expect_bad_fam(
        "fam-count",
        "lr",
        &fam,
        &[],
        &["case.fam", "line 5", "field 'number of persons'", "'three'"],
    );
}

#[test]
fn fam_unknown_mutation_model_code() {
    let text = familias("paternity.fam");
    // D3S1358: name, female rate, male rate, female model.
    let n = line_of(&text, "\"D3S1358\"", 0) + 3;
    expect_bad_fam(
        "fam-model",
        "lr",
        &with_line(&text, n, "9"),
        &[],
        &[&format!("line {n}"), "field 'female mutation model'", "code 9"],
    );
}

#[test]
fn fam_stationary_stepwise_is_refused_naming_the_locus() {
    let text = familias("paternity.fam");
    let locus = line_of(&text, "\"TH01\"", 0);
    let fam = with_line(&text, locus + 4, "3");
    expect_bad_fam(
        "fam-stationary",
        "lr",
        &fam,
        &[],
        &[&format!("line {locus}"), "field 'male mutation model'", "stationary"],
    );
}

#[test]
fn fam_without_known_relations_line() {
    let text = familias("paternity.fam");
    let n = line_of(&text, "\"Known relations\"", 0);
    expect_bad_fam(
        "fam-known",
        "lr",
        &with_line(&text, n, "\"Relations\""),
        &[],
        &[&format!("line {n}"), "field 'Known relations'"],
    );
}

#[test]
fn fam_relation_to_a_person_that_does_not_exist() {
    let text = familias("paternity.fam");
    // H1's relations: 0 → 2, 1 → 2; make the second child person 7.
    let h1 = line_of(&text, "\"H1\"", 0);
    expect_bad_fam(
        "fam-relation",
        "lr",
        &with_line(&text, h1 + 7, "7"),
        &[],
        &[&format!("line {}", h1 - 1), "field 'H1'", "beyond"],
    );
}

#[test]
fn fam_unknown_reference_pedigree() {
    expect_bad_fam(
        "fam-reference",
        "lr",
        &familias("paternity.fam"),
        &["--reference", "H9"],
        &["--reference 'H9'", "H1, H2"],
    );
}

#[test]
fn fam_dvi_allele_not_in_the_database() {
    let text = familias("dvi-example.fam");
    let n = line_of(&text, "Name= V2", 0);
    let allele = line_of(&text, "Allele1= 2", 0);
    expect_bad_fam(
        "fam-dvi-allele",
        "dvi",
        &with_line(&text, allele, "Allele1= 7"),
        &[],
        &[&format!("line {n}"), "field 'L1'", "allele '7'"],
    );
}

#[test]
fn fam_dvi_without_a_dvi_section() {
    expect_bad_fam(
        "fam-no-dvi",
        "dvi",
        &familias("paternity.fam"),
        &[],
        &["case.fam", "no [DVI] section"],
    );
}

#[test]
fn fam_dvi_person_without_a_name() {
    let text = familias("dvi-example.fam");
    let n = line_of(&text, "Name= V3", 0);
    expect_bad_fam(
        "fam-dvi-name",
        "dvi",
        &with_line(&text, n, "Nom= V3"),
        &[],
        &[&format!("line {n}"), "field 'Name'"],
    );
}

#[test]
fn fam_lr_on_a_file_without_pedigrees() {
    expect_bad_fam(
        "fam-no-pedigrees",
        "lr",
        &familias("dvi-example.fam"),
        &[],
        &["case.fam", "no pedigrees"],
    );
}
