//! `homeward import sites|families|profiles|fam`, `backup` and `restore` through the built binary, on
//! SQLite: good files round-trip into the registry, every kind of bad row is rejected with its line
//! and column and nothing written, re-running a file skips what is there (families and profiles are
//! one transaction per file), and a restored backup gives back the same records with an intact audit
//! chain.

use std::path::{Path, PathBuf};
use std::process::Output;

use registry::model::{Sex, SiteStatus};
use registry::{ConsentScope, Store};

mod common;
use common::{bad_input, homeward, ok, output, run, Scratch};

const PERSONS: &str = "external_id,name,name_latin,sex,birth,death
JP-1,山田太郎,Yamada Taro,male,1921,1946
JP-2,山田次郎,Yamada Jiro,male,1923,1945
";

const SITES: &str = "external_id,name,name_script,name_latin,lat,lon,precision_m,status,estimated_count,notes
S-1,富坪,Hani,Fupyong,41.8,129.7,500,surveyed,1200,\"cemetery, north slope\"
S-2,古茂山,,Komusan,,,,,,
";

// Children before parents on purpose; Taro links to a registry person.
const FAMILIES: &str = "family_external_id,family_name,member,sex,father,mother,is_missing,person_external_id,alive
F-1,Yamada,Taro,m,Ichiro,Hana,yes,JP-1,
F-1,,Kenji,m,Jiro,,,,
F-1,Yamada,Ichiro,m,,,,,no
F-1,,Hana,f,,,,,no
F-1,,Jiro,m,Ichiro,Hana,,,
F-2,Sato,Hanako,female,,,,,
";

const PROFILES: &str = "external_id,family_external_id,donor,kit,consent_scope,consent_date,D3S1358,TH01,vWA
R-1,F-1,Kenji,GlobalFiler,identification-only,2023-05-01,14/15,9.3,
R-2,F-2,Hanako,GlobalFiler,identification-and-research,2023,15,6 / 7,17/-
";

/// A registry with the persons and families imported (for the profiles).
fn prepared(name: &str) -> Scratch {
    let d = Scratch::new(name);
    ok(&d.import("persons", "persons.csv", PERSONS, &[]));
    ok(&d.import("families", "families.csv", FAMILIES, &[]));
    d
}

#[test]
fn sites_round_trip_and_a_second_run_skips_them() {
    let d = Scratch::new("sites");
    let err = ok(&d.import("sites", "sites.csv", SITES, &[]));
    assert!(err.contains("2 sites imported, 0 skipped"), "{err}");
    let sites = d.with_store(async |s| s.list_sites().await.unwrap());
    assert_eq!(sites.len(), 2);
    let s1 = &sites[0].data;
    assert_eq!(s1.external_id, "S-1");
    assert_eq!(
        (s1.names[0].text.as_str(), s1.names[0].script.as_str()),
        ("富坪", "Hani")
    );
    assert_eq!(s1.names[1].text, "Fupyong");
    let c = s1.coordinates.unwrap();
    assert_eq!((c.lat, c.lon, c.precision_m), (41.8, 129.7, Some(500.0)));
    assert_eq!(s1.status, SiteStatus::Surveyed);
    assert_eq!(s1.estimated_count, Some(1200));
    assert_eq!(s1.notes.as_deref(), Some("cemetery, north slope"));
    let s2 = &sites[1].data;
    assert_eq!(
        (s2.status, s2.coordinates, s2.estimated_count),
        (SiteStatus::Known, None, None)
    );
    assert_eq!(s2.names[0].script, "Hani", "guessed from the letters");
    // A re-run writes nothing.
    let err = ok(&d.writes_nothing(|| d.import("sites", "sites.csv", SITES, &[])));
    assert!(err.contains("0 sites imported, 2 skipped"), "{err}");
}

#[test]
fn families_round_trip_with_parents_created_before_children() {
    let d = Scratch::new("families");
    ok(&d.import("persons", "persons.csv", PERSONS, &[]));
    let err = ok(&d.import("families", "families.csv", FAMILIES, &[]));
    assert!(err.contains("2 families and 6 members imported"), "{err}");
    let (families, members, person) = d.with_store(async |s| {
        let families = s.list_families().await.unwrap();
        let members = s.list_members(families[0].id).await.unwrap();
        let person = s.get_person_by_external_id("JP-1").await.unwrap().unwrap();
        (families, members, person)
    });
    assert_eq!(families.len(), 2);
    assert_eq!(
        (families[0].external_id.as_str(), families[0].name.as_str()),
        ("F-1", "Yamada")
    );
    assert_eq!(
        (families[1].external_id.as_str(), families[1].name.as_str()),
        ("F-2", "Sato")
    );
    let by_name = |n: &str| members.iter().find(|m| m.data.display_name == n).unwrap();
    let (taro, jiro, kenji, ichiro, hana) = (
        by_name("Taro"),
        by_name("Jiro"),
        by_name("Kenji"),
        by_name("Ichiro"),
        by_name("Hana"),
    );
    assert_eq!(members.len(), 5);
    assert_eq!(taro.data.father_member_id, Some(ichiro.id));
    assert_eq!(taro.data.mother_member_id, Some(hana.id));
    assert_eq!(jiro.data.father_member_id, Some(ichiro.id));
    assert_eq!(
        (kenji.data.father_member_id, kenji.data.mother_member_id),
        (Some(jiro.id), None)
    );
    assert_eq!(taro.data.person_id, Some(person.id));
    assert!(
        taro.data.is_missing && !taro.data.alive,
        "a missing member is not alive by default"
    );
    assert!(kenji.data.alive && !kenji.data.is_missing);
    assert!(!ichiro.data.alive);
    assert_eq!((ichiro.data.sex, hana.data.sex), (Sex::Male, Sex::Female));
    // A re-run writes nothing.
    let err = ok(&d.writes_nothing(|| d.import("families", "families.csv", FAMILIES, &[])));
    assert!(err.contains("2 families and 6 members skipped"), "{err}");
}

#[test]
fn a_family_in_the_registry_is_skipped_not_extended_and_must_agree_with_the_file() {
    let d = Scratch::new("resume");
    ok(&d.import("persons", "persons.csv", PERSONS, &[]));
    // F-1 imported earlier with two of its members only.
    let partial = "family_external_id,family_name,member,sex,father,mother,is_missing,person_external_id,alive
F-1,Yamada,Ichiro,m,,,,,no
F-1,,Hana,f,,,,,no
";
    ok(&d.import("families", "partial.csv", partial, &[]));
    // The whole file is one transaction: F-1 lacks members of the file, so nothing is written,
    // not even F-2.
    let out = d.writes_nothing(|| d.import("families", "families.csv", FAMILIES, &[]));
    let err = bad_input(&out);
    assert!(
        err.contains("line 2, column 'member'") && err.contains("without member 'Taro'"),
        "{err}"
    );
    assert_eq!(d.with_store(async |s| s.list_families().await.unwrap().len()), 1);
    // The members already there are skipped with their family; new families are imported.
    let more = format!("{partial}F-3,Suzuki,Aki,f,,,,,\n");
    let err = ok(&d.import("families", "more.csv", &more, &[]));
    assert!(
        err.contains("1 families and 1 members imported; 1 families and 2 members skipped"),
        "{err}"
    );
    // A file that disagrees with what the registry holds is refused before anything is written.
    let d2 = Scratch::new("disagree");
    ok(&d2.import("persons", "persons.csv", PERSONS, &[]));
    ok(&d2.import("families", "families.csv", FAMILIES, &[]));
    let disagreeing = FAMILIES.replace("Kenji,m,Jiro", "Kenji,m,");
    let out = d2.writes_nothing(|| d2.import("families", "other.csv", &disagreeing, &[]));
    let err = bad_input(&out);
    assert!(
        err.contains("line 3, column 'father'") && err.contains("in the registry"),
        "{err}"
    );
}

#[test]
fn profiles_round_trip_into_references_with_consent() {
    let d = prepared("profiles");
    let err = ok(&d.import("profiles", "references.csv", PROFILES, &[]));
    assert!(err.contains("2 references imported, 0 skipped"), "{err}");
    let (refs, p1, p2, kenji) = d.with_store(async |s| {
        let refs = s.list_active_references().await.unwrap();
        let p1 = s.get_reference_profile("test", refs[0].id).await.unwrap().unwrap();
        let p2 = s.get_reference_profile("test", refs[1].id).await.unwrap().unwrap();
        let f = s.get_family_by_external_id("F-1").await.unwrap().unwrap();
        let kenji = s
            .list_members(f.id)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.data.display_name == "Kenji")
            .unwrap();
        (refs, p1, p2, kenji)
    });
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0].external_id, "R-1");
    assert_eq!(refs[0].donor_member_id, kenji.id);
    assert_eq!(refs[0].kit, "GlobalFiler");
    assert_eq!(refs[0].consent.scope, ConsentScope::IdentificationOnly);
    assert_eq!(refs[0].consent.date.to_string(), "2023-05-01");
    assert_eq!(refs[1].consent.scope, ConsentScope::IdentificationAndResearch);
    let g1: Vec<(&str, &str)> = p1
        .str_profile
        .genotypes()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        g1,
        [("D3S1358", "14/15"), ("TH01", "9.3")],
        "the empty vWA cell is untyped"
    );
    assert_eq!(p2.str_profile.genotypes()["TH01"], "6/7");
    assert_eq!(p2.str_profile.genotypes()["vWA"], "17/-");
    // A re-run writes nothing.
    let err = ok(&d.writes_nothing(|| d.import("profiles", "references.csv", PROFILES, &[])));
    assert!(err.contains("0 references imported, 2 skipped"), "{err}");
}

/// Each bad file: the exit code is 2, the message names the file, line and column, and the audit
/// chain (which every write extends) is as long as before.
fn assert_rejected(d: &Scratch, kind: &str, case: &str, text: &str, needle: &str) {
    let before = d.audit_entries();
    let name = format!("{case}.csv");
    let out = d.import(kind, &name, text, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{kind} {case}: {err}");
    let expected = format!("{}: {needle}", d.join(&name).display());
    assert!(err.contains(&expected), "{kind} {case}: '{expected}' not in {err}");
    assert!(err.contains("line "), "{kind} {case}: {err}");
    assert_eq!(d.audit_entries(), before, "{kind} {case}: nothing written");
}

#[test]
fn bad_site_rows_are_rejected_naming_line_and_column() {
    let d = Scratch::new("bad-sites");
    let cases = [
        ("latitude", SITES.replace(",41.8,", ",91.8,"), "line 2, column 'lat'"),
        ("number", SITES.replace(",129.7,", ",east,"), "line 2, column 'lon'"),
        ("half", SITES.replace(",41.8,", ",,"), "line 2, column 'lat'"),
        (
            "precision",
            SITES.replace("Komusan,,,", "Komusan,,,20"),
            "line 3, column 'precision_m'",
        ),
        (
            "status",
            SITES.replace(",surveyed,", ",dug,"),
            "line 2, column 'status'",
        ),
        (
            "count",
            SITES.replace(",1200,", ",many,"),
            "line 2, column 'estimated_count'",
        ),
        (
            "script",
            SITES.replace(",Hani,", ",Hanzi,"),
            "line 2, column 'name_script'",
        ),
        ("name", SITES.replace("S-2,古茂山", "S-2,"), "line 3, column 'name'"),
        ("duplicate", SITES.replace("S-2", "S-1"), "line 3, column 'external_id'"),
        ("column", SITES.replace("notes", "remarks"), "line 1, column 'remarks'"),
        ("required", SITES.replace("external_id", "id"), "line 1, column 'id'"),
        ("shape", format!("{SITES}S-3,x\n"), "line 4"),
    ];
    for (case, text, needle) in cases {
        assert_rejected(&d, "sites", case, &text, needle);
    }
    assert!(d.with_store(async |s| s.list_sites().await.unwrap()).is_empty());
}

#[test]
fn bad_family_rows_are_rejected_naming_line_and_column() {
    let d = Scratch::new("bad-families");
    ok(&d.import("persons", "persons.csv", PERSONS, &[]));
    let cases = [
        (
            "parent",
            FAMILIES.replace("Kenji,m,Jiro", "Kenji,m,Saburo"),
            "line 3, column 'father'",
        ),
        (
            "father-sex",
            FAMILIES.replace("Kenji,m,Jiro", "Kenji,m,Hana"),
            "line 3, column 'father'",
        ),
        (
            "mother-sex",
            FAMILIES.replace("Taro,m,Ichiro,Hana", "Taro,m,Ichiro,Jiro"),
            "line 2, column 'mother'",
        ),
        (
            "other-family",
            FAMILIES.replace("F-2,Sato,Hanako,female,,", "F-2,Sato,Hanako,female,,Hana"),
            "line 7, column 'mother'",
        ),
        (
            "cycle",
            FAMILIES.replace("F-1,Yamada,Ichiro,m,,", "F-1,Yamada,Ichiro,m,Kenji,"),
            "line 4, column 'father'",
        ),
        (
            "self",
            FAMILIES.replace("Kenji,m,Jiro", "Kenji,m,Kenji"),
            "line 3, column 'father'",
        ),
        (
            "member",
            FAMILIES.replace("F-1,,Jiro,m,Ichiro", "F-1,,Taro,m,Ichiro"),
            "line 6, column 'member'",
        ),
        (
            "empty-member",
            FAMILIES.replace("F-1,,Kenji", "F-1,,"),
            "line 3, column 'member'",
        ),
        (
            "family-name",
            FAMILIES.replace("F-1,Yamada,Ichiro", "F-1,Yamamoto,Ichiro"),
            "line 4, column 'family_name'",
        ),
        (
            "no-family-name",
            FAMILIES.replace("F-2,Sato", "F-2,"),
            "line 7, column 'family_name'",
        ),
        (
            "sex",
            FAMILIES.replace("Hanako,female", "Hanako,woman"),
            "line 7, column 'sex'",
        ),
        (
            "flag",
            FAMILIES.replace(",yes,JP-1", ",maybe,JP-1"),
            "line 2, column 'is_missing'",
        ),
        (
            "alive",
            FAMILIES.replace(",,,,no\nF-1,,Hana", ",,,,dead\nF-1,,Hana"),
            "line 4, column 'alive'",
        ),
        (
            "person",
            FAMILIES.replace("JP-1", "JP-9"),
            "line 2, column 'person_external_id'",
        ),
        (
            "person-twice",
            FAMILIES.replace("F-1,,Kenji,m,Jiro,,,,", "F-1,,Kenji,m,Jiro,,,JP-1,"),
            "line 3, column 'person_external_id'",
        ),
        ("column", FAMILIES.replace("alive", "living"), "line 1, column 'living'"),
        (
            "required",
            FAMILIES.replace(",member,", ",name,"),
            "line 1, column 'name'",
        ),
    ];
    for (case, text, needle) in cases {
        assert_rejected(&d, "families", case, &text, needle);
    }
    assert!(d.with_store(async |s| s.list_families().await.unwrap()).is_empty());
}

#[test]
fn bad_profile_rows_are_rejected_naming_line_and_column() {
    let d = prepared("bad-profiles");
    let cases = [
        ("allele", PROFILES.replace(",9.3,", ",9;3,"), "line 2, column 'TH01'"),
        (
            "three",
            PROFILES.replace("14/15", "14/15/16"),
            "line 2, column 'D3S1358'",
        ),
        ("half", PROFILES.replace("14/15", "14/"), "line 2, column 'D3S1358'"),
        (
            "scope",
            PROFILES.replace("identification-only", "research"),
            "line 2, column 'consent_scope'",
        ),
        (
            "date",
            PROFILES.replace("2023-05-01", "2023-02-30"),
            "line 2, column 'consent_date'",
        ),
        (
            "no-date",
            PROFILES.replace(",2023,", ",,"),
            "line 3, column 'consent_date'",
        ),
        (
            "kit",
            PROFILES.replace("R-2,F-2,Hanako,GlobalFiler", "R-2,F-2,Hanako,"),
            "line 3, column 'kit'",
        ),
        (
            "untyped",
            PROFILES.replace("15,6 / 7,17/-", ",,"),
            "line 3, columns 'D3S1358'…'vWA'",
        ),
        (
            "family",
            PROFILES.replace("R-2,F-2", "R-2,F-9"),
            "line 3, column 'family_external_id'",
        ),
        (
            "donor",
            PROFILES.replace("F-1,Kenji", "F-1,Saburo"),
            "line 2, column 'donor'",
        ),
        (
            "donor-family",
            PROFILES.replace("F-2,Hanako", "F-1,Hanako"),
            "line 3, column 'donor'",
        ),
        (
            "duplicate",
            PROFILES.replace("R-2", "R-1"),
            "line 3, column 'external_id'",
        ),
        (
            "marker-twice",
            PROFILES.replace(",vWA", ",TH01"),
            "line 1, column 'TH01'",
        ),
        (
            "required",
            PROFILES.replace(",kit,", ",typing_kit,"),
            "line 1, column 'kit'",
        ),
    ];
    for (case, text, needle) in cases {
        assert_rejected(&d, "profiles", case, &text, needle);
    }
    assert!(d
        .with_store(async |s| s.list_active_references().await.unwrap())
        .is_empty());
}

#[test]
fn a_reference_already_held_for_another_donor_is_refused() {
    let d = prepared("ref-conflict");
    ok(&d.import("profiles", "references.csv", PROFILES, &[]));
    let moved = PROFILES.replace("R-1,F-1,Kenji", "R-1,F-1,Jiro");
    assert_rejected(&d, "profiles", "moved", &moved, "line 2, column 'external_id'");
}

fn export_persons(db: &str) -> String {
    let out = run(["export", "persons", "--format", "csv", "--db", db]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn backup_and_restore_give_back_the_same_records_and_an_intact_audit_chain() {
    let d = prepared("backup");
    ok(&d.import("sites", "sites.csv", SITES, &[]));
    ok(&d.import("profiles", "references.csv", PROFILES, &[]));
    let db = d.db_url();
    let before = export_persons(&db);
    let entries = d.audit_entries();
    let backup = d.join("backup.db");
    let backup_s = backup.to_str().unwrap();
    let err = ok(&run(["backup", "--db", &db, "--out", backup_s]));
    assert!(err.contains("audit chain intact"), "{err}");
    // A second backup to the same file is refused.
    let again = run(["backup", "--db", &db, "--out", backup_s]);
    assert_eq!(again.status.code(), Some(2));
    // Change the registry after the backup.
    ok(&d.import("persons", "more.csv", "external_id,name\nJP-3,佐藤花子\n", &[]));
    assert_ne!(export_persons(&db), before);

    // Without --force an existing database is not replaced.
    let refused = run(["restore", "--db", &db, "--from", backup_s]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert!(export_persons(&db).contains("JP-3"), "left as it was");

    let err = ok(&run(["restore", "--db", &db, "--from", backup_s, "--force"]));
    assert!(err.contains("audit chain intact"), "{err}");
    assert_eq!(export_persons(&db), before);
    assert_eq!(d.audit_entries(), entries);
    let out = run(["audit", "verify", "--db", &db]);
    assert!(out.status.success());
    let sites = d.with_store(async |s| (s.list_sites().await.unwrap(), s.list_active_references().await.unwrap()));
    assert_eq!((sites.0.len(), sites.1.len()), (2, 2));

    // Restoring into a new file works without --force.
    // (with the key of the registry the backup was made from).
    let fresh = format!("sqlite://{}", d.join("fresh.db").display());
    ok(&output(
        homeward()
            .args(["restore", "--db", &fresh, "--from", backup_s])
            .env("HOMEWARD_KEY_FILE", d.join("registry.db.key")),
    ));
    // The restored registry is signed with that key: without it, it is refused, not re-signed.
    let refused = run(["export", "persons", "--format", "csv", "--db", &fresh]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is signed with key"));
    std::fs::copy(d.join("registry.db.key"), d.join("fresh.db.key")).unwrap();
    assert_eq!(export_persons(&fresh), before);
}

#[test]
fn a_backup_whose_audit_chain_is_broken_is_not_restored() {
    let d = prepared("tampered");
    let db = d.db_url();
    let backup = d.join("backup.db");
    ok(&run(["backup", "--db", &db, "--out", backup.to_str().unwrap()]));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(&format!("sqlite://{}", backup.display())).await.unwrap();
        let mut forged = store.audit_entries(0, 1).await.unwrap().remove(0);
        forged.actor = "someone else".to_owned();
        registry::testing::forge_audit_entry(&store, &forged).await.unwrap();
        // Folded into the file, so that the file itself carries the forgery.
        store.checkpoint().await.unwrap();
        store.close().await;
    });
    let before = export_persons(&db);
    let out = run(["restore", "--db", &db, "--from", backup.to_str().unwrap(), "--force"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // The edit changed the file: its hash is no longer the manifest's.
    assert!(err.contains("SHA-256 is not the manifest's"), "{err}");
    assert_eq!(export_persons(&db), before);
    // Not a database at all.
    let junk = d.join("junk.db");
    std::fs::write(&junk, "external_id,name\n").unwrap();
    let out = run(["restore", "--db", &db, "--from", junk.to_str().unwrap(), "--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an SQLite database"));
    let leftovers: Vec<_> = std::fs::read_dir(&*d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".restore-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn postgres_backups_point_to_pg_dump_and_pg_restore() {
    for args in [
        ["backup", "--db", "postgres://u@localhost:1/db", "--out", "x.db"],
        ["restore", "--db", "postgres://u@localhost:1/db", "--from", "x.db"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("pg_dump") && err.contains("pg_restore"), "{err}");
    }
}

// ---- import fam: the reference families of a Familias DVI file, with their profiles ----

fn fam_example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/familias/dvi-example.fam")
}

fn import_fam(d: &Scratch, file: &Path, extra: &[&str]) -> Output {
    homeward()
        .args(["import", "fam"])
        .arg(file)
        .args(["--db", &d.db_url(), "--kit", "GlobalFiler"])
        .args(["--consent-scope", "identification-only", "--consent-date", "2024-05"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn the_dvi_families_and_their_profiles_go_in_once() {
    let d = Scratch::new("fam-good");
    let out = import_fam(&d, &fam_example(), &["--id-prefix", "KETP-"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("1 families (5 members) and 1 reference profiles imported"),
        "{err}"
    );
    let (family, members, references) = d.with_store(async |s| {
        let f = s
            .get_family_by_external_id("KETP-Reference family 1")
            .await
            .unwrap()
            .unwrap();
        let members = s.list_members(f.id).await.unwrap();
        let refs = s.list_active_references().await.unwrap();
        (f, members, refs)
    });
    assert_eq!(family.name, "Reference family 1");
    let by_name = |n: &str| members.iter().find(|m| m.data.display_name == n).unwrap();
    let (r, father, m2, m3) = (
        by_name("R"),
        by_name("Missing person"),
        by_name("Missing male 2"),
        by_name("Missing male 3"),
    );
    // "Missing person" is named only in the pedigree; a father, since R is a woman.
    assert_eq!(father.data.sex, Sex::Male);
    assert_eq!(
        (m2.data.father_member_id, m2.data.mother_member_id),
        (Some(father.id), Some(r.id))
    );
    assert_eq!(
        (m3.data.father_member_id, m3.data.mother_member_id),
        (Some(m2.id), None)
    );
    assert!(r.data.alive && !r.data.is_missing);
    assert!(m2.data.is_missing && !m2.data.alive && by_name("Missing male 1").data.is_missing);
    assert_eq!(references.len(), 1);
    let reference = &references[0];
    assert_eq!(reference.external_id, "KETP-Reference family 1/R");
    assert_eq!(reference.donor_member_id, r.id);
    assert_eq!(reference.kit, "GlobalFiler");
    assert_eq!(reference.consent.scope, ConsentScope::IdentificationOnly);
    let profile = d.with_store(async |s| s.get_reference_profile("lab", reference.id).await.unwrap());
    assert_eq!(
        profile.unwrap().str_profile,
        registry::StrProfile::new([("L1", "1/1")]).unwrap()
    );

    // Again: the family is there, so nothing is written and the file's line is named.
    // (Reading the profile above wrote one audit entry; the failed run none.)
    let out = d.writes_nothing(|| import_fam(&d, &fam_example(), &["--id-prefix", "KETP-"]));
    let err = bad_input(&out);
    assert!(err.contains("line 68") && err.contains("nothing was imported"), "{err}");
}

#[test]
fn a_bad_file_or_flag_writes_nothing() {
    let d = Scratch::new("fam-bad");
    let text = std::fs::read_to_string(fam_example()).unwrap();
    let bad = d.join("bad.fam");
    std::fs::write(&bad, text.replace("nRelations= 3", "nRelations= three")).unwrap();
    let out = import_fam(&d, &bad, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("field 'nRelations'"), "{err}");

    let out = import_fam(&d, &fam_example(), &["--consent-date", "May 2024"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--consent-date"));

    let no_dvi = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/familias/paternity.fam");
    let out = import_fam(&d, &no_dvi, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [DVI] section"));
    let families = d.with_store(async |s| s.list_families().await.unwrap());
    assert!(families.is_empty());
}
