//! `homeward lr --vcf … --panel …` through the built binary: every linked-SNP case of
//! `tests/data/snp` to relative error 1e-9 (total, log-likelihoods, per chromosome), SNPs combined
//! with STRs, and bad input (file, line, field, exit code 2).

use std::path::{Path, PathBuf};

use serde_json::Value;

mod cases;
mod common;
use cases::{close, output_json, run_all, verdict};
use common::{assert_refused, expected, homeward, Scratch};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/snp")
}

fn lr_json(args: &[&std::ffi::OsStr]) -> Value {
    output_json(homeward().args(args)).unwrap()
}

fn run_case(dir: &Path) -> Result<(), String> {
    let extra = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    let mut cmd = homeward();
    cmd.arg("lr")
        .arg("--h1")
        .arg(dir.join("h1.ped"))
        .arg("--vcf")
        .arg(dir.join("genotypes.vcf"))
        .arg("--panel")
        .arg(dir.join("panel.tsv"));
    if dir.join("h2.ped").exists() {
        cmd.arg("--h2").arg(dir.join("h2.ped"));
    }
    cmd.args(extra.split_whitespace()).arg("--json");
    let got = output_json(&mut cmd)?;
    let want = expected(dir);
    let mut problems = Vec::new();
    let (g, w) = (got["lr"].as_f64().unwrap(), want["lr"].as_f64().unwrap());
    if !close(g, w) {
        problems.push(format!("total LR {g} != {w}"));
    }
    for key in ["loglik_h1", "loglik_h2", "log10_lr"] {
        match (got[key].as_f64(), want[key].as_f64()) {
            (None, None) => {}
            (Some(g), Some(w)) if (g - w).abs() <= 1e-9 * w.abs().max(1.0) => {}
            (g, w) => problems.push(format!("{key} {g:?} != {w:?}")),
        }
    }
    let per: &serde_json::Map<String, Value> = want["per_chromosome"].as_object().unwrap();
    let chromosomes = got["chromosomes"].as_array().unwrap();
    if chromosomes.len() != per.len() {
        problems.push(format!("{} chromosomes, expected {}", chromosomes.len(), per.len()));
    }
    for c in chromosomes {
        let name = c["chrom"].as_str().unwrap();
        let g = c["lr"].as_f64().unwrap();
        match per.get(name).and_then(Value::as_f64) {
            Some(w) if close(g, w) => {}
            w => problems.push(format!("chromosome {name}: LR {g} != {w:?}")),
        }
    }
    let markers: u64 = chromosomes.iter().map(|c| c["markers"].as_u64().unwrap()).sum();
    if Some(markers) != want["n_markers_panel"].as_u64() {
        problems.push(format!("{markers} markers, expected {}", want["n_markers_panel"]));
    }
    verdict(problems)
}

#[test]
fn every_linked_snp_case_matches_its_expected_lr() {
    assert_eq!(run_all(&data_dir(), run_case), 8);
}

const STR_PED: &str =
    "id\tfid\tmid\tsex\tM1\tM2\nF\t0\t0\t1\t10/11\t9/9\nM\t0\t0\t2\t-/-\t-/-\nC\tF\tM\t1\t10/10\t9/10\n";
const STR_FREQS: &str = "marker\tallele\tfreq\nM1\t10\t0.5\nM1\t11\t0.3\nM1\t12\t0.2\nM2\t9\t0.6\nM2\t10\t0.4\n";

#[test]
fn str_and_snp_evidence_combine_into_one_lr() {
    let case = data_dir().join("case_001_duo_father_son_gt");
    let dir = Scratch::new("combine");
    let ped = dir.file("h1.ped", STR_PED);
    let freqs = dir.file("freqs.tsv", STR_FREQS);
    let (vcf, panel) = (case.join("genotypes.vcf"), case.join("panel.tsv"));
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    let strs = lr_json(&[
        os("lr"),
        os("--h1"),
        ped.as_os_str(),
        os("--freqs"),
        freqs.as_os_str(),
        os("--json"),
    ]);
    let snps = lr_json(&[
        os("lr"),
        os("--h1"),
        case.join("h1.ped").as_os_str(),
        os("--vcf"),
        vcf.as_os_str(),
        os("--panel"),
        panel.as_os_str(),
        os("--json"),
    ]);
    let both = lr_json(&[
        os("lr"),
        os("--h1"),
        ped.as_os_str(),
        os("--freqs"),
        freqs.as_os_str(),
        os("--vcf"),
        vcf.as_os_str(),
        os("--panel"),
        panel.as_os_str(),
        os("--json"),
    ]);
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
    assert!(close(f(&both, "lr"), f(&strs, "lr") * f(&snps, "lr")), "{both}");
    for k in ["loglik_h1", "loglik_h2"] {
        assert!((f(&both, k) - f(&strs, k) - f(&snps, k)).abs() < 1e-9, "{k}: {both}");
    }
    assert_eq!(both["markers"].as_array().unwrap().len(), 2);
    assert_eq!(both["chromosomes"].as_array().unwrap().len(), 2);
}

/// Runs case 001 with one file replaced and expects exit code 2 and every needle in the message.
fn expect_bad(name: &str, file: &str, edit: impl Fn(&str) -> String, needles: &[&str]) {
    let case = data_dir().join("case_001_duo_father_son_gt");
    let dir = Scratch::new(name);
    let path = |f: &str| {
        let text = std::fs::read_to_string(case.join(f)).unwrap();
        dir.file(f, &if f == file { edit(&text) } else { text })
    };
    let (ped, vcf, panel) = (path("h1.ped"), path("genotypes.vcf"), path("panel.tsv"));
    let out = homeward()
        .arg("lr")
        .arg("--h1")
        .arg(&ped)
        .arg("--vcf")
        .arg(&vcf)
        .arg("--panel")
        .arg(&panel)
        .output()
        .unwrap();
    assert_refused(name, &out, needles);
}

#[test]
fn a_vcf_sample_not_in_the_pedigree() {
    expect_bad(
        "sample",
        "genotypes.vcf",
        |t| t.replace("FORMAT\tF\tC", "FORMAT\tF\tX"),
        &["genotypes.vcf: line 6, field 'X'", "not a person of", "h1.ped"],
    );
}

#[test]
fn a_vcf_marker_not_in_the_panel() {
    expect_bad(
        "marker",
        "genotypes.vcf",
        |t| t.replace("rs1863968", "rs999"),
        &["genotypes.vcf: line 8, field 'ID'", "'rs999' is not in the panel"],
    );
}

#[test]
fn ref_or_alt_disagreeing_with_the_panel() {
    expect_bad(
        "alt",
        "genotypes.vcf",
        |t| t.replace("rs1863968\tA\tG", "rs1863968\tA\tC"),
        &["genotypes.vcf: line 8, field 'ALT'", "ref A and alt G"],
    );
}

#[test]
fn a_malformed_pl() {
    expect_bad(
        "pl",
        "genotypes.vcf",
        |t| {
            t.replace("\tGT\t1/1\t./.", "\tGT:PL\t1/1:0,x,3\t./.").replace(
                "##FORMAT=<ID=GT",
                "##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"\">\n##FORMAT=<ID=GT",
            )
        },
        &["genotypes.vcf: line 8, field 'F:PL'", "'x' is not a valid value"],
    );
}

#[test]
fn unsorted_panel_positions() {
    expect_bad(
        "unsorted",
        "panel.tsv",
        |t| t.replace("rs1863968\t5\t5146282", "rs1863968\t5\t3000000"),
        &["panel.tsv: line 3, column 'pos_bp'", "sort the panel"],
    );
}

#[test]
fn a_ped_file_with_strs_but_no_frequencies() {
    expect_bad(
        "strs",
        "h1.ped",
        |_| STR_PED.to_owned(),
        &["h1.ped: line 1, field 'M1'", "--freqs"],
    );
}

#[test]
fn relationship_likelihoods_equal_the_pedigree_lr_and_ibd_posteriors_sum_to_one() {
    // Case 031 is first cousins C1, C2 against unrelated, on a sex-averaged map.
    let case = data_dir().join("case_031_cousins");
    let want = expected(&case);
    let dir = Scratch::new("relationship");
    let ibd = dir.join("ibd.tsv");
    let os = std::ffi::OsStr::new;
    let got = lr_json(&[
        os("relationship"),
        os("--vcf"),
        case.join("genotypes.vcf").as_os_str(),
        os("--panel"),
        case.join("panel.tsv").as_os_str(),
        os("--a"),
        os("C1"),
        os("--b"),
        os("C2"),
        os("--ibd"),
        ibd.as_os_str(),
        os("--json"),
    ]);
    let rels = got["relationships"].as_array().unwrap();
    let ln = |name: &str| {
        rels.iter()
            .find(|r| r["relationship"] == name)
            .and_then(|r| r["loglik"].as_f64())
            .unwrap()
    };
    for (name, key) in [("first cousins", "loglik_h1"), ("unrelated", "loglik_h2")] {
        let w = want[key].as_f64().unwrap();
        assert!((ln(name) - w).abs() <= 1e-9 * w.abs(), "{name}: {} vs {w}", ln(name));
    }
    assert_eq!(
        rels.iter().find(|r| r["relationship"] == "parent-child").unwrap()["log10_lr"],
        Value::Null
    );
    let posterior: f64 = rels.iter().map(|r| r["posterior"].as_f64().unwrap()).sum();
    assert!((posterior - 1.0).abs() < 1e-12);
    let text = std::fs::read_to_string(&ibd).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).skip(1).collect();
    assert_eq!(rows.len(), 30);
    for row in rows {
        let p: f64 = row.split('\t').skip(3).map(|x| x.parse::<f64>().unwrap()).sum();
        assert!((p - 1.0).abs() < 1e-5, "{row}");
    }
}

/// Case 001 run with its files edited; the JSON output.
fn edited_case_001(
    name: &str,
    edit_vcf: impl Fn(&str) -> String,
    edit_panel: impl Fn(&str) -> String,
    extra: &[&str],
) -> Result<Value, String> {
    let case = data_dir().join("case_001_duo_father_son_gt");
    let dir = Scratch::new(name);
    let read = |f: &str| std::fs::read_to_string(case.join(f)).unwrap();
    let vcf = dir.file("genotypes.vcf", edit_vcf(&read("genotypes.vcf")));
    let panel = dir.file("panel.tsv", edit_panel(&read("panel.tsv")));
    output_json(
        homeward()
            .arg("lr")
            .arg("--h1")
            .arg(case.join("h1.ped"))
            .arg("--vcf")
            .arg(&vcf)
            .arg("--panel")
            .arg(&panel)
            .args(extra)
            .arg("--json"),
    )
}

#[test]
fn deep_read_counts_give_the_lr_of_the_calls() {
    // Every call turned into 40 reads that agree with it: with a small read error the AD
    // likelihoods single out the called genotype, so the LR is the GT one.
    let to_ad = |t: &str| {
        t.lines()
            .map(|l| {
                if l.starts_with('#') {
                    return l.to_owned();
                }
                let mut f: Vec<String> = l.split('\t').map(str::to_owned).collect();
                f[8] = "GT:AD".into();
                for s in f.iter_mut().skip(9) {
                    let ad = match s.as_str() {
                        "0/0" => "40,0",
                        "0/1" => "20,20",
                        "1/1" => "0,40",
                        _ => ".",
                    };
                    *s = format!("./.:{ad}");
                }
                f.join("\t")
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let id = |t: &str| t.to_owned();
    let gt = edited_case_001("gt", id, id, &[]).unwrap();
    let ad = edited_case_001("ad", to_ad, id, &["--sequencing-error", "0.001"]).unwrap();
    let (g, a) = (gt["lr"].as_f64().unwrap(), ad["lr"].as_f64().unwrap());
    assert!(((a - g) / g).abs() < 1e-6, "AD {a} vs GT {g}");
    // Without the flag AD is not read, and the calls are all missing: LR 1.
    let none = edited_case_001("ad-ignored", to_ad, id, &[]).unwrap();
    assert_eq!(none["lr"].as_f64(), Some(1.0));
}

#[test]
fn population_columns_of_the_panel() {
    let with_pop = |t: &str| {
        t.lines()
            .enumerate()
            .map(|(i, l)| {
                let extra = if i == 0 {
                    "freq_alt:EAS".to_owned()
                } else {
                    l.rsplit('\t').next().unwrap().to_owned()
                };
                format!("{l}\t{extra}\n")
            })
            .collect::<String>()
    };
    let id = |t: &str| t.to_owned();
    let base = edited_case_001("pop-base", id, id, &[]).unwrap();
    let pop = edited_case_001("pop", id, with_pop, &["--population", "EAS"]).unwrap();
    assert_eq!(base["lr"], pop["lr"]);
    let err = edited_case_001("pop-missing", id, with_pop, &["--population", "AFR"]).unwrap_err();
    assert!(err.contains("exit Some(2)") && err.contains("EAS"), "{err}");
    let na = |t: &str| with_pop(t).replacen("\t0.483\n", "\tNA\n", 1);
    let err = edited_case_001("pop-na", id, na, &["--population", "EAS"]).unwrap_err();
    assert!(err.contains("line 3, column 'freq_alt:EAS'"), "{err}");
}

/// `screen-snp` on case 009's full siblings, split into a samples file (S1) and a references
/// file (S2): one pair, kept with every threshold below its estimate (KING or IBD1 score z) and by
/// a budget of one, not by a budget of none; its LRs are those of `homeward relationship` for the
/// same two samples; the output names the keep rule, and two rules at once are refused.
#[test]
fn screen_snp_gives_the_relationship_lrs_of_the_kept_pair() {
    let case = data_dir().join("case_009_fullsibs_tight");
    let dir = Scratch::new("screen-snp");
    let text = std::fs::read_to_string(case.join("genotypes.vcf")).unwrap();
    // Columns 1–9 and one sample column.
    let column = |keep: usize| -> String {
        text.lines()
            .map(|l| {
                if l.starts_with("##") {
                    return format!("{l}\n");
                }
                let f: Vec<&str> = l.split('\t').collect();
                format!("{}\t{}\n", f[..9].join("\t"), f[keep])
            })
            .collect()
    };
    let samples = dir.file("samples.vcf", column(9));
    let references = dir.file("references.vcf", column(10));
    let panel = case.join("panel.tsv");
    let os = std::ffi::OsStr::new;
    let try_screen = |rule: &[&str]| {
        let mut args = vec![
            os("screen-snp"),
            os("--samples"),
            samples.as_os_str(),
            os("--references"),
            references.as_os_str(),
            os("--panel"),
            panel.as_os_str(),
            os("--genotype-error"),
            os("0"),
            os("--json"),
        ];
        args.extend(rule.iter().copied().map(os));
        output_json(homeward().args(&args))
    };
    let screen = |rule: &[&str]| try_screen(rule).unwrap();
    let got = screen(&["--min-kinship", "-10"]);
    assert_eq!(got["pairs"], 1);
    assert_eq!(got["kept"], 1);
    assert_eq!(
        (got["keep"].as_str(), got["keep_value"].as_f64()),
        (Some("kinship"), Some(-10.0))
    );
    let pair = &got["results"][0];
    assert_eq!(
        (pair["sample"].as_str(), pair["reference"].as_str()),
        (Some("S1"), Some("S2"))
    );
    let rel = lr_json(&[
        os("relationship"),
        os("--vcf"),
        case.join("genotypes.vcf").as_os_str(),
        os("--panel"),
        panel.as_os_str(),
        os("--a"),
        os("S1"),
        os("--b"),
        os("S2"),
        os("--json"),
    ]);
    for r in rel["relationships"].as_array().unwrap() {
        let name = r["relationship"].as_str().unwrap();
        if name == "unrelated" {
            continue;
        }
        let screened = pair["log10_lrs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x[0] == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        match (r["log10_lr"].as_f64(), screened[1].as_f64()) {
            (Some(want), Some(have)) => assert!(
                (want - have).abs() <= 1e-9 * want.abs().max(1.0),
                "{name}: {have} vs {want}"
            ),
            (want, have) => assert_eq!(want, have, "{name}"),
        }
    }
    let kinship = pair["kinship"].as_f64().unwrap();
    let above = screen(&["--min-kinship", &format!("{}", kinship + 1e-9)]);
    assert_eq!(above["kept"], 0);
    assert_eq!(above["results"].as_array().unwrap().len(), 0);
    // The default rule: score z ≥ 1, which these full siblings pass (20 SNPs: expected z
    // 2φ·sqrt(20) ≈ 2.2).
    let default = screen(&[]);
    assert_eq!(
        (default["keep"].as_str(), default["keep_value"].as_f64()),
        (Some("score_z"), Some(1.0))
    );
    assert_eq!(default["kept"], 1);
    let z = default["results"][0]["ibd1_score_z"].as_f64().unwrap();
    assert!(z > 1.0, "full siblings: z {z}");
    assert_eq!(screen(&["--min-score-z", &format!("{}", z - 1e-3)])["kept"], 1);
    assert_eq!(default["lowest_kept"].as_f64(), Some(z));
    assert_eq!(default["results"][0]["log10_lrs"], pair["log10_lrs"]);
    assert_eq!(screen(&["--min-score-z", &format!("{}", z + 1e-3)])["kept"], 0);
    assert_eq!(screen(&["--max-kept", "1"])["kept"], 1);
    assert_eq!(screen(&["--max-kept", "0"])["kept"], 0);
    let err = try_screen(&["--max-kept", "1", "--min-kinship", "0"]).unwrap_err();
    assert!(
        err.contains("exit Some(2)") && err.contains("cannot be used with"),
        "{err}"
    );
}
