//! `homeward import cmf` through the built binary, on SQLite: unidentified remains become remains
//! with a typed sample, relatives become reference samples of the family member their relationship
//! names; every refusal names the line and element and writes nothing.

use std::path::PathBuf;
use std::process::Output;

use registry::{ConsentScope, SampleProfile};

mod common;
use common::{ok, run, Scratch};

const SITES: &str = "external_id,name\nS-1,Fupyong\n";

// Taro is missing; Ichiro and Hana are his parents, Jiro his brother, Kenji Jiro's son.
const FAMILIES: &str = "family_external_id,family_name,member,sex,father,mother,is_missing
FAM-1,Yamada,Taro,m,Ichiro,Hana,yes
FAM-1,,Ichiro,m,,,
FAM-1,,Hana,f,,,
FAM-1,,Jiro,m,Ichiro,Hana,
FAM-1,,Kenji,m,Jiro,,
";

fn cmf_file() -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "formats",
        "tests",
        "data",
        "cmf",
        "missing-persons.xml",
    ]
    .iter()
    .collect();
    std::fs::read_to_string(path).unwrap()
}

fn write(d: &Scratch, name: &str, text: &str) -> String {
    let file = d.join(name);
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_owned()
}

/// A registry with the site and the family, and `families` in place of the default family file.
fn prepared(name: &str, families: &str) -> Scratch {
    let d = Scratch::new(name);
    let db = d.db_url();
    ok(&run(["import", "sites", &write(&d, "sites.csv", SITES), "--db", &db]));
    ok(&run([
        "import",
        "families",
        &write(&d, "families.csv", families),
        "--db",
        &db,
    ]));
    d
}

const CONSENT: [&str; 4] = ["--consent-scope", "identification-only", "--consent-date", "2024-05"];

fn import_cmf(d: &Scratch, text: &str, extra: &[&str]) -> Output {
    let file = write(d, "batch.xml", text);
    let db = d.db_url();
    let mut args = vec!["import", "cmf", file.as_str(), "--db", db.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

/// Exit code 2, every needle in the message, and nothing written.
fn assert_refused(d: &Scratch, text: &str, extra: &[&str], needles: &[&str]) {
    let before = d.audit_entries();
    let out = import_cmf(d, text, extra);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for n in needles {
        assert!(err.contains(n), "'{n}' not in: {err}");
    }
    assert_eq!(d.audit_entries(), before, "nothing is written: {err}");
}

#[test]
fn remains_and_relatives_go_where_their_categories_say() {
    let d = prepared("good", FAMILIES);
    let mut args = vec!["--site", "S-1"];
    args.extend(CONSENT);
    let err = ok(&import_cmf(&d, &cmf_file(), &args));
    assert!(
        err.contains("1 remains with their samples and 2 reference samples imported"),
        "{err}"
    );
    let (remains, samples, profile, refs, members) = d.with_store(async |s| {
        let site = s.list_sites().await.unwrap().remove(0);
        let remains = s.list_remains(site.id).await.unwrap();
        let samples = s.list_samples(remains[0].id).await.unwrap();
        let profile = s.get_sample_profile("test", samples[0].id).await.unwrap();
        let family = s.get_family_by_external_id("FAM-1").await.unwrap().unwrap();
        let refs = s.list_references(family.id).await.unwrap();
        let members = s.list_members(family.id).await.unwrap();
        (remains, samples, profile, refs, members)
    });
    assert_eq!(remains.len(), 1);
    assert_eq!(remains[0].data.external_id, "UHR-0001");
    assert_eq!(
        (samples[0].external_id.as_str(), samples[0].lab.as_str()),
        ("UHR-0001", "HWLAB0001")
    );
    let Some(SampleProfile::Str(p)) = profile else {
        panic!("{profile:?}")
    };
    // Off-ladder alleles as the laboratory wrote them.
    assert_eq!(p.genotypes()["TH01"], "<6/9.3");
    assert_eq!(p.genotypes()["FGA"], "22/>30");
    assert_eq!(p.genotypes()["AMEL"], "X/Y");
    let donor = |id: i64| members.iter().find(|m| m.id == id).unwrap().data.display_name.as_str();
    let placed: Vec<(&str, &str)> = refs
        .iter()
        .map(|r| (r.external_id.as_str(), donor(r.donor_member_id)))
        .collect();
    assert_eq!(placed, [("REF-0001", "Hana"), ("REF-0002", "Jiro")]);
    assert_eq!(refs[0].kit, "GlobalFiler");
    assert_eq!(refs[0].consent.scope, ConsentScope::IdentificationOnly);
    assert_eq!(refs[0].consent.date.to_string(), "2024-05");
    // A second run is refused as a whole.
    assert_refused(
        &d,
        &cmf_file(),
        &args,
        &["batch.xml", "line 11", "UHR-0001", "nothing was written"],
    );
}

#[test]
fn refusals_name_the_line_and_element_and_write_nothing() {
    let d = prepared("bad", FAMILIES);
    let mut all = vec!["--site", "S-1"];
    all.extend(CONSENT);
    let file = cmf_file();
    assert_refused(&d, &file, &CONSENT, &["line 11", "<SPECIMEN> 'UHR-0001'", "--site"]);
    assert_refused(
        &d,
        &file,
        &["--site", "S-1"],
        &["line 60", "'REF-0001'", "--consent-scope"],
    );
    let mut no_site = vec!["--site", "S-9"];
    no_site.extend(CONSENT);
    assert_refused(&d, &file, &no_site, &["--site S-9", "no site"]);
    // A mixture at one locus.
    let mixture = file.replacen(
        "<ALLELEVALUE>16</ALLELEVALUE>\n      </ALLELE>",
        "<ALLELEVALUE>16</ALLELEVALUE>\n      </ALLELE>\n      <ALLELE><ALLELEVALUE>17</ALLELEVALUE></ALLELE>",
        1,
    );
    assert_refused(&d, &mixture, &all, &["line 15", "<LOCUS> D3S1358", "3 alleles"]);
    // Not a missing-persons category: the specification's example is forensic casework.
    let forensic = file.replacen("Biological Sibling", "Forensic, Unknown", 1);
    assert_refused(&d, &forensic, &all, &["line 105", "'REF-0002'", "Forensic, Unknown"]);
    // A family that is not in the registry, and a relationship nobody in the tree has.
    assert_refused(
        &d,
        &file.replace("FAM-1", "FAM-9"),
        &all,
        &["line 60", "no family 'FAM-9'"],
    );
    let child = file.replacen("Biological Sibling", "Biological Child", 1);
    assert_refused(
        &d,
        &child,
        &all,
        &["line 105", "no member who is the missing member's Biological Child"],
    );
    let spouse = file.replacen("Biological Sibling", "Spouse", 1);
    assert_refused(&d, &spouse, &all, &["line 105", "name the member 'REF-0002'"]);
    // Malformed XML.
    let broken = file.replacen("</LOCUS>", "</LOCI>", 1);
    assert_refused(&d, &broken, &all, &["batch.xml", "line 25", "not well-formed"]);
}

#[test]
fn several_members_fit_until_the_donor_is_named() {
    let two_siblings = format!("{FAMILIES}FAM-1,,Saburo,m,Ichiro,Hana,\n");
    let d = prepared("siblings", &two_siblings);
    let mut all = vec!["--site", "S-1"];
    all.extend(CONSENT);
    assert_refused(&d, &cmf_file(), &all, &["line 105", "several members", "Jiro, Saburo"]);
    // Naming the member after the specimen places it, and the tree still checks the relationship.
    let named = two_siblings.replace(",Saburo,", ",REF-0002,");
    let d = prepared("siblings-named", &named);
    ok(&import_cmf(&d, &cmf_file(), &all));
    let wrong = FAMILIES.replace(",Kenji,", ",REF-0002,");
    let d = prepared("named-wrong", &wrong);
    assert_refused(
        &d,
        &cmf_file(),
        &all,
        &[
            "line 105",
            "'REF-0002' of family FAM-1 is not the missing member's Biological Sibling",
        ],
    );
}

/// Specimen id → (category, CASEID, locus → alleles), independent of order.
type Specimens =
    std::collections::BTreeMap<String, (String, Option<String>, std::collections::BTreeMap<String, Vec<String>>)>;

fn specimens(text: &str) -> Specimens {
    let file = formats::read_cmf(text).unwrap();
    file.specimens
        .into_iter()
        .map(|s| {
            let loci = s
                .loci
                .into_iter()
                .map(|l| (l.name, l.alleles.into_iter().map(|a| a.value).collect()))
                .collect();
            (s.id, (s.category.0, s.case_id, loci))
        })
        .collect()
}

/// `homeward export cmf` of `d`'s registry, as `user` if given.
fn export_as(d: &Scratch, user: Option<&str>) -> Output {
    let db = d.db_url();
    let mut args = vec![
        "export",
        "cmf",
        "--db",
        db.as_str(),
        "--source-lab",
        "HWLAB0001",
        "--destination-ori",
        "NDIS0000",
        "--user",
        "ANALYST1",
    ];
    if let Some(u) = user {
        args.extend(["--as", u]);
    }
    run(&args)
}

fn export(d: &Scratch) -> String {
    let out = export_as(d, None);
    ok(&out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_export_reads_back_as_the_imported_specimens_and_imports_again() {
    let d = prepared("export", FAMILIES);
    let mut args = vec!["--site", "S-1"];
    args.extend(CONSENT);
    ok(&import_cmf(&d, &cmf_file(), &args));
    let exported = export(&d);
    let mut expected = specimens(&cmf_file());
    // The remains' CASEID becomes the site's external id.
    expected.get_mut("UHR-0001").unwrap().1 = Some("S-1".into());
    assert_eq!(specimens(&exported), expected, "{exported}");
    let header = formats::read_cmf(&exported).unwrap();
    assert_eq!(
        (header.source_lab.as_str(), header.destination_ori.as_str()),
        ("HWLAB0001", "NDIS0000")
    );
    // Into a fresh registry with the same site and family: the same records again.
    let d = prepared("export-again", FAMILIES);
    ok(&import_cmf(&d, &exported, &args));
    assert_eq!(specimens(&export(&d)), expected);
}

#[test]
fn an_export_as_a_viewer_is_refused_and_as_a_lab_analyst_is_audited_under_that_user() {
    let d = prepared("export-as", FAMILIES);
    let mut args = vec!["--site", "S-1"];
    args.extend(CONSENT);
    ok(&import_cmf(&d, &cmf_file(), &args));
    d.with_store(async |store| {
        let pw = "a long enough password";
        store
            .add_user("setup", "root", registry::Role::Admin, pw)
            .await
            .unwrap();
        store
            .add_user("setup", "vera", registry::Role::Viewer, pw)
            .await
            .unwrap();
        store
            .add_user("setup", "lab.ana", registry::Role::LabAnalyst, pw)
            .await
            .unwrap();
    });
    let cmf = |user: &str| export_as(&d, Some(user));
    let before = d.audit_entries();
    let out = cmf("vera");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--as vera") && err.contains("viewer may not"), "{err}");
    assert!(out.stdout.is_empty(), "nothing exported");
    assert_eq!(d.audit_entries(), before, "no profile was read");
    ok(&cmf("lab.ana"));
    let reads = d.with_store(async |store| {
        let entries = store.audit_entries(before as i64, 10_000).await.unwrap();
        assert!(!entries.is_empty());
        entries.iter().all(|e| e.action == "read" && e.actor == "lab.ana")
    });
    assert!(reads, "every profile read is audited under the lab analyst");
}
