//! The family, reference, remains, sample, custody and mission records, the same on both backends:
//! every test runs on a fresh SQLite file and, when `HOMEWARD_TEST_POSTGRES_URL` is set (`.ci/run`
//! starts a throwaway cluster), on a fresh PostgreSQL database. With `CI=true` a missing PostgreSQL
//! is a failure, not a skip.

use registry::testing::{execute_sql, is_conflict, on_every_backend};

use registry::model::{Name, NameKind, NewPerson, NewSite, PartialDate, Person, Sex, SiteStatus};
use registry::{
    Consent, ConsentScope, Contacts, CustodyEventKind, Family, IdentificationStatus, ImportFamily, MissionKind,
    NewCustodyEvent, NewFamily, NewMember, NewMission, NewReference, NewRemains, NewSample, Participant, ProfileKind,
    Reference, ReferenceProfile, SampleProfile, Store, StoreError, StrProfile,
};
use sha2::{Digest, Sha256};

fn person(external_id: &str) -> NewPerson {
    NewPerson {
        external_id: external_id.into(),
        names: vec![Name::new("山田太郎", "Jpan", Some("ja"), NameKind::Primary).unwrap()],
        sex: Sex::Male,
        birth: Some("1921".parse::<PartialDate>().unwrap()),
        death: None,
        death_place: None,
        sources: vec![],
    }
}

fn site(external_id: &str) -> NewSite {
    NewSite {
        external_id: external_id.into(),
        names: vec![Name::new("Komusan", "Latn", None, NameKind::Primary).unwrap()],
        coordinates: None,
        status: SiteStatus::Known,
        estimated_count: None,
        notes: None,
    }
}

fn family(external_id: &str) -> NewFamily {
    NewFamily {
        external_id: external_id.into(),
        name: "Yamada".into(),
        liaison: Some("Aiko Sato, Sendai office".into()),
        contacts: Contacts {
            postal_address: Some("1-2-3 Aoba, Sendai".into()),
            phone: Some("+81 22 123 4567".into()),
            email: Some("hanako.yamada@example.jp".into()),
        },
    }
}

fn member(name: &str, sex: Sex, father: Option<i64>, mother: Option<i64>) -> NewMember {
    NewMember {
        display_name: name.into(),
        sex,
        person_id: None,
        alive: true,
        father_member_id: father,
        mother_member_id: mother,
        is_missing: false,
    }
}

fn invalid_field(e: &StoreError) -> Option<&str> {
    match e {
        StoreError::Invalid(f) => Some(f.field.as_str()),
        _ => None,
    }
}

async fn all_audit_text(store: &Store) -> String {
    store
        .audit_entries(0, 100_000)
        .await
        .unwrap()
        .iter()
        .map(|e| format!("{:?} {:?}", e.before, e.after))
        .collect()
}

#[test]
fn families_describe_their_pedigree_and_refuse_impossible_parents() {
    on_every_backend(|label, store| async move {
        let missing = store.create_person("clerk", &person("JP-100")).await.unwrap();
        let f = store.create_family("liaison", &family("F-1")).await.unwrap();
        let add = |m: NewMember| {
            let store = store.clone();
            async move { store.add_member("liaison", f.id, &m).await }
        };
        let grandfather = add(member("Ichiro", Sex::Male, None, None)).await.unwrap();
        let grandmother = add(member("Fumiko", Sex::Female, None, None)).await.unwrap();
        let father = add(member("Jiro", Sex::Male, Some(grandfather.id), Some(grandmother.id)))
            .await
            .unwrap();
        let mother = add(member("Hanako", Sex::Female, None, None)).await.unwrap();
        let son = add(NewMember {
            person_id: Some(missing.id),
            is_missing: true,
            alive: false,
            ..member("Taro", Sex::Male, Some(father.id), Some(mother.id))
        })
        .await
        .unwrap();
        let half_sister = add(member("Yoko", Sex::Female, None, Some(mother.id))).await.unwrap();
        assert_eq!(store.get_member(son.id).await.unwrap().unwrap(), son, "{label}");
        assert_eq!(store.list_members(f.id).await.unwrap().len(), 6);

        let s = |id: i64| id.to_string();
        let pedigree = store.family_pedigree(f.id).await.unwrap();
        let expected = vec![
            (s(grandfather.id), None, None, Sex::Male),
            (s(grandmother.id), None, None, Sex::Female),
            (
                s(father.id),
                Some(s(grandfather.id)),
                Some(s(grandmother.id)),
                Sex::Male,
            ),
            (s(mother.id), None, None, Sex::Female),
            (s(son.id), Some(s(father.id)), Some(s(mother.id)), Sex::Male),
            // One parent recorded: an unknown founder stands in for the other.
            (format!("{}-father", half_sister.id), None, None, Sex::Male),
            (
                s(half_sister.id),
                Some(format!("{}-father", half_sister.id)),
                Some(s(mother.id)),
                Sex::Female,
            ),
        ];
        assert_eq!(pedigree, expected, "{label}");

        // A mother as father, an unknown-sex member as mother, a parent from another family.
        let e = add(member("X", Sex::Male, Some(grandmother.id), None))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("father_member_id"), "{label}: {e}");
        let unknown = add(member("Child of unknown sex", Sex::Unknown, None, None))
            .await
            .unwrap();
        let e = add(member("X", Sex::Male, None, Some(unknown.id))).await.unwrap_err();
        assert_eq!(invalid_field(&e), Some("mother_member_id"), "{label}: {e}");
        let other = store.create_family("liaison", &family("F-2")).await.unwrap();
        let stranger = store
            .add_member("liaison", other.id, &member("Stranger", Sex::Male, None, None))
            .await
            .unwrap();
        let e = add(member("X", Sex::Male, Some(stranger.id), None)).await.unwrap_err();
        assert_eq!(invalid_field(&e), Some("father_member_id"), "{label}: {e}");

        // The grandfather made the son's son: a cycle.
        let mut cyclic = grandfather.data.clone();
        cyclic.father_member_id = Some(son.id);
        let e = store
            .update_member("liaison", grandfather.id, grandfather.version, &cyclic)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("father_member_id"), "{label}: {e}");
        // A father cannot become female while he is someone's father.
        let mut female = father.data.clone();
        female.sex = Sex::Female;
        let e = store
            .update_member("liaison", father.id, father.version, &female)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("sex"), "{label}: {e}");
        // A real update, then a stale one.
        let mut renamed = mother.data.clone();
        renamed.display_name = "Hanako Yamada".into();
        let v2 = store.update_member("liaison", mother.id, 1, &renamed).await.unwrap();
        assert_eq!(v2.version, 2);
        let e = store
            .update_member("other", mother.id, 1, &mother.data)
            .await
            .unwrap_err();
        assert!(is_conflict(&e, 1, 2), "{label}: {e}");
        assert_eq!(store.get_member(mother.id).await.unwrap().unwrap(), v2);
        // The missing person is in the family once.
        let e = add(NewMember {
            person_id: Some(missing.id),
            ..member("Taro again", Sex::Male, None, None)
        })
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Duplicate { .. }), "{label}: {e}");
        assert_eq!(
            store.list_members(f.id).await.unwrap().len(),
            7,
            "{label}: nothing refused was kept"
        );
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn family_contacts_are_read_through_the_audit_and_never_written_to_it() {
    on_every_backend(|label, store| async move {
        let f = store.create_family("liaison", &family("F-3")).await.unwrap();
        assert_eq!(store.get_family(f.id).await.unwrap().unwrap(), f, "{label}");
        assert_eq!(store.get_family_by_external_id("F-3").await.unwrap().unwrap(), f);
        let contacts = store.get_family_contacts("aiko", f.id).await.unwrap();
        assert_eq!(contacts, family("F-3").contacts, "{label}");
        let last = store.audit_entries(0, 1000).await.unwrap().pop().unwrap();
        assert_eq!(
            (
                last.actor.as_str(),
                last.action.as_str(),
                last.entity.as_str(),
                last.entity_id
            ),
            ("aiko", "read", "family-contacts", f.id.to_string()),
            "{label}"
        );
        assert!(
            !all_audit_text(&store).await.contains("example.jp"),
            "{label}: contacts in the audit log"
        );

        let mut moved = family("F-3");
        moved.contacts.postal_address = Some("4-5-6 Chuo, Sendai".into());
        let v2 = store.update_family("liaison", f.id, 1, &moved).await.unwrap();
        assert_eq!(v2.version, 2);
        let e = store.update_family("other", f.id, 1, &family("F-3")).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{label}: {e}");
        assert_eq!(store.get_family_contacts("aiko", f.id).await.unwrap(), moved.contacts);

        let mut bad = family("F-4");
        bad.contacts.email = Some("not an address".into());
        let e = store.create_family("liaison", &bad).await.unwrap_err();
        assert_eq!(invalid_field(&e), Some("email"), "{label}: {e}");
        let e = store.create_family("liaison", &family("F-3")).await.unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Duplicate {
                    field: "external_id",
                    ..
                }
            ),
            "{label}: {e}"
        );
        assert_eq!(store.list_families().await.unwrap().len(), 1);
        assert!(matches!(
            store.get_family_contacts("aiko", 9999).await.unwrap_err(),
            StoreError::NotFound { .. }
        ));
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

fn profile() -> ReferenceProfile {
    ReferenceProfile {
        str_profile: StrProfile::new([("D3S1358", "14/15"), ("vWA", "16/19"), ("TH01", "9.3")]).unwrap(),
        y_haplotype: None,
        mtdna: Some("16129A 16223T 263G".into()),
    }
}

fn reference(external_id: &str, donor: i64) -> NewReference {
    NewReference {
        external_id: external_id.into(),
        donor_member_id: donor,
        kit: "GlobalFiler".into(),
        profile: profile(),
        consent: Consent {
            scope: ConsentScope::IdentificationOnly,
            date: "2025-11-03".parse().unwrap(),
        },
    }
}

#[test]
fn withdrawing_consent_erases_the_genotypes_keeps_a_tombstone_and_flags_identifications() {
    on_every_backend(|label, store| async move {
        let missing = store.create_person("clerk", &person("JP-200")).await.unwrap();
        let f = store.create_family("liaison", &family("F-10")).await.unwrap();
        let mother = store
            .add_member("liaison", f.id, &member("Hanako", Sex::Female, None, None))
            .await
            .unwrap();
        let brother = store
            .add_member("liaison", f.id, &member("Saburo", Sex::Male, None, Some(mother.id)))
            .await
            .unwrap();
        let r1 = store
            .create_reference("lab", &reference("REF-1", mother.id))
            .await
            .unwrap();
        let mut second = reference("REF-2", brother.id);
        second.profile.y_haplotype = Some("DYS19=14;DYS390=24".into());
        let r2 = store.create_reference("lab", &second).await.unwrap();
        assert_eq!(r1.family_id, f.id, "{label}");
        assert_eq!(store.get_reference(r1.id).await.unwrap().unwrap(), r1);
        let e = store
            .create_reference("lab", &reference("REF-1", mother.id))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Duplicate { .. }), "{label}: {e}");

        // Reading a profile is audited.
        let read = store.get_reference_profile("analyst", r1.id).await.unwrap().unwrap();
        assert_eq!(read, profile(), "{label}");
        let last = store.audit_entries(0, 1000).await.unwrap().pop().unwrap();
        assert_eq!(
            (
                last.actor.as_str(),
                last.action.as_str(),
                last.entity.as_str(),
                last.entity_id
            ),
            ("analyst", "read", "reference-profile", r1.id.to_string()),
            "{label}"
        );

        let both = store
            .propose_identification("reviewer", missing.id, &[r2.id, r1.id])
            .await
            .unwrap();
        assert_eq!(both.reference_ids, vec![r1.id, r2.id]);
        let only_r2 = store
            .propose_identification("reviewer", missing.id, &[r2.id])
            .await
            .unwrap();

        let e = store.withdraw_consent("liaison", r1.id, 1, "  ").await.unwrap_err();
        assert_eq!(invalid_field(&e), Some("reason"), "{label}: {e}");
        let e = store
            .withdraw_consent("liaison", r1.id, 7, "family request")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{label}: {e}");

        let (withdrawn, flagged) = store
            .withdraw_consent("liaison", r1.id, r1.version, "family request by letter of 2026-01-10")
            .await
            .unwrap();
        assert_eq!(flagged, vec![both.id], "{label}");
        let tombstone = withdrawn.withdrawal.clone().unwrap();
        let expected_hash = hex::encode(Sha256::digest(serde_json::to_string(&read).unwrap().as_bytes()));
        assert_eq!(tombstone.profile_sha256, expected_hash, "{label}");
        assert_eq!(tombstone.reason, "family request by letter of 2026-01-10");
        assert_eq!(withdrawn.version, 2);
        assert_eq!(store.get_reference(r1.id).await.unwrap().unwrap(), withdrawn);

        // The genotypes are gone from the table, not just hidden.
        let erased = execute_sql(
            &store,
            &format!(
                "UPDATE reference_samples SET kit = kit WHERE id = {} \
                 AND str_profile IS NULL AND y_haplotype IS NULL AND mtdna IS NULL",
                r1.id
            ),
        )
        .await
        .unwrap();
        assert_eq!(erased, 1, "{label}: profile columns not NULL");
        assert_eq!(store.get_reference_profile("analyst", r1.id).await.unwrap(), None);
        assert!(store.get_reference_profile("analyst", r2.id).await.unwrap().is_some());

        let flagged = store.get_identification(both.id).await.unwrap().unwrap();
        assert_eq!(flagged.status, IdentificationStatus::Flagged, "{label}");
        assert!(flagged.flag_reason.unwrap().contains("REF-1"));
        assert_eq!(
            store.get_identification(only_r2.id).await.unwrap().unwrap().status,
            IdentificationStatus::Proposed
        );
        assert_eq!(
            store.identifications_resting_on(r2.id).await.unwrap().len(),
            2,
            "{label}: {r2:?}"
        );

        let active: Vec<i64> = store
            .list_active_references()
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(active, vec![r2.id], "{label}");
        assert_eq!(store.list_references(f.id).await.unwrap().len(), 2);
        let e = store
            .propose_identification("reviewer", missing.id, &[r1.id])
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("reference_ids"), "{label}: {e}");
        let e = store.withdraw_consent("liaison", r1.id, 2, "again").await.unwrap_err();
        assert_eq!(invalid_field(&e), Some("consent"), "{label}: {e}");

        // The audit chain holds the hash, never the genotypes, and still verifies.
        let audit = all_audit_text(&store).await;
        assert!(audit.contains(&expected_hash), "{label}");
        for genotype in ["14/15", "16/19", "16129A"] {
            assert!(!audit.contains(genotype), "{label}: {genotype} in the audit log");
        }
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none(), "{label}: {report:?}");
    });
}

#[test]
fn remains_samples_and_their_custody_chain() {
    on_every_backend(|label, store| async move {
        let s = store.create_site("planner", &site("S-10")).await.unwrap();
        let mission = |kind| NewMission {
            kind,
            name: "Komusan 2026".into(),
            start: "2026-05".parse().unwrap(),
            end: Some("2026-06-15".parse().unwrap()),
            site_ids: vec![s.id],
            participants: vec![],
            permits: None,
        };
        let recovery = store
            .create_mission("planner", &mission(MissionKind::Recovery))
            .await
            .unwrap();
        let visit = store
            .create_mission("planner", &mission(MissionKind::GraveVisit))
            .await
            .unwrap();
        let remains = |id: &str, mission_id| NewRemains {
            external_id: id.into(),
            site_id: s.id,
            mission_id,
            recovery_date: Some("2026-05-20".parse().unwrap()),
            skeletal_element: "left femur".into(),
        };
        let r = store
            .create_remains("field", &remains("R-1", Some(recovery.id)))
            .await
            .unwrap();
        assert_eq!(store.get_remains(r.id).await.unwrap().unwrap(), r, "{label}");
        let e = store
            .create_remains("field", &remains("R-2", Some(visit.id)))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("mission_id"), "{label}: {e}");
        let e = store.create_remains("field", &remains("R-1", None)).await.unwrap_err();
        assert!(matches!(e, StoreError::Duplicate { .. }), "{label}: {e}");
        assert_eq!(store.list_remains(s.id).await.unwrap(), vec![r.clone()]);

        let genotypes = StrProfile::new([("D3S1358", "15/17"), ("TH01", "6/9.3")]).unwrap();
        let typed = store
            .create_sample(
                "lab",
                &NewSample {
                    external_id: "SMP-1".into(),
                    remains_id: r.id,
                    lab: "Tohoku forensic lab".into(),
                    profile_kind: ProfileKind::Str,
                    profile: Some(SampleProfile::Str(genotypes.clone())),
                },
            )
            .await
            .unwrap();
        assert!(typed.typed, "{label}");
        assert_eq!(store.get_sample(typed.id).await.unwrap().unwrap(), typed);
        assert_eq!(
            store.get_sample_profile("analyst", typed.id).await.unwrap(),
            Some(SampleProfile::Str(genotypes))
        );
        let y_sample = NewSample {
            external_id: "SMP-2".into(),
            remains_id: r.id,
            lab: "Tohoku forensic lab".into(),
            profile_kind: ProfileKind::Y,
            profile: None,
        };
        let e = store
            .create_sample(
                "lab",
                &NewSample {
                    profile: Some(SampleProfile::Mtdna("16129A".into())),
                    ..y_sample.clone()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("profile"), "{label}: {e}");
        let y = store.create_sample("lab", &y_sample).await.unwrap();
        assert!(!y.typed);
        let hap = SampleProfile::Y("DYS19=14;DYS390=24".into());
        let y2 = store.set_sample_profile("lab", y.id, 1, &hap).await.unwrap();
        assert!(y2.typed && y2.version == 2, "{label}");
        let e = store.set_sample_profile("lab", y.id, 1, &hap).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{label}: {e}");
        assert_eq!(store.list_samples(r.id).await.unwrap(), vec![typed.clone(), y2]);

        // The transfer is written down after the receipt, but the chain is in the order things happened.
        let event = |kind, at: Option<&str>| NewCustodyEvent {
            event: kind,
            who: "K. Tanaka".into(),
            location: "Komusan field camp".into(),
            at: at.map(str::to_owned),
            note: None,
        };
        for (kind, at) in [
            (CustodyEventKind::Collected, "2026-05-20T08:00:00Z"),
            (CustodyEventKind::Received, "2026-05-22T10:15:00.250Z"),
            (CustodyEventKind::Transferred, "2026-05-21T16:00:00Z"),
        ] {
            store
                .append_custody_event("field", typed.id, &event(kind, Some(at)))
                .await
                .unwrap();
        }
        let analysed = store
            .append_custody_event("lab", typed.id, &event(CustodyEventKind::Analysed, None))
            .await
            .unwrap();
        let chain = store.custody_chain(typed.id).await.unwrap();
        let kinds: Vec<_> = chain.iter().map(|c| c.event).collect();
        assert_eq!(
            kinds,
            vec![
                CustodyEventKind::Collected,
                CustodyEventKind::Transferred,
                CustodyEventKind::Received,
                CustodyEventKind::Analysed
            ],
            "{label}"
        );
        assert_eq!(chain[0].at, "2026-05-20T08:00:00.000Z");
        assert_eq!(chain[3], analysed);
        let e = store
            .append_custody_event(
                "lab",
                typed.id,
                &event(CustodyEventKind::Returned, Some("2026-05-22 10:00")),
            )
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("at"), "{label}: {e}");
        store
            .append_custody_event("lab", typed.id, &event(CustodyEventKind::Destroyed, None))
            .await
            .unwrap();
        let e = store
            .append_custody_event("lab", typed.id, &event(CustodyEventKind::Returned, None))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), Some("event"), "{label}: {e}");
        // Append-only in the database too.
        assert!(
            execute_sql(&store, "UPDATE custody_events SET who = 'someone else'")
                .await
                .is_err(),
            "{label}"
        );
        assert!(
            execute_sql(&store, "DELETE FROM custody_events").await.is_err(),
            "{label}"
        );
        assert_eq!(store.custody_chain(typed.id).await.unwrap().len(), 5);
        assert!(store.custody_chain(y.id).await.unwrap().is_empty());
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn missions_refuse_an_end_before_the_start_and_record_outcomes_by_version() {
    on_every_backend(|label, store| async move {
        let a = store.create_site("planner", &site("S-20")).await.unwrap();
        let b = store.create_site("planner", &site("S-21")).await.unwrap();
        let m = NewMission {
            kind: MissionKind::GraveVisit,
            name: "Families' visit to Ryongsan".into(),
            start: "2026-08-10".parse().unwrap(),
            end: Some("2026-08-09".parse().unwrap()),
            site_ids: vec![a.id, b.id],
            participants: vec![
                Participant {
                    name: "Aiko Sato".into(),
                    role: Some("liaison".into()),
                },
                Participant {
                    name: "Hanako Yamada".into(),
                    role: None,
                },
            ],
            permits: Some("Visa group 2026-14".into()),
        };
        let e = store.create_mission("planner", &m).await.unwrap_err();
        assert_eq!(invalid_field(&e), Some("end"), "{label}: {e}");
        let m = NewMission {
            end: Some("2026-08".parse().unwrap()),
            ..m
        };
        let created = store.create_mission("planner", &m).await.unwrap();
        assert_eq!(
            store.get_mission(created.id).await.unwrap().unwrap(),
            created,
            "{label}"
        );
        let e = store
            .create_mission(
                "planner",
                &NewMission {
                    site_ids: vec![a.id, 9999],
                    ..m.clone()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound { entity: "site", .. }), "{label}: {e}");

        let done = store
            .set_mission_outcome("planner", created.id, 1, Some("visited both sites; flowers laid"))
            .await
            .unwrap();
        assert_eq!(done.outcome.as_deref(), Some("visited both sites; flowers laid"));
        assert_eq!(done.version, 2);
        let e = store
            .set_mission_outcome("other", created.id, 1, None)
            .await
            .unwrap_err();
        assert!(is_conflict(&e, 1, 2), "{label}: {e}");
        assert_eq!(store.list_missions().await.unwrap(), vec![done], "{label}");
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

/// A missing person `JP-{person}`, and family `F-{family}` whose mother gave reference `REF-{family}`:
/// what an identification rests on.
async fn missing_with_a_reference(store: &Store, person: &str, family: &str) -> (Person, Family, Reference) {
    let missing = store
        .create_person("clerk", &self::person(&format!("JP-{person}")))
        .await
        .unwrap();
    let f = store
        .create_family("liaison", &self::family(&format!("F-{family}")))
        .await
        .unwrap();
    let mother = store
        .add_member("liaison", f.id, &member("Hanako", Sex::Female, None, None))
        .await
        .unwrap();
    let r = store
        .create_reference("lab", &reference(&format!("REF-{family}"), mother.id))
        .await
        .unwrap();
    // The missing person is the family's missing son: only this family is told of him.
    let son = NewMember {
        person_id: Some(missing.id),
        is_missing: true,
        ..member("Taro", Sex::Male, None, Some(mother.id))
    };
    store.add_member("liaison", f.id, &son).await.unwrap();
    (missing, f, r)
}

#[test]
fn an_identification_needs_two_different_reviewers_and_cited_evidence() {
    use registry::{Decision, IdentificationEvidence, Role};
    on_every_backend(|label, store| async move {
        let (missing, _, r) = missing_with_a_reference(&store, "300", "30").await;
        let pw = "a long enough password";
        let rev1 = store.add_user("admin", "rev.one", Role::Reviewer, pw).await.unwrap();
        let rev2 = store.add_user("admin", "rev.two", Role::Reviewer, pw).await.unwrap();
        let analyst = store
            .add_user("admin", "lab.analyst", Role::LabAnalyst, pw)
            .await
            .unwrap();
        let admin = store.add_user("admin", "the.admin", Role::Admin, pw).await.unwrap();

        // Without cited evidence nothing can be decided.
        let bare = store.propose_identification("lab", missing.id, &[r.id]).await.unwrap();
        let e = store
            .review_identification(&rev1, bare.id, Decision::Confirm, "fits")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: {e}");

        let evidence = IdentificationEvidence {
            job_id: Some(7),
            sample_id: None,
            lr: 3.2e9,
            posterior: 0.99995,
            ..Default::default()
        };
        let id = store
            .propose_cited_identification("lab", missing.id, &[r.id], &evidence)
            .await
            .unwrap();
        assert_eq!(store.identification_evidence(id.id).await.unwrap(), Some(evidence));
        for (who, what) in [(&analyst, "a lab analyst"), (&admin, "an admin")] {
            let e = store
                .review_identification(who, id.id, Decision::Confirm, "looks right")
                .await
                .unwrap_err();
            assert!(
                matches!(e, StoreError::NotAllowed(_)),
                "{label}: {what} may not review: {e}"
            );
        }
        let first = store
            .review_identification(&rev1, id.id, Decision::Confirm, "LR well above threshold")
            .await
            .unwrap();
        assert_eq!(
            first.status,
            IdentificationStatus::Proposed,
            "{label}: one confirmation is not enough"
        );
        let e = store
            .review_identification(&rev1, id.id, Decision::Confirm, "again")
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::NotAllowed(_)),
            "{label}: the same reviewer twice: {e}"
        );
        let second = store
            .review_identification(&rev2, id.id, Decision::Confirm, "agree")
            .await
            .unwrap();
        assert_eq!(second.status, IdentificationStatus::Confirmed, "{label}");
        let p = store.get_person(missing.id).await.unwrap().unwrap();
        assert_eq!(p.status, registry::model::PersonStatus::Identified, "{label}");
        let history = store.status_history(missing.id).await.unwrap();
        assert!(
            history.last().unwrap().2.contains("rev.one and rev.two"),
            "{label}: {history:?}"
        );
        assert_eq!(store.identification_reviews(id.id).await.unwrap().len(), 2);
        // Decided: no more reviews.
        let rev3 = store.add_user("admin", "rev.three", Role::Reviewer, pw).await.unwrap();
        let e = store
            .review_identification(&rev3, id.id, Decision::Reject, "late")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: {e}");
        // Withdrawing the reference's consent flags the confirmed identification.
        let (_, flagged) = store
            .withdraw_consent("liaison", r.id, r.version, "family request")
            .await
            .unwrap();
        assert!(flagged.contains(&id.id), "{label}");
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

/// A family for the bulk import: grandparents, a father, a mother and the missing son, parents by
/// position in the list.
fn import_family(external_id: &str, missing_person: Option<i64>) -> ImportFamily {
    ImportFamily {
        family: family(external_id),
        members: vec![
            member("Ichiro", Sex::Male, None, None),
            member("Fumiko", Sex::Female, None, None),
            member("Jiro", Sex::Male, Some(0), Some(1)),
            member("Hanako", Sex::Female, None, None),
            NewMember {
                person_id: missing_person,
                is_missing: true,
                alive: false,
                ..member("Taro", Sex::Male, Some(2), Some(3))
            },
        ],
    }
}

#[test]
fn families_and_references_import_in_one_transaction_or_not_at_all() {
    on_every_backend(|label, store| async move {
        let missing = store.create_person("clerk", &person("JP-200")).await.unwrap();
        let entries = store.verify_audit().await.unwrap().entries;
        let batch: Vec<ImportFamily> = (0..30)
            .map(|i| import_family(&format!("F-{i}"), (i == 7).then_some(missing.id)))
            .collect();
        let summary = store.import_families("liaison", &batch).await.unwrap();
        assert_eq!((summary.families, summary.members), (30, 150), "{label}");
        let f7 = store.get_family_by_external_id("F-7").await.unwrap().unwrap();
        assert_eq!(f7.name, "Yamada", "{label}");
        let members = store.list_members(f7.id).await.unwrap();
        let by_name = |n: &str| members.iter().find(|m| m.data.display_name == n).unwrap();
        let (jiro, taro) = (by_name("Jiro"), by_name("Taro"));
        assert_eq!(jiro.data.father_member_id, Some(by_name("Ichiro").id), "{label}");
        assert_eq!(jiro.data.mother_member_id, Some(by_name("Fumiko").id), "{label}");
        assert_eq!(
            (taro.data.father_member_id, taro.data.mother_member_id),
            (Some(jiro.id), Some(by_name("Hanako").id)),
            "{label}"
        );
        assert_eq!(taro.data.person_id, Some(missing.id), "{label}");
        assert!(taro.data.is_missing && !taro.data.alive, "{label}");
        assert_eq!(store.family_pedigree(f7.id).await.unwrap().len(), 5, "{label}");
        assert_eq!(
            store.get_family_contacts("liaison", f7.id).await.unwrap(),
            family("x").contacts,
            "{label}"
        );
        // One audit entry per family and member (the contacts read adds one), as the per-record
        // calls write them: contacts only as a hash.
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none(), "{label}: {report:?}");
        assert_eq!(report.entries, entries + 30 + 150 + 1, "{label}");
        let text = all_audit_text(&store).await;
        assert!(
            !text.contains("hanako.yamada@example.jp") && !text.contains("Aoba"),
            "{label}"
        );
        assert!(text.contains("contacts_sha256"), "{label}");

        // A bad family in the middle: nothing is written, and its index is reported.
        let entries = store.verify_audit().await.unwrap().entries;
        let families = store.list_families().await.unwrap().len();
        let mut bad: Vec<ImportFamily> = (0..5).map(|i| import_family(&format!("G-{i}"), None)).collect();
        bad[3].members[4].mother_member_id = Some(0); // Ichiro is male
        let (i, e) = store.import_families("liaison", &bad).await.unwrap_err();
        assert_eq!((i, invalid_field(&e)), (3, Some("mother_member_id")), "{label}: {e}");
        let mut bad: Vec<ImportFamily> = (0..5).map(|i| import_family(&format!("G-{i}"), None)).collect();
        bad[2].members[0].father_member_id = Some(2); // a later member: parents come first
        let (i, e) = store.import_families("liaison", &bad).await.unwrap_err();
        assert_eq!((i, invalid_field(&e)), (2, Some("father_member_id")), "{label}: {e}");
        let mut bad: Vec<ImportFamily> = (0..5).map(|i| import_family(&format!("G-{i}"), None)).collect();
        bad[2].members[1].sex = Sex::Unknown; // an unknown-sex mother
        let (i, _) = store.import_families("liaison", &bad).await.unwrap_err();
        assert_eq!(i, 2, "{label}");
        let mut bad: Vec<ImportFamily> = (0..5).map(|i| import_family(&format!("G-{i}"), None)).collect();
        bad[4].members[4].person_id = Some(missing.id + 1000);
        let (i, e) = store.import_families("liaison", &bad).await.unwrap_err();
        assert!(
            matches!(e, StoreError::NotFound { entity: "person", .. }),
            "{label}: {e}"
        );
        assert_eq!(i, 4, "{label}");
        let mut bad: Vec<ImportFamily> = (0..5).map(|i| import_family(&format!("G-{i}"), None)).collect();
        bad[1].family.external_id = "F-3".into(); // in the registry already
        let (i, e) = store.import_families("liaison", &bad).await.unwrap_err();
        assert!(
            matches!(e, StoreError::Duplicate { entity: "family", .. }),
            "{label}: {e}"
        );
        assert_eq!(i, 1, "{label}");
        assert_eq!(store.list_families().await.unwrap().len(), families, "{label}");
        assert_eq!(store.verify_audit().await.unwrap().entries, entries, "{label}");

        // References: one per donor, all or nothing.
        let donors: Vec<i64> = {
            let mut ids = Vec::new();
            for f in store.list_families().await.unwrap() {
                ids.extend(store.list_members(f.id).await.unwrap().iter().map(|m| m.id));
            }
            ids
        };
        let refs: Vec<NewReference> = donors
            .iter()
            .enumerate()
            .map(|(i, &d)| reference(&format!("R-{i}"), d))
            .collect();
        let mut bad = refs.clone();
        bad[77].donor_member_id = -5;
        let (i, e) = store.import_references("lab", &bad).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }), "{label}: {e}");
        assert_eq!(i, 77, "{label}");
        let mut bad = refs.clone();
        bad[90].profile = ReferenceProfile::default();
        let (i, e) = store.import_references("lab", &bad).await.unwrap_err();
        assert_eq!((i, invalid_field(&e)), (90, Some("profile")), "{label}: {e}");
        assert!(store.list_active_references().await.unwrap().is_empty(), "{label}");
        assert_eq!(store.verify_audit().await.unwrap().entries, entries, "{label}");

        assert_eq!(store.import_references("lab", &refs).await.unwrap(), 150, "{label}");
        let stored = store.list_active_references().await.unwrap();
        assert_eq!(stored.len(), 150, "{label}");
        let r = stored.iter().find(|r| r.external_id == "R-42").unwrap();
        assert_eq!(r.donor_member_id, donors[42], "{label}");
        assert_eq!(
            r.family_id,
            store.get_member(donors[42]).await.unwrap().unwrap().family_id,
            "{label}"
        );
        assert_eq!(r.consent.scope, ConsentScope::IdentificationOnly, "{label}");
        assert_eq!(
            store.get_reference_profile("lab", r.id).await.unwrap(),
            Some(profile()),
            "{label}"
        );
        let found = store.references_by_external_id(&["R-1", "R-2", "nope"]).await.unwrap();
        assert_eq!(found.len(), 2, "{label}");
        // Again: every one is a duplicate now, and the first is reported.
        let (i, e) = store.import_references("lab", &refs).await.unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Duplicate {
                    entity: "reference",
                    ..
                }
            ),
            "{label}: {e}"
        );
        assert_eq!(i, 0, "{label}");
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none(), "{label}: {report:?}");
        assert_eq!(report.entries, entries + 150 + 1, "{label}");
        let text = all_audit_text(&store).await;
        assert!(
            !text.contains("14/15") && !text.contains("16129A"),
            "{label}: genotypes in the audit"
        );
        assert!(text.contains(&profile().sha256_hex()), "{label}");
        // The bulk look-ups the CLI uses.
        let fams = store.families_by_external_id(&["F-1", "F-2", "nope"]).await.unwrap();
        assert_eq!(fams.len(), 2, "{label}");
        let ids: Vec<i64> = fams.iter().map(|f| f.id).collect();
        assert_eq!(store.members_of_families(&ids).await.unwrap().len(), 10, "{label}");
        let persons = store.person_ids_by_external_id(&["JP-200", "nope"]).await.unwrap();
        assert_eq!(persons.get("JP-200"), Some(&missing.id), "{label}");
    });
}

#[test]
fn a_confirmed_identification_is_told_to_the_family_and_handed_over() {
    use registry::{Channel, Decision, IdentificationEvidence, NewNotification, NewRepatriation, Role};
    on_every_backend(|label, store| async move {
        let (missing, f, r) = missing_with_a_reference(&store, "400", "40").await;
        let evidence = IdentificationEvidence {
            job_id: None,
            sample_id: None,
            lr: 1e10,
            posterior: 0.99999,
            ..Default::default()
        };
        let id = store
            .propose_cited_identification("lab", missing.id, &[r.id], &evidence)
            .await
            .unwrap();
        let notice = NewNotification {
            family_id: f.id,
            identification_id: id.id,
            channel: Channel::Visit,
            note: None,
        };
        let e = store.record_notification("liaison", &notice).await.unwrap_err();
        assert!(
            matches!(e, StoreError::NotAllowed(_)),
            "{label}: not before confirmation: {e}"
        );
        for name in ["rev.a", "rev.b"] {
            let u = store
                .add_user("admin", name, Role::Reviewer, "a long enough password")
                .await
                .unwrap();
            store
                .review_identification(&u, id.id, Decision::Confirm, "agreed")
                .await
                .unwrap();
        }
        let n = store.record_notification("liaison", &notice).await.unwrap();
        assert_eq!(store.list_notifications(f.id).await.unwrap(), vec![n], "{label}");
        let handover = NewRepatriation {
            identification_id: id.id,
            handed_to: "the Yamada family".into(),
            place: "Maizuru".into(),
            handed_on: "2027-04-05".parse().unwrap(),
            note: None,
        };
        let rep = store.record_repatriation("liaison", &handover).await.unwrap();
        assert_eq!(store.get_repatriation(rep.id).await.unwrap(), Some(rep), "{label}");
        let p = store.get_person(missing.id).await.unwrap().unwrap();
        assert_eq!(p.status, registry::model::PersonStatus::Returned, "{label}");
        let e = store.record_repatriation("liaison", &handover).await.unwrap_err();
        assert!(
            matches!(e, StoreError::Duplicate { .. }),
            "{label}: one hand-over per identification: {e}"
        );
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn visit_requests_and_itineraries_are_kept_and_replanned_by_version() {
    use registry::{Mobility, NewVisitRequest};
    on_every_backend(|label, store| async move {
        let s = store.create_site("planner", &site("S-30")).await.unwrap();
        let f = store.create_family("liaison", &family("F-30")).await.unwrap();
        let request = |visitors| NewVisitRequest {
            family_id: f.id,
            site_id: s.id,
            visitors,
            mobility: Mobility::Limited,
            notes: Some("  two in their eighties  ".into()),
        };
        let e = store.create_visit_request("liaison", &request(0)).await.unwrap_err();
        assert_eq!(invalid_field(&e), Some("visitors"), "{label}");
        let unknown_site = NewVisitRequest {
            site_id: 9_999,
            ..request(2)
        };
        let e = store.create_visit_request("liaison", &unknown_site).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound { entity: "site", .. }), "{label}: {e}");
        let r = store.create_visit_request("liaison", &request(2)).await.unwrap();
        assert_eq!(r.data.notes.as_deref(), Some("two in their eighties"));
        // The same family asking again for the same site is refused, not planned twice.
        let e = store.create_visit_request("liaison", &request(3)).await.unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Duplicate {
                    entity: "visit request",
                    field: "site_id",
                    ..
                }
            ),
            "{label}: {e}"
        );
        assert_eq!(
            store
                .list_visit_requests(None, &registry::FamilyScope::All)
                .await
                .unwrap(),
            vec![r.clone()],
            "{label}"
        );
        assert!(store
            .list_visit_requests(Some(&[s.id + 1]), &registry::FamilyScope::All)
            .await
            .unwrap()
            .is_empty());

        let m = store
            .create_mission(
                "planner",
                &NewMission {
                    kind: MissionKind::GraveVisit,
                    name: "Visit".into(),
                    start: "2027-06-14".parse().unwrap(),
                    end: None,
                    site_ids: vec![s.id],
                    participants: vec![],
                    permits: None,
                },
            )
            .await
            .unwrap();
        assert!(store.get_mission_itinerary(m.id).await.unwrap().is_none());
        let plan = serde_json::json!({"days": [{"day": 1, "sites": [s.id]}]});
        let first = store.set_mission_itinerary("planner", m.id, None, &plan).await.unwrap();
        assert_eq!(first.version, 1);
        // A second "first" plan, or a re-plan of a stale version, is a conflict and changes nothing.
        let e = store
            .set_mission_itinerary("planner", m.id, None, &plan)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{label}: {e}");
        let e = store
            .set_mission_itinerary("planner", m.id, Some(7), &plan)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{label}: {e}");
        let replanned = serde_json::json!({"days": []});
        let second = store
            .set_mission_itinerary("planner", m.id, Some(1), &replanned)
            .await
            .unwrap();
        assert_eq!(second.version, 2);
        let stored = store.get_mission_itinerary(m.id).await.unwrap().unwrap();
        assert_eq!((stored.plan, stored.version), (replanned, 2), "{label}");
        let e = store
            .set_mission_itinerary("planner", 9_999, None, &plan)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }), "{label}: {e}");
        let audit = store.audit_entries(0, 100_000).await.unwrap();
        assert!(audit.iter().any(|e| e.entity == "visit_request"), "{label}");
        assert_eq!(audit.iter().filter(|e| e.action == "plan").count(), 2, "{label}");
    });
}

/// A reference given by member `member` of family `family` of the same import.
fn family_reference(external_id: &str, family: usize, member: usize) -> registry::ImportFamilyReference {
    let r = reference(external_id, 0);
    registry::ImportFamilyReference {
        family,
        member,
        external_id: r.external_id,
        kit: r.kit,
        profile: r.profile,
        consent: r.consent,
    }
}

#[test]
fn families_with_their_references_import_in_one_transaction_or_not_at_all() {
    on_every_backend(|label, store| async move {
        let entries = store.verify_audit().await.unwrap().entries;
        let families = vec![import_family("H-1", None), import_family("H-2", None)];
        // The second reference repeats the first one's id: neither families nor references are written.
        let bad = vec![family_reference("HR-1", 0, 2), family_reference("HR-1", 1, 3)];
        let (part, i, e) = store
            .import_families_with_references("lab", &families, &bad)
            .await
            .unwrap_err();
        assert_eq!((part, i), (registry::ImportPart::References, 1), "{label}: {e}");
        assert!(
            matches!(
                e,
                StoreError::Duplicate {
                    entity: "reference",
                    ..
                }
            ),
            "{label}: {e}"
        );
        assert!(
            store.get_family_by_external_id("H-1").await.unwrap().is_none(),
            "{label}"
        );
        assert_eq!(store.verify_audit().await.unwrap().entries, entries, "{label}");
        let bad = vec![family_reference("HR-1", 0, 2), family_reference("HR-2", 1, 9)];
        let (part, i, _) = store
            .import_families_with_references("lab", &families, &bad)
            .await
            .unwrap_err();
        assert_eq!((part, i), (registry::ImportPart::References, 1), "{label}");

        let good = vec![family_reference("HR-1", 0, 2), family_reference("HR-2", 1, 3)];
        let (summary, n) = store
            .import_families_with_references("lab", &families, &good)
            .await
            .unwrap();
        assert_eq!((summary.families, summary.members, n), (2, 10, 2), "{label}");
        let h2 = store.get_family_by_external_id("H-2").await.unwrap().unwrap();
        let hanako = store
            .list_members(h2.id)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.data.display_name == "Hanako")
            .unwrap();
        let stored = store.references_by_external_id(&["HR-2"]).await.unwrap();
        assert_eq!(
            (stored[0].donor_member_id, stored[0].family_id),
            (hanako.id, h2.id),
            "{label}"
        );
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none(), "{label}: {report:?}");
        assert_eq!(report.entries, entries + 2 + 10 + 2, "{label}");
    });
}

#[test]
fn specimens_of_a_laboratory_file_are_imported_all_or_nothing() {
    on_every_backend(|label, store| async move {
        let s = store.create_site("planner", &site("S-40")).await.unwrap();
        let f = store.create_family("liaison", &family("F-40")).await.unwrap();
        let mother = store
            .add_member("liaison", f.id, &member("Hana", Sex::Female, None, None))
            .await
            .unwrap();
        let remains = |id: &str| {
            (
                NewRemains {
                    external_id: id.into(),
                    site_id: s.id,
                    mission_id: None,
                    recovery_date: None,
                    skeletal_element: "not recorded".into(),
                },
                NewSample {
                    external_id: id.into(),
                    remains_id: 0,
                    lab: "LAB-1".into(),
                    profile_kind: ProfileKind::Str,
                    profile: Some(SampleProfile::Str(
                        StrProfile::new([("TH01", "<6/9.3"), ("FGA", "22/>30")]).unwrap(),
                    )),
                },
            )
        };
        let entries = store.verify_audit().await.unwrap().entries;
        // The reference's donor does not exist: nothing at all is written, the remains included.
        let err = store
            .import_specimens("lab", &[remains("U-1")], &[reference("REF-40", mother.id + 1000)])
            .await
            .unwrap_err();
        assert_eq!(err.0, 1, "{label}: the reference, after the one remains");
        assert!(matches!(err.1, StoreError::NotFound { .. }), "{label}: {:?}", err.1);
        assert!(store.list_remains(s.id).await.unwrap().is_empty(), "{label}");
        assert_eq!(store.verify_audit().await.unwrap().entries, entries, "{label}");
        store
            .import_specimens(
                "lab",
                &[remains("U-1"), remains("U-2")],
                &[reference("REF-40", mother.id)],
            )
            .await
            .unwrap();
        let stored = store.list_remains(s.id).await.unwrap();
        assert_eq!(stored.len(), 2, "{label}");
        let samples = store.list_samples(stored[1].id).await.unwrap();
        assert_eq!(samples[0].external_id, "U-2", "{label}");
        let profile = store.get_sample_profile("lab", samples[0].id).await.unwrap();
        let Some(SampleProfile::Str(p)) = profile else {
            panic!("{label}: {profile:?}")
        };
        assert_eq!(p.genotypes()["FGA"], "22/>30", "{label}");
        assert_eq!(
            store.list_references(f.id).await.unwrap()[0].donor_member_id,
            mother.id,
            "{label}"
        );
        // Again: the first remains is a duplicate, and the whole file is refused.
        let err = store
            .import_specimens("lab", &[remains("U-3"), remains("U-1")], &[])
            .await
            .unwrap_err();
        assert_eq!(err.0, 1, "{label}");
        assert!(matches!(err.1, StoreError::Duplicate { .. }), "{label}: {:?}", err.1);
        assert_eq!(store.list_remains(s.id).await.unwrap().len(), 2, "{label}");
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none(), "{label}: {report:?}");
    });
}
