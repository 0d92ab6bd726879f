//! `homeward import gedcom`, `import genemapper`, `import snp-panel` and `import vcf` through the built binary, on SQLite:
//! a family tree becomes a registry family (biological links the pedigree, adoption a non-genetic
//! relation, names in several scripts and events kept), an allele table is recorded on samples and
//! references; malformed files, impossible pedigrees and amelogenin mismatches exit with code 2,
//! naming the line, and write nothing.

use std::path::Path;

use registry::model::{Name, NameKind, NewSite, Sex, SiteStatus};
use registry::{
    Consent, ConsentScope, NewReference, NewRemains, NewSample, ProfileKind, ReferenceProfile, RelationKind,
    SampleProfile, StrProfile,
};

mod common;
use common::{homeward, ok, refused, Scratch};

const PERSONS: &str = "external_id,name,name_latin,sex,birth,death
JP-1,山田太郎,Yamada Taro,male,1921,1945
";

/// A Japanese family in GEDCOM 7: Taro, missing since 1945, his parents, and his foster mother.
const YAMADA: &str = "0 HEAD
1 GEDC
2 VERS 7.0
0 @I1@ INDI
1 NAME /山田/ 太郎
2 TRAN /やまだ/ たろう
3 LANG ja-Hrkt
2 TRAN /Yamada/ Tarō
3 LANG ja-Latn
1 SEX M
1 BIRT
2 DATE 11 FEB 1921
2 PLAC 仙台市
1 FAMC @F1@
1 FAMC @F2@
2 PEDI FOSTER
0 @I2@ INDI
1 NAME /山田/ 一郎
1 SEX M
1 DEAT Y
0 @I3@ INDI
1 NAME /山田/ 花
1 SEX F
1 BURI
2 DATE ABT 1960
2 PLAC 青葉山墓地
3 MAP
4 LATI N38.25
4 LONG E140.85
0 @I4@ INDI
1 NAME /佐藤/ 春子
1 SEX F
0 @F1@ FAM
1 HUSB @I2@
1 WIFE @I3@
1 CHIL @I1@
0 @F2@ FAM
1 WIFE @I4@
1 CHIL @I1@
0 TRLR
";

#[test]
fn a_japanese_family_tree_with_a_missing_son_and_a_foster_mother() {
    let d = Scratch::new("yamada");
    ok(&d.import("persons", "persons.csv", PERSONS, &[]));
    let err = ok(&d.import(
        "gedcom",
        "yamada.ged",
        YAMADA,
        &["--family", "F-YAMADA", "--missing", "I1=JP-1"],
    ));
    assert!(
        err.contains("family F-YAMADA imported: 4 members, 2 biological parent links, 1 non-genetic relations"),
        "{err}"
    );
    assert!(
        err.contains("yamada.ged: line 15, FAMC: @I1@ → @F2@ (@I4@): foster link"),
        "{err}"
    );
    let (family, members, relations, record, person) = d.with_store(async |s| {
        let family = s.get_family_by_external_id("F-YAMADA").await.unwrap().unwrap();
        let members = s.list_members(family.id).await.unwrap();
        let relations = s.member_relations(family.id).await.unwrap();
        let taro = members.iter().find(|m| m.data.is_missing).unwrap().id;
        let record = s.member_record(taro).await.unwrap().unwrap();
        let person = s.get_person_by_external_id("JP-1").await.unwrap().unwrap();
        (family, members, relations, record, person)
    });
    assert_eq!(family.name, "山田");
    let names: Vec<&str> = members.iter().map(|m| m.data.display_name.as_str()).collect();
    // Written a generation at a time: parents first.
    assert_eq!(names, ["山田 一郎", "山田 花", "佐藤 春子", "山田 太郎"]);
    let id = |k: usize| members[k].id;
    let taro = &members[3].data;
    assert_eq!(
        (taro.father_member_id, taro.mother_member_id),
        (Some(id(0)), Some(id(1)))
    );
    assert_eq!(
        (taro.person_id, taro.alive, taro.sex),
        (Some(person.id), false, Sex::Male)
    );
    assert!(!members[0].data.alive && !members[1].data.alive && members[2].data.alive);
    assert_eq!(relations.len(), 1);
    let r = &relations[0];
    assert_eq!(
        (r.child_member_id, r.parent_member_id, r.kind),
        (id(3), id(2), RelationKind::Foster)
    );
    let name = &record.names[0];
    assert_eq!((name.text.as_str(), name.script.as_str()), ("/山田/ 太郎", "Hani"));
    let variants: Vec<(&str, &str, Option<&str>)> = name
        .variants
        .iter()
        .map(|v| (v.text.as_str(), v.script.as_str(), v.lang.as_deref()))
        .collect();
    assert_eq!(
        variants,
        [
            ("/やまだ/ たろう", "Kana", Some("ja-Hrkt")),
            ("/Yamada/ Tarō", "Latn", Some("ja-Latn"))
        ]
    );
    let birth = record.birth.unwrap();
    assert_eq!(
        (birth.date.as_deref(), birth.date_iso.as_deref(), birth.place.as_deref()),
        (Some("11 FEB 1921"), Some("1921-02-11"), Some("仙台市"))
    );
    assert_eq!(record.source_id.as_deref(), Some("I1"));
    // The pedigree the matching engine gets has the biological parents, not the foster mother.
    let pedigree = d.with_store(async |s| s.family_pedigree(family.id).await.unwrap());
    let taro_row = pedigree.iter().find(|(m, ..)| *m == id(3).to_string()).unwrap();
    assert_eq!(
        (taro_row.1.clone(), taro_row.2.clone()),
        (Some(id(0).to_string()), Some(id(1).to_string()))
    );

    // Once only: a second run is refused and writes nothing.
    let entries = d.audit_entries();
    refused(
        &d.import("gedcom", "yamada.ged", YAMADA, &["--family", "F-YAMADA"]),
        &["family 'F-YAMADA' is in the registry already; nothing was written"],
    );
    assert_eq!(d.audit_entries(), entries);
}

#[test]
fn the_5_5_1_sample_of_the_specification() {
    let d = Scratch::new("sample551");
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../formats/tests/data/gedcom/sample551.ged"),
    )
    .unwrap();
    let err = ok(&d.import("gedcom", "sample551.ged", &sample, &["--family", "F-WILLIAMS"]));
    assert!(
        err.contains("3 members, 2 biological parent links, 1 non-genetic relations"),
        "{err}"
    );
    assert!(err.contains("line 47, FAMC: @3@ → @9@ (@1@): adopted link"), "{err}");
    let (family, members, relations) = d.with_store(async |s| {
        let family = s.get_family_by_external_id("F-WILLIAMS").await.unwrap().unwrap();
        let members = s.list_members(family.id).await.unwrap();
        let relations = s.member_relations(family.id).await.unwrap();
        (family, members, relations)
    });
    assert_eq!(family.name, "Williams");
    let names: Vec<&str> = members.iter().map(|m| m.data.display_name.as_str()).collect();
    assert_eq!(names, ["Robert Eugene Williams", "Mary Ann Wilson", "Joe Williams"]);
    assert_eq!(
        (members[2].data.father_member_id, members[2].data.mother_member_id),
        (Some(members[0].id), Some(members[1].id))
    );
    assert_eq!(
        (
            relations[0].child_member_id,
            relations[0].parent_member_id,
            relations[0].kind
        ),
        (members[2].id, members[0].id, RelationKind::Adopted)
    );
}

#[test]
fn bad_trees_exit_2_naming_the_line_and_write_nothing() {
    let d = Scratch::new("bad");
    ok(&d.import("persons", "persons.csv", PERSONS, &[]));
    let entries = d.audit_entries();
    let family = ["--family", "F-BAD"];
    refused(
        &d.import(
            "gedcom",
            "a.ged",
            &YAMADA.replace("1 NAME /山田/ 花\n1 SEX F", "1 NAME /山田/ 花\n1 SEX woman"),
            &family,
        ),
        &["a.ged: line 23, SEX: 'WOMAN' is not a sex"],
    );
    refused(
        &d.import(
            "gedcom",
            "b.ged",
            &YAMADA.replace("4 LATI N38.25", "4 LATI 38.25"),
            &family,
        ),
        &["b.ged: line 28, LATI: '38.25' is not a coordinate"],
    );
    refused(
        &d.import(
            "gedcom",
            "c.ged",
            &YAMADA.replace("1 CHIL @I1@\n0 @F2@", "1 CHIL @I9@\n0 @F2@"),
            &family,
        ),
        &["c.ged: line 36, CHIL: @I9@ is not an individual"],
    );
    // Two mothers by birth: impossible for a genetic pedigree.
    let two_mothers = YAMADA.replace("2 PEDI FOSTER\n", "");
    refused(
        &d.import("gedcom", "d.ged", &two_mothers, &family),
        &["d.ged: line 15, FAMC: @I1@ is a child by birth of two families with different mothers"],
    );
    refused(
        &d.import("gedcom", "e.ged", &YAMADA.replace("0 TRLR\n", ""), &family),
        &["e.ged: line 37, FAM: no TRLR record"],
    );
    refused(
        &d.import(
            "gedcom",
            "f.ged",
            YAMADA,
            &["--family", "F-BAD", "--missing", "I1=JP-404"],
        ),
        &["f.ged: line 4, INDI @I1@: no person with external id 'JP-404'"],
    );
    refused(
        &d.import(
            "gedcom",
            "g.ged",
            YAMADA,
            &["--family", "F-BAD", "--missing", "I7=JP-1"],
        ),
        &["--missing I7=JP-1: the file has no individual @I7@"],
    );
    let long_place = format!("2 PLAC {}\n", "x".repeat(1001));
    refused(
        &d.import(
            "gedcom",
            "i.ged",
            &YAMADA.replace("2 PLAC 仙台市\n", &long_place),
            &family,
        ),
        &["i.ged: line 4, INDI: birth:"],
    );
    refused(
        &d.import("gedcom", "j.ged", "0 HEAD\n1 GEDC\n2 VERS 7.0\n0 TRLR\n", &family),
        &["j.ged: the file has no individuals"],
    );
    refused(
        &d.import("gedcom", "k.ged", YAMADA, &["--family", " "]),
        &["--family/--name: external_id"],
    );
    let mut latin1 = YAMADA.as_bytes().to_vec();
    latin1.extend_from_slice(b"1 NOTE Ren\xe9\n");
    std::fs::write(d.join("h.ged"), &latin1).unwrap();
    let out = homeward()
        .args([
            "import",
            "gedcom",
            d.join("h.ged").to_str().unwrap(),
            "--db",
            &d.db_url(),
            "--family",
            "F-BAD",
        ])
        .output()
        .unwrap();
    refused(&out, &["h.ged: line 41: the file is not UTF-8"]);
    assert_eq!(d.audit_entries(), entries, "nothing written");
    assert!(d.with_store(async |s| s.list_families().await.unwrap()).is_empty());
}

const TABLE: &str = "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1
a.fsa\tV-001\tGF\tD3S1358\tB\t15\t16\t\t120.1\t1800
a.fsa\tV-001\tGF\tAMEL\tB\tX\tY\t\t100.2\t2100
a.fsa\tV-001\tGF\tTH01\tB\t9.3\t\t\t180.0\t900
b.fsa\tR-002\tGF\tD3S1358\tB\t14\t17\t\t119.0\t700
b.fsa\tR-002\tGF\tAmelogenin\tB\tX\t\t\t100.1\t1500
";

/// A registry with an untyped sample from remains (V-001) and a reference from Hana (female) with an
/// mtDNA profile only.
fn typing_registry(name: &str) -> Scratch {
    let d = Scratch::new(name);
    ok(&d.import("gedcom", "yamada.ged", YAMADA, &["--family", "F-YAMADA"]));
    d.with_store(async |s| {
        let site = s
            .create_site(
                "clerk",
                &NewSite {
                    external_id: "S-1".into(),
                    names: vec![Name::new("Iwo Jima", "Latn", None, NameKind::Primary).unwrap()],
                    coordinates: None,
                    status: SiteStatus::Known,
                    estimated_count: None,
                    notes: None,
                },
            )
            .await
            .unwrap();
        let remains = s
            .create_remains(
                "field",
                &NewRemains {
                    external_id: "REM-1".into(),
                    site_id: site.id,
                    mission_id: None,
                    recovery_date: None,
                    skeletal_element: "left femur".into(),
                },
            )
            .await
            .unwrap();
        s.create_sample(
            "lab",
            &NewSample {
                external_id: "V-001".into(),
                remains_id: remains.id,
                lab: "lab".into(),
                profile_kind: ProfileKind::Str,
                profile: None,
            },
        )
        .await
        .unwrap();
        let family = s.get_family_by_external_id("F-YAMADA").await.unwrap().unwrap();
        let hana = s.list_members(family.id).await.unwrap()[1].id;
        s.create_reference(
            "lab",
            &NewReference {
                external_id: "R-002".into(),
                donor_member_id: hana,
                kit: "GlobalFiler".into(),
                profile: ReferenceProfile {
                    mtdna: Some("16129A 16223T".into()),
                    ..ReferenceProfile::default()
                },
                consent: Consent {
                    scope: ConsentScope::IdentificationOnly,
                    date: "2025-11-03".parse().unwrap(),
                },
            },
        )
        .await
        .unwrap();
    });
    d
}

#[test]
fn an_allele_table_is_recorded_on_samples_and_references_once() {
    let d = typing_registry("genemapper");
    let err = ok(&d.import("genemapper", "alleles.txt", TABLE, &[]));
    assert!(err.contains("2 typings recorded, 0 unchanged"), "{err}");
    let (sample, reference) = d.with_store(async |s| {
        let family = s.get_family_by_external_id("F-YAMADA").await.unwrap().unwrap();
        let reference = s.list_references(family.id).await.unwrap()[0].id;
        let remains = s.list_sites().await.unwrap()[0].id;
        let remains = s.list_remains(remains).await.unwrap()[0].id;
        let sample = s.list_samples(remains).await.unwrap()[0].id;
        (
            s.get_sample_profile("test", sample).await.unwrap(),
            s.get_reference_profile("test", reference).await.unwrap().unwrap(),
        )
    });
    assert_eq!(
        sample,
        Some(SampleProfile::Str(
            StrProfile::new([("D3S1358", "15/16"), ("TH01", "9.3")]).unwrap()
        ))
    );
    assert_eq!(reference.str_profile, StrProfile::new([("D3S1358", "14/17")]).unwrap());
    assert_eq!(reference.mtdna.as_deref(), Some("16129A 16223T"));
    let err = ok(&d.import("genemapper", "alleles.txt", TABLE, &[]));
    assert!(err.contains("0 typings recorded, 2 unchanged"), "{err}");
}

#[test]
fn bad_allele_tables_exit_2_naming_the_line_and_write_nothing() {
    let d = typing_registry("genemapper-bad");
    let entries = d.audit_entries();
    // Hana is recorded female; her sample shows X and Y.
    refused(
        &d.import(
            "genemapper",
            "a.txt",
            &TABLE.replace("B\tX\t\t\t100.1", "B\tX\tY\t\t100.1"),
            &[],
        ),
        &["a.txt: line 6, column 'Marker': sample 'R-002': amelogenin shows X and Y, but the sex recorded is female"],
    );
    refused(
        &d.import("genemapper", "b.txt", &TABLE.replace("\t9.3\t", "\t9 3\t"), &[]),
        &["b.txt: line 4, column 'Allele 1'"],
    );
    refused(
        &d.import("genemapper", "c.txt", &TABLE.replace("R-002", "R-404"), &[]),
        &["c.txt: line 5, column 'Sample Name': no sample or reference 'R-404' in the registry"],
    );
    refused(
        &d.import(
            "genemapper",
            "d.txt",
            &TABLE.replace("\t14\t17\t\t", "\t14\t17\t18\t"),
            &[],
        ),
        &["d.txt: line 5, column 'Allele 1': sample 'R-002', marker D3S1358: 3 alleles"],
    );
    assert_eq!(d.audit_entries(), entries, "nothing written");
}

const SNP_PANEL: &str = "marker\tchrom\tpos_bp\tcm\tref\talt\tfreq_alt
rs1\t1\t1000\t0\tA\tG\t0.3
rs2\t1\t90000\t1.5\tC\tT\t0.4
rs3\t1\t200000\t3.0\tG\tA\t0.25
rs4\t2\t5000\t0\tA\tC\t0.5
rs5\t2\t70000\t2.2\tT\tC\t0.35
rs6\t2\t150000\t4.1\tA\tG\t0.2
";

/// Calls for the sample from remains, PL for Hana's reference (rs6 untyped).
const SNP_VCF: &str = "##fileformat=VCFv4.2
##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">
##FORMAT=<ID=PL,Number=G,Type=Integer,Description=\"Phred-scaled genotype likelihoods\">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tV-001\tR-002
1\t1000\trs1\tA\tG\t.\tPASS\t.\tGT:PL\t0/1:.\t0/0:0,30,60
1\t90000\trs2\tC\tT\t.\tPASS\t.\tGT:PL\t1/1:.\t0/1:25,0,40
chr1\t200000\trs3\tG\tA\t.\tPASS\t.\tGT:PL\t0/0:.\t0/0:0,12,50
2\t5000\trs4\tA\tC\t.\tPASS\t.\tGT:PL\t0/1:.\t1/1:60,33,0
2\t70000\trs5\tT\tC\t.\tPASS\t.\tGT:PL\t./.:.\t0/1:20,0,20
2\t150000\trs6\tA\tG\t.\tPASS\t.\tGT:PL\t0/0:.\t./.:.
";

#[test]
fn a_vcf_file_is_recorded_on_a_registry_panel_once() {
    let d = typing_registry("vcf");
    refused(
        &d.import("vcf", "snps.vcf", SNP_VCF, &["--panel", "TEST"]),
        &["--panel TEST: the registry keeps no such SNP panel"],
    );
    let err = ok(&d.import("snp-panel", "panel.tsv", SNP_PANEL, &["--name", "TEST"]));
    assert!(err.contains("SNP panel 'TEST' kept: 6 SNPs on 2 chromosomes"), "{err}");
    ok(&d.import("snp-panel", "panel.tsv", SNP_PANEL, &["--name", "TEST"]));
    refused(
        &d.import("snp-panel", "other.tsv", &SNP_PANEL.replace("0.35", "0.36"), &["--name", "TEST"]),
        &["panel 'TEST' is kept already with other content"],
    );
    let err = ok(&d.import("vcf", "snps.vcf", SNP_VCF, &["--panel", "TEST"]));
    assert!(err.contains("2 SNP profiles recorded, 0 unchanged"), "{err}");
    let err = ok(&d.import("vcf", "snps.vcf", SNP_VCF, &["--panel", "TEST"]));
    assert!(err.contains("0 SNP profiles recorded, 2 unchanged"), "{err}");
    let infos = d.with_store(async |s| {
        let remains = s.list_sites().await.unwrap()[0].id;
        let remains = s.list_remains(remains).await.unwrap()[0].id;
        let sample = s.list_samples(remains).await.unwrap()[0].id;
        s.snp_profile_infos(&[registry::TypingTarget::Sample(sample)]).await.unwrap()
    });
    assert_eq!(infos.len(), 1);
    assert_eq!((infos[0].evidence.as_str(), infos[0].typed_snps), ("GT", 5));
    assert_eq!(infos[0].source_sha256, registry::sha256_hex(SNP_VCF), "the VCF file is named by its SHA-256");
}

#[test]
fn bad_vcf_files_exit_2_naming_the_line_and_field_and_write_nothing() {
    let d = typing_registry("vcf-bad");
    ok(&d.import("snp-panel", "panel.tsv", SNP_PANEL, &["--name", "TEST"]));
    let entries = d.audit_entries();
    let vcf = |name: &str, text: &str| d.import("vcf", name, text, &["--panel", "TEST"]);
    refused(
        &vcf("a.vcf", &SNP_VCF.replace("\trs3\t", "\trs99\t")),
        &["a.vcf: line 7, field 'ID': marker 'rs99' is not in the panel"],
    );
    refused(
        &vcf("b.vcf", &SNP_VCF.replace("2\t5000\trs4", "3\t5000\trs4")),
        &["b.vcf: line 8, field 'CHROM': 'rs4' is on chromosome 2 in the panel (line 5)"],
    );
    refused(&vcf("c.vcf", &SNP_VCF.replace("25,0,40", "25,x,40")), &["c.vcf: line 6", "R-002"]);
    refused(
        &vcf("d.vcf", &SNP_VCF.replace("\tV-001\t", "\tV-404\t")),
        &["d.vcf: line 4, field 'V-404': no sample or reference 'V-404' in the registry"],
    );
    refused(
        &vcf("e.vcf", &SNP_VCF.replace("\tG\tA\t.", "\tG\tT\t.")),
        &["e.vcf: line 7, field 'ALT'", "the panel (line 4) has ref G and alt A"],
    );
    assert_eq!(d.audit_entries(), entries, "nothing written");
}
