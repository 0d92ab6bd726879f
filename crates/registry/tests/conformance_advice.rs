//! The stored family advice, the same on both backends: its fingerprint is read without any
//! audited genotype read, equals the fingerprint of the audited input read, and changes exactly
//! when an input does (a member, a reference added, re-typed or withdrawn, the options); the
//! advice is stored, replaced and read back.

use registry::model::Sex;
use registry::testing::on_every_backend;
use registry::{
    Consent, ConsentScope, Contacts, NewFamily, NewMember, NewReference, ReferenceProfile, Store, StrProfile,
};

fn member(name: &str, sex: Sex, is_missing: bool) -> NewMember {
    NewMember {
        display_name: name.into(),
        sex,
        person_id: None,
        alive: !is_missing,
        father_member_id: None,
        mother_member_id: None,
        is_missing,
    }
}

fn reference(external_id: &str, donor: i64) -> NewReference {
    NewReference {
        external_id: external_id.into(),
        donor_member_id: donor,
        kit: "GlobalFiler".into(),
        profile: ReferenceProfile {
            str_profile: StrProfile::new([("D3S1358", "14/15")]).unwrap(),
            y_haplotype: None,
            mtdna: None,
        },
        consent: Consent {
            scope: ConsentScope::IdentificationOnly,
            date: "2025-11-03".parse().unwrap(),
        },
    }
}

/// Audit entries reading genetic data.
async fn profile_reads(store: &Store) -> usize {
    let entries = store.audit_entries(0, 10_000).await.unwrap();
    entries
        .iter()
        .filter(|e| e.action == "read" && e.entity.contains("profile"))
        .count()
}

#[test]
fn the_advice_fingerprint_follows_its_inputs_without_reading_genotypes() {
    on_every_backend(|label, store| async move {
        let family = NewFamily {
            external_id: "F-1".into(),
            name: "Yamada".into(),
            liaison: None,
            contacts: Contacts::default(),
        };
        let f = store.create_family("liaison", &family).await.unwrap().id;
        let mother = store
            .add_member("liaison", f, &member("Hanako", Sex::Female, false))
            .await
            .unwrap();
        store
            .add_member("liaison", f, &member("Taro", Sex::Male, true))
            .await
            .unwrap();
        let empty = store.advice_fingerprint(f, "o").await.unwrap();
        let r = store
            .create_reference("lab", &reference("R-1", mother.id))
            .await
            .unwrap();
        let one = store.advice_fingerprint(f, "o").await.unwrap();
        assert_ne!(empty, one, "{label}: a new reference changes it");
        assert_eq!(store.advice_fingerprint(f, "o").await.unwrap(), one, "{label}: stable");
        assert_ne!(
            store.advice_fingerprint(f, "p").await.unwrap(),
            one,
            "{label}: options count"
        );
        assert_eq!(
            profile_reads(&store).await,
            0,
            "{label}: no genotype read for a fingerprint"
        );

        let inputs = store
            .advice_inputs("server:advice", f, Some("liaison-1"), "o")
            .await
            .unwrap();
        assert_eq!(
            inputs.fingerprint, one,
            "{label}: the same fingerprint as the inputs read"
        );
        assert_eq!(inputs.reference_ids, vec![r.id]);
        assert_eq!(inputs.members.len(), 2);
        let entries = store.audit_entries(0, 10_000).await.unwrap();
        let read = entries
            .iter()
            .find(|e| e.action == "read" && e.entity == "reference-profile")
            .unwrap();
        assert_eq!(read.actor, "server:advice", "{label}");
        assert!(
            read.after.as_deref().unwrap().contains("liaison-1"),
            "{label}: {read:?}"
        );

        assert_eq!(store.stored_advice(f).await.unwrap(), None);
        store.store_advice("server:advice", f, &one, "{\"a\":1}").await.unwrap();
        store.store_advice("server:advice", f, &one, "{\"a\":2}").await.unwrap();
        let stored = store.stored_advice(f).await.unwrap().unwrap();
        assert_eq!(
            (stored.fingerprint.as_str(), stored.advice.as_str()),
            (one.as_str(), "{\"a\":2}")
        );

        store
            .add_member("liaison", f, &member("Jiro", Sex::Male, false))
            .await
            .unwrap();
        let two = store.advice_fingerprint(f, "o").await.unwrap();
        assert_ne!(two, one, "{label}: a new member changes it");
        store
            .withdraw_consent("lab", r.id, 1, "the donor's letter")
            .await
            .unwrap();
        let withdrawn = store.advice_fingerprint(f, "o").await.unwrap();
        assert_ne!(withdrawn, two, "{label}: a withdrawal changes it");
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}
