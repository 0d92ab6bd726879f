//! The audit log signed under a key kept outside the database, append-only, and anchored: on both
//! backends, every way of rewriting it quietly that someone who can write the database (but not
//! read the key) has is found by `verify_audit`, and the entry where it starts is named.

use registry::model::{Name, NameKind, NewPerson, Sex};
use registry::testing::{
    delete_audit_entry, drop_audit_guards, execute_sql, on_every_backend_tampered, rewrite_audit, without_key,
};
use registry::{AuditReport, SecretKey, SignatureCheck, Store, StoreError};

fn key() -> SecretKey {
    SecretKey::from_bytes(&[0x5a; 32]).unwrap()
}

fn person(external_id: &str) -> NewPerson {
    NewPerson {
        external_id: external_id.into(),
        names: vec![Name::new("山田太郎", "Jpan", Some("ja"), NameKind::Primary).unwrap()],
        sex: Sex::Male,
        birth: None,
        death: None,
        death_place: None,
        sources: vec![],
    }
}

/// A signed store with `n` persons created and `reads` contact reads: 1 + n + reads entries.
async fn signed_with_entries(store: Store, n: usize, reads: usize) -> Store {
    let store = store.with_audit_key(key()).await.unwrap();
    for i in 0..n {
        store.create_person("clerk", &person(&format!("S-{i}"))).await.unwrap();
    }
    for i in 0..reads {
        store
            .audit_read("liaison", "family-contacts", &i.to_string())
            .await
            .unwrap();
    }
    store
}

fn broken_at(report: &AuditReport) -> Option<i64> {
    report.first_broken.as_ref().map(|b| b.0)
}

#[test]
fn the_audit_tables_refuse_updates_and_deletes() {
    on_every_backend_tampered(|label, store| async move {
        let store = signed_with_entries(store, 2, 0).await;
        for sql in [
            "UPDATE audit SET actor = 'x' WHERE seq = 1",
            "DELETE FROM audit WHERE seq = 2",
            "UPDATE audit_macs SET mac = 'x' WHERE seq = 1",
            "DELETE FROM audit_macs",
            "UPDATE audit_keys SET from_seq = 99",
            "DELETE FROM audit_keys",
        ] {
            let e = execute_sql(&store, sql).await.unwrap_err();
            assert!(e.to_string().contains("append-only"), "{label}: {sql}: {e}");
        }
        if store.backend() == registry::Backend::Postgres {
            let e = execute_sql(&store, "TRUNCATE audit_macs").await.unwrap_err();
            assert!(e.to_string().contains("append-only"), "{label}: {e}");
        }
        let report = store.verify_audit().await.unwrap();
        assert_eq!((report.entries, broken_at(&report)), (2, None), "{label}");
        assert_eq!(
            report.signatures,
            SignatureCheck::Checked {
                key_id: key().id(),
                from_seq: 1
            },
            "{label}"
        );
    });
}

#[test]
fn an_edited_entry_with_the_chain_recomputed_fails_its_signature() {
    on_every_backend_tampered(|label, store| async move {
        let store = signed_with_entries(store, 4, 0).await;
        rewrite_audit(&store, |entries| entries[1].actor = "someone else".to_owned())
            .await
            .unwrap();
        // The unkeyed chain holds again: only the signature tells.
        let unkeyed = without_key(&store);
        assert_eq!(broken_at(&unkeyed.verify_audit().await.unwrap()), None, "{label}");
        let report = store.verify_audit().await.unwrap();
        assert_eq!(broken_at(&report), Some(2), "{label}: {report:?}");
        assert!(report.first_broken.unwrap().1.contains("signature"), "{label}");
    });
}

#[test]
fn deleted_and_rechained_entries_are_found() {
    on_every_backend_tampered(|label, store| async move {
        // 3 persons, then 50 contact reads, then 2 more persons.
        let store = signed_with_entries(store, 3, 50).await;
        for i in 0..2 {
            store.create_person("clerk", &person(&format!("T-{i}"))).await.unwrap();
        }
        rewrite_audit(&store, |entries| entries.retain(|e| e.action != "read"))
            .await
            .unwrap();
        let report = store.verify_audit().await.unwrap();
        // Entry 4 is now what was entry 54: renumbered, its signature no longer holds.
        assert_eq!(broken_at(&report), Some(4), "{label}: {report:?}");
    });
}

#[test]
fn a_cut_tail_with_the_head_moved_back_disagrees_with_the_anchor() {
    on_every_backend_tampered(|label, store| async move {
        let store = signed_with_entries(store, 6, 0).await;
        let anchor = store.audit_anchor().await.unwrap().unwrap();
        assert_eq!(anchor.seq, 6);
        assert!(anchor.is_signed_by(&key()));
        assert_eq!(
            broken_at(&store.verify_audit_against(Some(&anchor)).await.unwrap()),
            None
        );
        rewrite_audit(&store, |entries| entries.truncate(4)).await.unwrap();
        // Without the anchor, a shorter log is all there is to see.
        assert_eq!(broken_at(&store.verify_audit().await.unwrap()), None, "{label}");
        let report = store.verify_audit_against(Some(&anchor)).await.unwrap();
        assert_eq!(broken_at(&report), Some(5), "{label}: {report:?}");
        assert!(report.first_broken.unwrap().1.contains("anchor"), "{label}");
    });
}

#[test]
fn a_rewritten_entry_differs_from_the_anchor_even_without_signatures() {
    on_every_backend_tampered(|label, store| async move {
        let store = signed_with_entries(store, 3, 0).await;
        let anchor = store.audit_anchor().await.unwrap().unwrap();
        // The signing record and every MAC removed, the chain recomputed: it looks never signed.
        rewrite_audit(&store, |entries| entries[0].actor = "nobody".to_owned())
            .await
            .unwrap();
        execute_sql(&store, "DELETE FROM audit_macs").await.unwrap();
        execute_sql(&store, "DELETE FROM audit_keys").await.unwrap();
        let report = store.verify_audit_against(Some(&anchor)).await.unwrap();
        assert!(report.first_broken.unwrap().1.contains("records no key"), "{label}");
    });
}

#[test]
fn a_forged_anchor_and_entries_without_a_signature_are_found() {
    on_every_backend_tampered(|label, store| async move {
        let store = signed_with_entries(store, 2, 0).await;
        let mut anchor = store.audit_anchor().await.unwrap().unwrap();
        anchor.seq = 1;
        let report = store.verify_audit_against(Some(&anchor)).await.unwrap();
        assert!(report.first_broken.unwrap().1.contains("anchor's signature"), "{label}");
        // A writer without the key appends to a signed log.
        without_key(&store)
            .create_person("intruder", &person("X-1"))
            .await
            .unwrap();
        let report = store.verify_audit().await.unwrap();
        assert_eq!(broken_at(&report), Some(3), "{label}: {report:?}");
        assert!(report.first_broken.unwrap().1.contains("no signature"), "{label}");
        // A removed MAC likewise.
        drop_audit_guards(&store).await.unwrap();
        execute_sql(&store, "DELETE FROM audit_macs WHERE seq = 1")
            .await
            .unwrap();
        assert_eq!(broken_at(&store.verify_audit().await.unwrap()), Some(1), "{label}");
        delete_audit_entry(&store, 3).await.unwrap();
    });
}

#[test]
fn a_registry_signed_with_one_key_refuses_another() {
    on_every_backend_tampered(|label, store| async move {
        let signed = signed_with_entries(store, 1, 0).await;
        let other = SecretKey::from_bytes(&[0x11; 32]).unwrap();
        let e = without_key(&signed).with_audit_key(other.clone()).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::KeyMismatch { registered, given } if *registered == key().id() && *given == other.id()),
            "{label}: {e}"
        );
        // Checking with the wrong key finds every signature wrong rather than signing anything.
        let report = without_key(&signed).checking_with(other).verify_audit().await.unwrap();
        assert_eq!(broken_at(&report), Some(1), "{label}");
        // Without a key the signatures are reported unchecked, not passed.
        let report = without_key(&signed).verify_audit().await.unwrap();
        assert!(
            matches!(report.signatures, SignatureCheck::NoKey { from_seq: 1, .. }),
            "{label}"
        );
    });
}

#[test]
fn records_changed_inserted_or_deleted_with_no_audit_entry_are_named() {
    on_every_backend_tampered(|label, store| async move {
        let store = signed_with_entries(store, 3, 0).await;
        assert_eq!(store.verify_records().await.unwrap(), vec![], "{label}");
        // A change through the store is sealed again: still nothing to report.
        let p = store.get_person(1).await.unwrap().unwrap();
        let mut update = person("S-0");
        update.sex = Sex::Female;
        store.update_person("clerk", p.id, p.version, &update).await.unwrap();
        assert_eq!(store.verify_records().await.unwrap(), vec![], "{label}");
        // By hand: one changed, one deleted, one inserted.
        execute_sql(&store, "UPDATE persons SET sex = 'male' WHERE id = 1")
            .await
            .unwrap();
        execute_sql(&store, "DELETE FROM person_status_history WHERE person_id = 2")
            .await
            .unwrap();
        execute_sql(&store, "DELETE FROM person_name_keys WHERE person_id = 2")
            .await
            .unwrap();
        execute_sql(&store, "DELETE FROM persons WHERE id = 2").await.unwrap();
        execute_sql(
            &store,
            "INSERT INTO persons (id, external_id, names, search, sex, sources, status, version) \
             VALUES (99, 'FAKE-1', '[]', '', 'male', '[]', 'missing', 1)",
        )
        .await
        .unwrap();
        let problems = store.verify_records().await.unwrap();
        let named: Vec<(&str, i64)> = problems.iter().map(|p| (p.record, p.id)).collect();
        assert_eq!(
            named,
            vec![("persons", 1), ("persons", 99), ("persons", 2)],
            "{label}: {problems:?}"
        );
        assert!(problems[0].why.contains("changed with no audit entry"), "{label}");
        assert!(problems[1].why.contains("inserted by hand"), "{label}");
        assert!(problems[2].why.contains("deleted with no audit entry"), "{label}");
        // And the report of the whole log says so.
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none() && !report.holds(), "{label}");
    });
}
