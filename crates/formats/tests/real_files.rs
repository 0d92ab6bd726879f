//! Real files from the Homeward shared test data (see `tests/data/README.md`) parse, and survive a
//! round trip through the writers.

use std::path::PathBuf;

use formats::{
    detect_format, read_frequencies, read_ped, write_ladder, write_list, write_ped, FreqFormat, FrequencyDb,
    RawGenotype,
};
use kinship::Sex;

fn data(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", name].iter().collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Names and alleles, without line numbers (which differ between the forms).
fn content(db: &FrequencyDb) -> Vec<(String, Vec<(String, f64)>)> {
    db.markers.iter().map(|m| (m.name.clone(), m.alleles.clone())).collect()
}

fn assert_sums_to_one(db: &FrequencyDb) {
    for m in &db.markers {
        let sum: f64 = m.alleles.iter().map(|(_, p)| p).sum();
        assert!((sum - 1.0).abs() < 1e-9, "marker {} sums to {sum}", m.name);
    }
}

fn assert_round_trips(db: &FrequencyDb) {
    let list = write_list(db);
    assert_eq!(detect_format(&list), FreqFormat::List);
    assert_eq!(content(&read_frequencies(&list).unwrap()), content(db));
    let ladder = write_ladder(db);
    assert_eq!(detect_format(&ladder), FreqFormat::Ladder);
    assert_eq!(content(&read_frequencies(&ladder).unwrap()), content(db));
}

/// The frequency file `name` of the test data, read after checking that its form is detected as
/// `form`; its markers sum to one and it survives a round trip through both writers.
fn read_real_frequencies(name: &str, form: FreqFormat) -> FrequencyDb {
    let text = data(name);
    assert_eq!(detect_format(&text), form, "{name}");
    let db = read_frequencies(&text).unwrap();
    assert_sums_to_one(&db);
    assert_round_trips(&db);
    db
}

#[test]
fn list_form_norway() {
    let db = read_real_frequencies("case_012_freqs.txt", FreqFormat::List);
    assert_eq!(db.markers.len(), 10);
    assert_eq!(db.markers[0].name, "D16S539");
    let penta = db.get("Penta E").unwrap();
    assert_eq!(penta.line, 188);
    assert_eq!(penta.alleles[0], ("5".to_string(), 0.073359));
    assert_eq!(penta.alleles[1], ("6".to_string(), 0.001));
}

#[test]
fn long_form_east_asia() {
    let db = read_real_frequencies("case_016_freqs.tsv", FreqFormat::Long);
    let names: Vec<&str> = db.markers.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["Penta E", "D5S2500", "D8S1132", "D8S1179", "D13S317", "TPOX", "D1S1656", "TH01", "D10S1248", "D17S1301"]
    );
    let penta = db.get("Penta E").unwrap();
    assert_eq!((penta.line, penta.alleles.len()), (2, 24));
    assert_eq!(penta.alleles[0], ("5".to_string(), 0.03403));
    assert_eq!(db.get("TH01").unwrap().alleles[1], ("6".to_string(), 0.1221));
}

#[test]
fn ladder_form_csv_with_synthetic_x_markers() {
    let db = read_real_frequencies("case_152_freqs.csv", FreqFormat::Ladder);
    assert_eq!(db.markers.len(), 13);
    assert!(db.markers.iter().all(|m| m.line == 1));
    let penta = db.get("Penta D").unwrap();
    assert_eq!(penta.alleles.len(), 10);
    assert_eq!(penta.alleles[0], ("7".to_string(), 0.017007));
    let synx1 = db.get("SYNX1").unwrap();
    let alleles: Vec<(&str, f64)> = synx1.alleles.iter().map(|(a, p)| (a.as_str(), *p)).collect();
    assert_eq!(
        alleles,
        [("8", 0.1), ("9", 0.2), ("10", 0.3), ("11", 0.25), ("12", 0.15)]
    );
}

#[test]
fn ped_with_unknown_sex_child() {
    let text = data("case_016_h1.ped");
    let ped = read_ped(&text).unwrap();
    assert_eq!(ped.markers.len(), 10);
    assert_eq!(ped.markers[0], "Penta E");
    let ids: Vec<&str> = ped.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["AF", "MO", "CH"]);
    let ch = &ped.rows[2];
    assert_eq!((ch.line, ch.sex), (4, Sex::Unknown));
    assert_eq!((ch.father.as_deref(), ch.mother.as_deref()), (Some("AF"), Some("MO")));
    assert_eq!(ch.genotypes[0], RawGenotype::Pair("10".to_string(), "14".to_string()));
    assert!(ped.rows[1].genotypes.iter().all(|g| *g == RawGenotype::Missing));
    // The writer reproduces the file exactly.
    assert_eq!(write_ped(&ped), text);
    assert_eq!(read_ped(&write_ped(&ped)).unwrap(), ped);
}
