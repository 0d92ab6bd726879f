//! The same behaviour on both backends: every test runs on a fresh SQLite file and, when
//! `HOMEWARD_TEST_POSTGRES_URL` is set (`.ci/run` starts a throwaway cluster), on a fresh PostgreSQL
//! database. With `CI=true` a missing PostgreSQL is a failure, not a skip.

use registry::testing::{is_conflict, on_every_backend};

use registry::model::{
    Coordinates, Name, NameKind, NewPerson, NewSite, PartialDate, PersonStatus, Sex, SiteStatus, Source,
};
use registry::StoreError;

fn person(external_id: &str) -> NewPerson {
    NewPerson {
        external_id: external_id.into(),
        names: vec![
            Name::new("山田太郎", "Jpan", Some("ja"), NameKind::Primary).unwrap(),
            Name::new("やまだ たろう", "Hira", Some("ja"), NameKind::Transliteration).unwrap(),
            Name::new("Yamada Taro", "Latn", Some("ja-Latn"), NameKind::Transliteration).unwrap(),
        ],
        sex: Sex::Male,
        birth: Some("1921-04".parse::<PartialDate>().unwrap()),
        death: Some("1946".parse().unwrap()),
        death_place: None,
        sources: vec![Source {
            citation: "MHLW death register, vol. 3".into(),
            note: None,
        }],
    }
}

#[test]
fn persons_round_trip_and_are_found_in_every_script() {
    on_every_backend(|label, store| async move {
        let created = store.create_person("tester", &person("JP-0001")).await.unwrap();
        let read = store.get_person(created.id).await.unwrap().unwrap();
        assert_eq!(read, created, "{label}");
        for q in ["山田", "やまだ", "yamada", "TARO"] {
            let found = store.search_persons(Some(q), 10, 0).await.unwrap();
            assert_eq!(found.len(), 1, "{label}: search {q}");
        }
        assert!(
            store.search_persons(Some("%"), 10, 0).await.unwrap().is_empty(),
            "{label}: % is literal"
        );
        assert_eq!(
            store.get_person_by_external_id("JP-0001").await.unwrap().unwrap().id,
            created.id
        );
    });
}

#[test]
fn a_duplicate_external_id_is_refused() {
    on_every_backend(|label, store| async move {
        store.create_person("tester", &person("JP-1")).await.unwrap();
        let e = store.create_person("tester", &person("JP-1")).await.unwrap_err();
        assert!(matches!(e, StoreError::Duplicate { .. }), "{label}: {e}");
        assert_eq!(store.count_persons().await.unwrap(), 1);
    });
}

#[test]
fn a_stale_update_is_a_conflict_and_changes_nothing() {
    on_every_backend(|label, store| async move {
        let p = store.create_person("a", &person("JP-2")).await.unwrap();
        let mut changed = p.data.clone();
        changed.sex = Sex::Unknown;
        let v2 = store.update_person("a", p.id, p.version, &changed).await.unwrap();
        assert_eq!(v2.version, 2);
        // A second editor still holding version 1.
        let mut other = p.data.clone();
        other.death = None;
        let e = store.update_person("b", p.id, 1, &other).await.unwrap_err();
        assert!(is_conflict(&e, 1, 2), "{label}: {e}");
        assert_eq!(store.get_person(p.id).await.unwrap().unwrap(), v2);
    });
}

#[test]
fn statuses_only_move_forward_with_a_reason() {
    on_every_backend(|label, store| async move {
        let p = store.create_person("a", &person("JP-3")).await.unwrap();
        let e = store
            .advance_status("a", p.id, 1, PersonStatus::Located, " ")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{label}: {e}");
        let p = store
            .advance_status("a", p.id, 1, PersonStatus::Located, "grave found at Komusan")
            .await
            .unwrap();
        let p = store
            .advance_status("a", p.id, p.version, PersonStatus::Recovered, "mission 2026-1")
            .await
            .unwrap();
        let e = store
            .advance_status("a", p.id, p.version, PersonStatus::Missing, "oops")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::BackwardStatus { .. }), "{label}: {e}");
        let history = store.status_history(p.id).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(
            (history[0].0, history[0].1),
            (PersonStatus::Missing, PersonStatus::Located)
        );
        assert_eq!(history[1].2, "mission 2026-1");
        let recent = store.recent_status_changes(1).await.unwrap();
        assert_eq!(recent.len(), 1, "{label}");
        assert_eq!(
            (recent[0].0, recent[0].2, recent[0].3.as_str()),
            (p.id, PersonStatus::Recovered, "mission 2026-1"),
            "{label}: the newest change first"
        );
    });
}

#[test]
fn bulk_status_moves_are_all_or_nothing() {
    on_every_backend(|label, store| async move {
        let a = store.create_person("a", &person("BS-1")).await.unwrap();
        let b = store.create_person("a", &person("BS-2")).await.unwrap();
        let located = |id| (id, PersonStatus::Located, "survey 2015".to_string());
        // The second change repeats the first person's move: backwards by then, so nothing moves.
        let (at, e) = store
            .advance_statuses("a", &[located(a.id), located(a.id)])
            .await
            .unwrap_err();
        assert_eq!(at, 1, "{label}");
        assert!(matches!(e, StoreError::BackwardStatus { .. }), "{label}: {e}");
        assert_eq!(
            store.get_person(a.id).await.unwrap().unwrap().status,
            PersonStatus::Missing
        );
        let (at, e) = store
            .advance_statuses("a", &[located(a.id), located(-5)])
            .await
            .unwrap_err();
        assert_eq!(at, 1, "{label}");
        assert!(matches!(e, StoreError::NotFound { .. }), "{label}: {e}");
        assert_eq!(
            store
                .advance_statuses("a", &[located(a.id), located(b.id)])
                .await
                .unwrap(),
            2
        );
        let b = store.get_person(b.id).await.unwrap().unwrap();
        assert_eq!((b.status, b.version), (PersonStatus::Located, 2), "{label}");
        assert_eq!(store.status_history(a.id).await.unwrap()[0].2, "survey 2015");
        assert!(store.verify_audit().await.unwrap().first_broken.is_none(), "{label}");
    });
}

#[test]
fn an_import_is_all_or_nothing() {
    on_every_backend(|label, store| async move {
        let mut batch: Vec<NewPerson> = (0..50).map(|i| person(&format!("B-{i}"))).collect();
        batch[30] = person("B-3"); // a duplicate in the middle
        let (row, e) = store.import_persons("importer", &batch).await.unwrap_err();
        assert_eq!(row, 30, "{label}");
        assert!(matches!(e, StoreError::Duplicate { .. }));
        assert_eq!(store.count_persons().await.unwrap(), 0, "{label}: nothing kept");
        batch[30] = person("B-30");
        assert_eq!(store.import_persons("importer", &batch).await.unwrap(), 50);
        assert_eq!(store.count_persons().await.unwrap(), 50);
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn sites_are_relocated_with_their_history() {
    on_every_backend(|label, store| async move {
        let site = |id: &str, name: &str, status| NewSite {
            external_id: id.into(),
            names: vec![
                Name::new(name, "Hang", Some("ko"), NameKind::Primary).unwrap(),
                Name::new("Ryongsan", "Latn", None, NameKind::Transliteration).unwrap(),
            ],
            coordinates: Some(Coordinates::new(39.0, 125.75, Some(500.0)).unwrap()),
            status,
            estimated_count: Some(2400),
            notes: None,
        };
        let old = store
            .create_site("planner", &site("S-1", "룡산", SiteStatus::Known))
            .await
            .unwrap();
        let new = store
            .create_site("planner", &site("S-2", "룡산 새 묘지", SiteStatus::Surveyed))
            .await
            .unwrap();
        let moved = store
            .relocate_site("planner", old.id, old.version, new.id)
            .await
            .unwrap();
        assert_eq!(moved.relocated_to, Some(new.id), "{label}");
        assert_eq!(moved.data.status, SiteStatus::Relocated);
        assert_eq!(store.get_site(old.id).await.unwrap().unwrap(), moved);
        let e = store
            .relocate_site("planner", old.id, old.version, new.id)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{label}: {e}");
        assert_eq!(store.list_sites().await.unwrap().len(), 2);
    });
}

#[test]
fn the_audit_chain_detects_tampering() {
    on_every_backend(|label, store| async move {
        for i in 0..3 {
            store.create_person("clerk", &person(&format!("A-{i}"))).await.unwrap();
        }
        store.audit_read("analyst", "profile", "A-1").await.unwrap();
        let report = store.verify_audit().await.unwrap();
        assert_eq!((report.entries, report.first_broken.clone()), (4, None), "{label}");
        // Someone edits an entry by hand.
        let mut forged = store.audit_entries(1, 1).await.unwrap().remove(0);
        assert_eq!(forged.seq, 2);
        forged.actor = "someone else".to_owned();
        registry::testing::forge_audit_entry(&store, &forged).await.unwrap();
        let report = store.verify_audit().await.unwrap();
        assert_eq!(
            report.first_broken.as_ref().map(|b| b.0),
            Some(2),
            "{label}: {report:?}"
        );
    });
}

#[test]
fn removing_the_last_audit_entries_is_detected() {
    registry::testing::on_every_backend_tampered(|label, store| async move {
        for i in 0..3 {
            store.create_person("clerk", &person(&format!("R-{i}"))).await.unwrap();
        }
        registry::testing::delete_audit_entry(&store, 3).await.unwrap();
        let report = store.verify_audit().await.unwrap();
        assert!(report.first_broken.is_some(), "{label}");
    });
}

#[test]
fn concurrent_writers_keep_one_audit_chain() {
    on_every_backend(|label, store| async move {
        let tasks: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..10 {
                        store
                            .create_person("writer", &person(&format!("C-{t}-{i}")))
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let report = store.verify_audit().await.unwrap();
        assert_eq!((report.entries, report.first_broken), (80, None), "{label}");
    });
}

#[test]
fn both_backends_migrate_to_the_same_tables_and_columns() {
    use registry::testing::{applied_migrations, schema};
    let seen = std::sync::Mutex::new(Vec::new());
    let seen_ref = &seen;
    on_every_backend(|label, store| async move {
        let tables = schema(&store).await.unwrap();
        let migrations = applied_migrations(&store).await.unwrap();
        seen_ref.lock().unwrap().push((label, tables, migrations));
    });
    let seen = seen.into_inner().unwrap();
    let (_, sqlite_tables, sqlite_migrations) = &seen[0];
    for table in ["persons", "sites", "audit", "audit_head", "families", "samples"] {
        assert!(sqlite_tables.contains_key(table), "sqlite has no table {table}");
    }
    assert!(!sqlite_migrations.is_empty());
    for (label, tables, migrations) in &seen[1..] {
        assert_eq!(
            migrations, sqlite_migrations,
            "{label} and sqlite applied other migrations"
        );
        for (table, columns) in sqlite_tables {
            assert_eq!(
                tables.get(table),
                Some(columns),
                "{label} and sqlite differ in table {table}"
            );
        }
        assert_eq!(tables, sqlite_tables, "{label} has tables sqlite has not");
    }
}

#[test]
fn users_passwords_and_tokens() {
    use registry::Role;
    on_every_backend(|label, store| async move {
        let u = store
            .add_user("admin", "aiko.liaison", Role::FamilyLiaison, "correct horse battery")
            .await
            .unwrap();
        assert_eq!(u.role, Role::FamilyLiaison);
        assert!(
            store
                .check_password("aiko.liaison", "wrong password!")
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        assert_eq!(
            store
                .check_password("aiko.liaison", "correct horse battery")
                .await
                .unwrap(),
            Some(u.clone())
        );
        let e = store
            .add_user("admin", "aiko.liaison", Role::Viewer, "another long password")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Duplicate { .. }), "{label}: {e}");
        let e = store
            .add_user("admin", "bad name!", Role::Viewer, "another long password")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{label}: {e}");
        let token = store.create_token("admin", "aiko.liaison", "api", None).await.unwrap();
        assert_eq!(store.user_for_token(&token).await.unwrap(), Some(u.clone()));
        assert!(store.user_for_token("hw_not-a-token").await.unwrap().is_none());
        let expired = store
            .create_token("admin", "aiko.liaison", "session", Some("2000-01-01T00:00:00.000Z"))
            .await
            .unwrap();
        assert!(
            store.user_for_token(&expired).await.unwrap().is_none(),
            "{label}: expired"
        );
        assert!(store.revoke_token(&token).await.unwrap());
        assert!(store.user_for_token(&token).await.unwrap().is_none());
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn a_site_import_is_all_or_nothing() {
    on_every_backend(|label, store| async move {
        let site = |id: &str| NewSite {
            external_id: id.into(),
            names: vec![Name::new("Komusan", "Latn", None, NameKind::Primary).unwrap()],
            coordinates: None,
            status: SiteStatus::Farmland,
            estimated_count: None,
            notes: None,
        };
        let mut batch: Vec<NewSite> = (0..20).map(|i| site(&format!("S-{i}"))).collect();
        batch[12] = site("S-3");
        let (row, e) = store.import_sites("importer", &batch).await.unwrap_err();
        assert_eq!(row, 12, "{label}");
        assert!(matches!(e, StoreError::Duplicate { .. }), "{label}: {e}");
        assert!(store.list_sites().await.unwrap().is_empty(), "{label}: nothing kept");
        batch[12] = site("S-12");
        assert_eq!(store.import_sites("importer", &batch).await.unwrap(), 20);
        assert_eq!(store.list_sites().await.unwrap().len(), 20);
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());
    });
}

#[test]
fn a_users_page_language_is_kept_and_audited() {
    on_every_backend(|label, store| async move {
        store
            .add_user("setup", "aiko", registry::Role::FamilyLiaison, "a long enough password")
            .await
            .unwrap();
        let user = store
            .check_password("aiko", "a long enough password")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store.user_locale(user.id).await.unwrap(),
            None,
            "{label}: none chosen yet"
        );
        store.set_user_locale(&user, "ja").await.unwrap();
        assert_eq!(
            store.user_locale(user.id).await.unwrap().as_deref(),
            Some("ja"),
            "{label}"
        );
        assert!(
            matches!(
                store.set_user_locale(&user, "ja'; --").await,
                Err(StoreError::Invalid(_))
            ),
            "{label}: not a language tag"
        );
        let recent = store.recent_audit(1).await.unwrap();
        assert_eq!(recent[0].action, "set-locale", "{label}: newest first");
        assert_eq!(recent[0].after.as_deref(), Some("ja"));
        // The time zone, read with the language in one statement; None again is the default.
        store.set_user_time_zone(&user, Some("Asia/Tokyo")).await.unwrap();
        assert_eq!(
            store.user_reading(user.id).await.unwrap(),
            (Some("ja".to_owned()), Some("Asia/Tokyo".to_owned())),
            "{label}"
        );
        for bad in ["", "Asia/Tokyo'; --", "Asia Tokyo"] {
            let e = store.set_user_time_zone(&user, Some(bad)).await.unwrap_err();
            assert!(
                matches!(&e, StoreError::Invalid(f) if f.field == "time_zone"),
                "{label}: {bad:?}: {e}"
            );
        }
        store.set_user_time_zone(&user, None).await.unwrap();
        assert_eq!(store.user_reading(user.id).await.unwrap().1, None, "{label}");
        let recent = store.recent_audit(1).await.unwrap();
        assert_eq!(recent[0].action, "set-time-zone", "{label}");
    });
}

#[test]
fn jobs_are_listed_newest_first() {
    on_every_backend(|label, store| async move {
        let first = store.create_job("lab", "matching").await.unwrap();
        let second = store.create_job("lab", "matching").await.unwrap();
        let ids: Vec<i64> = store.list_jobs(10).await.unwrap().iter().map(|j| j.id).collect();
        assert_eq!(ids, [second.id, first.id], "{label}");
        assert_eq!(store.list_jobs(1).await.unwrap().len(), 1, "{label}");
        assert!(store.get_candidate(12345).await.unwrap().is_none(), "{label}");
        assert!(store.list_all_samples(10, 0).await.unwrap().is_empty(), "{label}");
        assert!(store.list_identifications().await.unwrap().is_empty(), "{label}");
        assert!(store.recent_status_changes(5).await.unwrap().is_empty(), "{label}");
    });
}

#[test]
fn a_backup_is_a_whole_copy_even_when_its_name_holds_a_quote_and_postgres_is_refused() {
    on_every_backend(|label, store| async move {
        store.create_person("clerk", &person("B-1")).await.unwrap();
        let dir = std::env::temp_dir().join(registry::testing::unique("homeward-backup"));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("it's a copy.db");
        if label == "postgres" {
            let e = store.backup_to(&out).await.unwrap_err();
            assert!(matches!(e, StoreError::NotAllowed(_)), "{e}");
            assert!(e.to_string().contains("pg_dump"), "{e}");
            assert!(!out.exists());
            store.checkpoint().await.unwrap();
            return;
        }
        store.backup_to(&out).await.unwrap();
        // A second backup to the same file is refused by SQLite, not appended.
        assert!(store.backup_to(&out).await.is_err());
        let copy = registry::Store::open(&format!("sqlite://{}", out.display()))
            .await
            .unwrap();
        assert_eq!(copy.count_persons().await.unwrap(), 1);
        assert_eq!(copy.verify_audit().await.unwrap().entries, 1);
        copy.checkpoint().await.unwrap();
        copy.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    });
}
