//! Families from family-tree files (members, their records and non-genetic relations) and
//! laboratory typings recorded on samples and references, the same on both backends (see
//! `registry::testing`): each one transaction, all of it or nothing.

use registry::testing::on_every_backend;

use registry::model::{Name, NameKind, NewSite, Sex, SiteStatus};
use registry::{
    Consent, ConsentScope, ImportFamily, ImportGenealogy, MemberRecord, NewFamily, NewMember, NewReference,
    NewRelation, NewRemains, NewSample, NewTyping, ProfileKind, RecordedEvent, RecordedName, RecordedVariant,
    ReferenceProfile, RelationKind, RelationStatus, SampleProfile, StoreError, StrProfile, TypingTarget,
};

fn member(name: &str, sex: Sex, father: Option<i64>, mother: Option<i64>) -> NewMember {
    NewMember {
        display_name: name.into(),
        sex,
        person_id: None,
        alive: false,
        father_member_id: father,
        mother_member_id: mother,
        is_missing: false,
    }
}

/// Father, mother, their son, and the son's adoptive father; a foster mother; a disproven birth link.
fn genealogy(external_id: &str) -> ImportGenealogy {
    let record = |xref: &str, text: &str| MemberRecord {
        source_id: Some(xref.into()),
        names: vec![RecordedName {
            text: text.into(),
            script: "Jpan".into(),
            variants: vec![RecordedVariant {
                text: "/Yamada/ Tarō".into(),
                kind: "translation".into(),
                script: "Latn".into(),
                lang: Some("ja-Latn".into()),
                method: None,
            }],
            ..RecordedName::default()
        }],
        death: Some(RecordedEvent {
            date: Some("ABT 1945".into()),
            place: Some("Iwo Jima".into()),
            latitude: Some(24.78),
            longitude: Some(141.32),
            ..RecordedEvent::default()
        }),
        ..MemberRecord::default()
    };
    ImportGenealogy {
        family: ImportFamily {
            family: NewFamily {
                external_id: external_id.into(),
                name: "Yamada".into(),
                liaison: None,
                contacts: Default::default(),
            },
            members: vec![
                member("山田 一郎", Sex::Male, None, None),
                member("山田 花子", Sex::Female, None, None),
                member("山田 太郎", Sex::Male, Some(0), Some(1)),
                member("佐藤 次郎", Sex::Male, None, None),
                member("佐藤 春子", Sex::Female, None, None),
            ],
        },
        records: ["I1", "I2", "I3", "I4", "I5"]
            .iter()
            .map(|x| record(x, &format!("/山田/ {x}")))
            .collect(),
        relations: vec![
            NewRelation {
                child: 2,
                parent: 3,
                kind: RelationKind::Adopted,
                status: Some(RelationStatus::Proven),
            },
            NewRelation {
                child: 2,
                parent: 4,
                kind: RelationKind::Foster,
                status: None,
            },
            NewRelation {
                child: 3,
                parent: 0,
                kind: RelationKind::Birth,
                status: Some(RelationStatus::Disproven),
            },
        ],
    }
}

#[test]
fn a_genealogy_keeps_non_genetic_relations_out_of_the_pedigree() {
    on_every_backend(|label, store| async move {
        let g = genealogy("G-1");
        let s = store.import_genealogy("importer", &g).await.unwrap();
        assert_eq!((s.members, s.relations), (5, 3), "{label}");
        let members = store.list_members(s.family_id).await.unwrap();
        let id = |name: &str| members.iter().find(|m| m.data.display_name == name).unwrap().id;
        let taro = members.iter().find(|m| m.data.display_name == "山田 太郎").unwrap();
        assert_eq!(
            (taro.data.father_member_id, taro.data.mother_member_id),
            (Some(id("山田 一郎")), Some(id("山田 花子"))),
            "{label}"
        );
        // The pedigree has the biological parents only.
        let pedigree = store.family_pedigree(s.family_id).await.unwrap();
        let jiro = id("佐藤 次郎").to_string();
        assert!(
            pedigree.iter().all(|(_, f, _, _)| f.as_deref() != Some(jiro.as_str())),
            "{label}"
        );
        let relations = store.member_relations(s.family_id).await.unwrap();
        let kinds: Vec<(i64, i64, RelationKind, Option<RelationStatus>)> = relations
            .iter()
            .map(|r| (r.child_member_id, r.parent_member_id, r.kind, r.status))
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    taro.id,
                    id("佐藤 次郎"),
                    RelationKind::Adopted,
                    Some(RelationStatus::Proven)
                ),
                (taro.id, id("佐藤 春子"), RelationKind::Foster, None),
                (
                    id("佐藤 次郎"),
                    id("山田 一郎"),
                    RelationKind::Birth,
                    Some(RelationStatus::Disproven)
                ),
            ],
            "{label}"
        );
        let record = store.member_record(taro.id).await.unwrap().unwrap();
        assert_eq!(record, g.records[2], "{label}");
        assert_eq!(store.member_record(i64::MAX).await.unwrap(), None, "{label}");
        let report = store.verify_audit().await.unwrap();
        assert_eq!(report.first_broken, None, "{label}");
        // 1 family + 5 members + 5 records + 3 relations.
        assert_eq!(report.entries, 14, "{label}");
    });
}

#[test]
fn a_refused_genealogy_writes_nothing() {
    on_every_backend(|label, store| async move {
        let mut g = genealogy("G-2");
        g.relations[2].status = Some(RelationStatus::Challenged);
        let e = store.import_genealogy("importer", &g).await.unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid(ref f) if f.field == "relations"),
            "{label}: {e}"
        );
        // A female father: refused by the family rules.
        let mut g = genealogy("G-2");
        g.family.members[2].father_member_id = Some(1);
        let e = store.import_genealogy("importer", &g).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{label}: {e}");
        store.import_genealogy("importer", &genealogy("G-3")).await.unwrap();
        let e = store.import_genealogy("importer", &genealogy("G-3")).await.unwrap_err();
        assert!(matches!(e, StoreError::Duplicate { .. }), "{label}: {e}");
        assert_eq!(store.list_families().await.unwrap().len(), 1, "{label}");
        assert_eq!(store.verify_audit().await.unwrap().entries, 14, "{label}");
    });
}

#[test]
fn typings_fill_missing_genotypes_once_and_never_overwrite() {
    on_every_backend(|label, store| async move {
        let site = store
            .create_site(
                "clerk",
                &NewSite {
                    external_id: "S-1".into(),
                    names: vec![Name::new("Komusan", "Latn", None, NameKind::Primary).unwrap()],
                    coordinates: None,
                    status: SiteStatus::Known,
                    estimated_count: None,
                    notes: None,
                },
            )
            .await
            .unwrap();
        let remains = store
            .create_remains(
                "field",
                &NewRemains {
                    external_id: "R-1".into(),
                    site_id: site.id,
                    mission_id: None,
                    recovery_date: None,
                    skeletal_element: "left femur".into(),
                },
            )
            .await
            .unwrap();
        let sample = store
            .create_sample(
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
        let f = store.import_genealogy("importer", &genealogy("G-1")).await.unwrap();
        let hanako = store.list_members(f.family_id).await.unwrap()[1].id;
        let reference = store
            .create_reference(
                "lab",
                &NewReference {
                    external_id: "R-002".into(),
                    donor_member_id: hanako,
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
        let targets = store.typing_targets(&["V-001", "R-002", "nobody"]).await.unwrap();
        let found: Vec<(&str, TypingTarget, Option<Sex>)> = targets
            .iter()
            .map(|t| (t.external_id.as_str(), t.target, t.recorded_sex))
            .collect();
        assert_eq!(
            found,
            [
                ("V-001", TypingTarget::Sample(sample.id), None),
                ("R-002", TypingTarget::Reference(reference.id), Some(Sex::Female))
            ],
            "{label}"
        );
        let g1 = StrProfile::new([("D3S1358", "15/16"), ("TH01", "9.3")]).unwrap();
        let g2 = StrProfile::new([("D3S1358", "14/17")]).unwrap();
        let typings = vec![
            NewTyping {
                target: TypingTarget::Sample(sample.id),
                genotypes: g1.clone(),
            },
            NewTyping {
                target: TypingTarget::Reference(reference.id),
                genotypes: g2.clone(),
            },
        ];
        let s = store.import_typings("lab", &typings).await.unwrap();
        assert_eq!((s.written, s.unchanged), (2, 0), "{label}");
        assert_eq!(
            store.get_sample_profile("lab", sample.id).await.unwrap(),
            Some(SampleProfile::Str(g1.clone())),
            "{label}"
        );
        let p = store.get_reference_profile("lab", reference.id).await.unwrap().unwrap();
        assert_eq!(
            (p.str_profile, p.mtdna.as_deref()),
            (g2.clone(), Some("16129A 16223T")),
            "{label}"
        );
        let s = store.import_typings("lab", &typings).await.unwrap();
        assert_eq!(
            (s.written, s.unchanged),
            (0, 2),
            "{label}: the same again changes nothing"
        );
        let entries = store.verify_audit().await.unwrap().entries;
        let changed = vec![
            typings[0].clone(),
            NewTyping {
                genotypes: g1.clone(),
                ..typings[1].clone()
            },
        ];
        let (i, e) = store.import_typings("lab", &changed).await.unwrap_err();
        assert_eq!(i, 1, "{label}");
        assert!(e.to_string().contains("typed already"), "{label}: {e}");
        assert_eq!(
            store.verify_audit().await.unwrap().entries,
            entries,
            "{label}: nothing written"
        );
    });
}
