//! Access control on both backends: throttled sign-in and lockout, accounts an administrator
//! manages, named expiring tokens, and the audit entries each leaves.

use registry::testing::on_every_backend;
use registry::{AuditEntry, Role, SignIn, SignInPolicy, Store, StoreError};

const PASSWORD: &str = "a long enough password";

/// Delays short enough for a test: 5 ms after the third failure, doubling.
const QUICK: SignInPolicy = SignInPolicy {
    lockout_after: 10,
    first_delay_ms: 5,
};

/// Adds `username` with `role` and [`PASSWORD`].
async fn add(store: &Store, username: &str, role: Role) {
    store.add_user("setup", username, role, PASSWORD).await.unwrap();
}

async fn entries(store: &Store, action: &str, entity_id: &str) -> Vec<AuditEntry> {
    store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action && e.entity_id == entity_id)
        .collect()
}

/// Signs in with a wrong password, waiting out every throttle, until the answer is not
/// `Throttled`; returns it.
async fn wrong_attempt(store: &Store, name: &str, address: &str) -> SignIn {
    loop {
        match store
            .sign_in(name, "not the password at all", Some(address), QUICK)
            .await
            .unwrap()
        {
            SignIn::Throttled { retry_after_ms } => {
                tokio::time::sleep(std::time::Duration::from_millis(retry_after_ms)).await
            }
            other => return other,
        }
    }
}

#[test]
fn failures_are_throttled_then_the_account_locks_until_an_admin_unlocks_it() {
    on_every_backend(|label, store| async move {
        add(&store, "aiko", Role::FamilyLiaison).await;
        // Three failures are answered at once; the fourth attempt must wait.
        for i in 0..3 {
            let answer = store
                .sign_in("aiko", "wrong guess", Some("10.0.0.1"), QUICK)
                .await
                .unwrap();
            assert_eq!(answer, SignIn::Refused, "{label}: attempt {i}");
        }
        // (Under a policy whose first delay is a minute: QUICK's 5 ms pass while argon2 works.)
        let slow = SignInPolicy {
            first_delay_ms: 60_000,
            ..QUICK
        };
        let answer = store.sign_in("aiko", PASSWORD, Some("10.0.0.1"), slow).await.unwrap();
        assert!(
            matches!(answer, SignIn::Throttled { retry_after_ms } if retry_after_ms > 50_000),
            "{label}: {answer:?}"
        );
        // Failures 4 to 9 are refused after their delays, the tenth locks the account.
        for i in 3..9 {
            assert_eq!(
                wrong_attempt(&store, "aiko", "10.0.0.1").await,
                SignIn::Refused,
                "{label}: {i}"
            );
        }
        assert_eq!(
            wrong_attempt(&store, "aiko", "10.0.0.1").await,
            SignIn::Locked,
            "{label}"
        );
        let answer = store.sign_in("aiko", PASSWORD, Some("10.0.0.2"), QUICK).await.unwrap();
        assert_eq!(
            answer,
            SignIn::Locked,
            "{label}: the right password does not open a locked account"
        );
        assert_eq!(entries(&store, "sign-in-failed", "aiko").await.len(), 10, "{label}");
        let locks = entries(&store, "lock", "aiko").await;
        assert_eq!(locks.len(), 1, "{label}: the lock is audited once");
        assert!(
            locks[0].after.as_deref().unwrap().contains("\"failures\":10"),
            "{label}"
        );
        assert_eq!(entries(&store, "sign-in-refused", "aiko").await.len(), 1, "{label}");
        assert!(store.user_account("aiko").await.unwrap().unwrap().locked, "{label}");

        assert!(
            store.unlock_user("admin", "aiko").await.unwrap(),
            "{label}: it was locked"
        );
        let unlocks = entries(&store, "unlock", "aiko").await;
        assert_eq!((unlocks.len(), unlocks[0].actor.as_str()), (1, "admin"), "{label}");
        let answer = store.sign_in("aiko", PASSWORD, Some("10.0.0.2"), QUICK).await.unwrap();
        assert!(
            matches!(answer, SignIn::Accepted(ref u) if u.username == "aiko"),
            "{label}: {answer:?}"
        );
        assert_eq!(entries(&store, "sign-in", "aiko").await.len(), 1, "{label}");
        assert!(!store.user_account("aiko").await.unwrap().unwrap().locked, "{label}");
        assert!(matches!(
            store.unlock_user("admin", "nobody").await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(store.verify_audit().await.unwrap().first_broken.is_none(), "{label}");
    });
}

#[test]
fn an_unknown_name_is_throttled_and_locked_like_a_known_one() {
    on_every_backend(|label, store| async move {
        add(&store, "kenji", Role::Reviewer).await;
        let policy = SignInPolicy {
            lockout_after: 4,
            first_delay_ms: 1,
        };
        let mut answers = Vec::new();
        for name in ["kenji", "nobody"] {
            let mut seen = Vec::new();
            for _ in 0..6 {
                let a = loop {
                    match store.sign_in(name, "wrong guess", None, policy).await.unwrap() {
                        SignIn::Throttled { retry_after_ms } => {
                            tokio::time::sleep(std::time::Duration::from_millis(retry_after_ms)).await
                        }
                        other => break other,
                    }
                };
                seen.push(a);
            }
            answers.push(seen);
        }
        assert_eq!(
            answers[0], answers[1],
            "{label}: the same answers for a known and an unknown name"
        );
        assert_eq!(answers[0][3], SignIn::Locked, "{label}");
        assert_eq!(entries(&store, "lock", "nobody").await.len(), 1, "{label}");
        // A name no user could have is counted too, without being stored as given.
        let odd = "x".repeat(200);
        assert_eq!(
            store.sign_in(&odd, "wrong guess", None, policy).await.unwrap(),
            SignIn::Refused
        );
        assert_eq!(
            entries(&store, "sign-in-failed", "(invalid name)").await.len(),
            1,
            "{label}"
        );
    });
}

#[test]
fn an_address_with_many_failures_is_throttled_whatever_the_name() {
    on_every_backend(|label, store| async move {
        add(&store, "kenji", Role::Reviewer).await;
        let policy = SignInPolicy {
            lockout_after: 10,
            first_delay_ms: 60_000,
        };
        for i in 0..20 {
            let name = format!("guess{i}");
            let a = store
                .sign_in(&name, "wrong guess", Some("192.0.2.7"), policy)
                .await
                .unwrap();
            assert_eq!(a, SignIn::Refused, "{label}: {name}");
        }
        let a = store
            .sign_in("kenji", PASSWORD, Some("192.0.2.7"), policy)
            .await
            .unwrap();
        assert!(matches!(a, SignIn::Throttled { .. }), "{label}: {a:?}");
        // Another address is not held back, and a success there does not clear this one.
        let a = store
            .sign_in("kenji", PASSWORD, Some("192.0.2.8"), policy)
            .await
            .unwrap();
        assert!(matches!(a, SignIn::Accepted(_)), "{label}: {a:?}");
        let a = store
            .sign_in("kenji", PASSWORD, Some("192.0.2.7"), policy)
            .await
            .unwrap();
        assert!(matches!(a, SignIn::Throttled { .. }), "{label}: {a:?}");
    });
}

#[test]
fn a_disabled_user_loses_every_session_and_token_at_once() {
    on_every_backend(|label, store| async move {
        add(&store, "root", Role::Admin).await;
        add(&store, "aiko", Role::FamilyLiaison).await;
        let session = store
            .create_token("aiko", "aiko", "session", Some("2999-01-01T00:00:00.000Z"))
            .await
            .unwrap();
        let (_, api) = store
            .create_api_token("aiko", "aiko", "nightly export", 30)
            .await
            .unwrap();
        assert!(store.user_for_token(&session).await.unwrap().is_some(), "{label}");
        let acc = store.set_user_disabled("root", "aiko", true).await.unwrap();
        assert!(acc.disabled, "{label}");
        for t in [&session, &api] {
            assert!(store.user_for_token(t).await.unwrap().is_none(), "{label}: {t}");
        }
        assert!(store.list_tokens(Some("aiko")).await.unwrap().is_empty(), "{label}");
        let a = store
            .sign_in("aiko", PASSWORD, None, SignInPolicy::default())
            .await
            .unwrap();
        assert_eq!(a, SignIn::Refused, "{label}: a disabled user cannot sign in");
        let disables = entries(&store, "disable", "aiko").await;
        assert_eq!(disables.len(), 1, "{label}");
        assert!(
            disables[0].after.as_deref().unwrap().contains("\"tokens_revoked\":2"),
            "{label}"
        );
        // Enabled again: the old tokens stay dead; a new sign-in works.
        store.set_user_disabled("root", "aiko", false).await.unwrap();
        assert!(store.user_for_token(&session).await.unwrap().is_none(), "{label}");
        let a = store
            .sign_in("aiko", PASSWORD, None, SignInPolicy::default())
            .await
            .unwrap();
        assert!(matches!(a, SignIn::Accepted(_)), "{label}: {a:?}");
        // Roles change at once, audited with before and after; nobody changes their own.
        let acc = store.set_user_role("root", "aiko", Role::Viewer).await.unwrap();
        assert_eq!(acc.role, Role::Viewer);
        let role = entries(&store, "set-role", "aiko").await;
        assert_eq!(
            (role[0].before.as_deref(), role[0].after.as_deref()),
            (Some("family-liaison"), Some("viewer")),
            "{label}"
        );
        for e in [
            store.set_user_disabled("root", "root", true).await.unwrap_err(),
            store.set_user_role("root", "root", Role::Viewer).await.unwrap_err(),
        ] {
            assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: {e}");
        }
        assert!(matches!(
            store.set_user_disabled("root", "nobody", true).await,
            Err(StoreError::NotFound { .. })
        ));
        let accounts = store.user_accounts().await.unwrap();
        assert_eq!(accounts.len(), 2, "{label}");
        assert_eq!(accounts[1].role, Role::Viewer, "{label}");
        assert!(store.verify_audit().await.unwrap().first_broken.is_none(), "{label}");
    });
}

#[test]
fn api_tokens_are_named_expire_and_are_revoked_by_their_owner() {
    on_every_backend(|label, store| async move {
        add(&store, "aiko", Role::FamilyLiaison).await;
        add(&store, "kenji", Role::Reviewer).await;
        let (info, token) = store
            .create_api_token("aiko", "aiko", "  nightly export ", 90)
            .await
            .unwrap();
        assert_eq!(info.name.as_deref(), Some("nightly export"), "{label}");
        assert_eq!(info.kind, "api");
        assert!(!info.expired);
        let expires = info.expires_at.clone().unwrap();
        let in_89_days = registry::format_utc(
            (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 89 * 86_400) as i64,
            0,
        );
        assert!(expires > in_89_days, "{label}: {expires} is about 90 days away");
        assert_eq!(store.user_for_token(&token).await.unwrap().unwrap().username, "aiko");
        let listed = store.list_tokens(Some("aiko")).await.unwrap();
        assert_eq!(listed, vec![info.clone()], "{label}");
        assert!(
            !format!("{listed:?}").contains(&token),
            "{label}: the token itself is never listed"
        );
        // Someone else's token is "not found" to a user.
        let e = store
            .revoke_token_id("kenji", info.id, Some("kenji"))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }), "{label}: {e}");
        assert!(store.user_for_token(&token).await.unwrap().is_some(), "{label}");
        store.revoke_token_id("aiko", info.id, Some("aiko")).await.unwrap();
        assert!(store.user_for_token(&token).await.unwrap().is_none(), "{label}");
        let revokes = entries(&store, "revoke", &info.id.to_string()).await;
        assert_eq!((revokes.len(), revokes[0].actor.as_str()), (1, "aiko"), "{label}");
        for (name, days, field) in [("", 10, "name"), ("x\u{7}", 10, "name"), ("ok", 0, "days")] {
            match store.create_api_token("aiko", "aiko", name, days).await {
                Err(StoreError::Invalid(f)) => assert_eq!(f.field, field, "{label}: {name:?}"),
                other => panic!("{label}: {name:?} {days}: {other:?}"),
            }
        }
        // Signing out (revoking by the token itself) is audited under the token's owner.
        let session = store.create_token("kenji", "kenji", "session", None).await.unwrap();
        assert!(store.revoke_token(&session).await.unwrap());
        let all = store.audit_entries(0, 10_000).await.unwrap();
        let out = all.iter().filter(|e| e.action == "sign-out").collect::<Vec<_>>();
        assert_eq!((out.len(), out[0].actor.as_str()), (1, "kenji"), "{label}");
    });
}

#[test]
fn weak_passwords_are_refused_when_a_user_is_added() {
    on_every_backend(|label, store| async move {
        for weak in [
            "aaaaaaaaaa",
            "password12",
            "          ",
            "1234567890",
            "password1234",
            "aiko-password-x",
        ] {
            match store.add_user("setup", "aiko", Role::Viewer, weak).await {
                Err(StoreError::Invalid(f)) => assert_eq!(f.field, "password", "{label}: {weak:?}"),
                other => panic!("{label}: {weak:?} was accepted: {other:?}"),
            }
        }
        assert!(
            store.user_accounts().await.unwrap().is_empty(),
            "{label}: nothing written"
        );
    });
}

fn family(external_id: &str) -> registry::NewFamily {
    registry::NewFamily {
        external_id: external_id.into(),
        name: format!("Family {external_id}"),
        liaison: None,
        contacts: registry::Contacts::default(),
    }
}

#[test]
fn a_liaison_sees_only_the_families_assigned_to_them() {
    use registry::{FamilyScope, ImportFamily};
    on_every_backend(|label, store| async move {
        add(&store, "root", Role::Admin).await;
        add(&store, "aiko", Role::FamilyLiaison).await;
        add(&store, "kenji", Role::FamilyLiaison).await;
        add(&store, "rev", Role::Reviewer).await;
        let a = store.create_family("root", &family("F-A")).await.unwrap();
        let b = store.create_family("root", &family("F-B")).await.unwrap();
        let aiko = FamilyScope::of("aiko", Role::FamilyLiaison);
        let kenji = FamilyScope::of("kenji", Role::FamilyLiaison);
        assert_eq!(FamilyScope::of("rev", Role::Reviewer), FamilyScope::All, "{label}");
        // Nothing assigned: a liaison sees no family, everyone else every family.
        assert!(store.list_families_in(&aiko).await.unwrap().is_empty(), "{label}");
        assert_eq!(
            store.list_families_in(&FamilyScope::All).await.unwrap().len(),
            2,
            "{label}"
        );

        store.assign_family("root", a.id, "aiko").await.unwrap();
        // Twice is no error and no second entry.
        store.assign_family("root", a.id, "aiko").await.unwrap();
        let seen: Vec<i64> = store
            .list_families_in(&aiko)
            .await
            .unwrap()
            .iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(seen, vec![a.id], "{label}");
        assert!(store.family_in_scope(&aiko, a.id).await.unwrap(), "{label}");
        assert!(!store.family_in_scope(&aiko, b.id).await.unwrap(), "{label}");
        assert!(!store.family_in_scope(&kenji, a.id).await.unwrap(), "{label}");
        // The same refusal for a family that does not exist as for another's.
        for id in [b.id, 9_999] {
            let e = store.require_family_in_scope(&aiko, id).await.unwrap_err();
            assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: {e}");
        }
        store.require_family_in_scope(&FamilyScope::All, b.id).await.unwrap();

        // Only family liaisons are assigned; unknown users and families are named.
        let e = store.assign_family("root", b.id, "rev").await.unwrap_err();
        assert!(matches!(e, StoreError::NotAllowed(_)), "{label}: {e}");
        let e = store.assign_family("root", b.id, "nobody").await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound { entity: "user", .. }), "{label}: {e}");
        let e = store.assign_family("root", 9_999, "aiko").await.unwrap_err();
        assert!(
            matches!(e, StoreError::NotFound { entity: "family", .. }),
            "{label}: {e}"
        );

        // A family a liaison records (one by one or imported) is theirs at once.
        let own = store.create_family("kenji", &family("F-K")).await.unwrap();
        store
            .import_families(
                "kenji",
                &[ImportFamily {
                    family: family("F-K2"),
                    members: Vec::new(),
                }],
            )
            .await
            .map_err(|(_, e)| e)
            .unwrap();
        let kenjis: Vec<String> = store
            .list_families_in(&kenji)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.external_id)
            .collect();
        assert_eq!(kenjis, vec!["F-K".to_owned(), "F-K2".to_owned()], "{label}");
        let of_own = store.family_assignments(own.id).await.unwrap();
        assert_eq!(of_own.len(), 1, "{label}");
        assert_eq!(
            (of_own[0].username.as_str(), of_own[0].assigned_by.as_str()),
            ("kenji", "kenji"),
            "{label}"
        );

        // Unassigning ends the access; both are audited.
        store.unassign_family("root", a.id, "aiko").await.unwrap();
        assert!(store.list_families_in(&aiko).await.unwrap().is_empty(), "{label}");
        let e = store.unassign_family("root", a.id, "aiko").await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }), "{label}: {e}");
        let key = format!("{}/aiko", a.id);
        assert_eq!(entries(&store, "assign", &key).await.len(), 1, "{label}");
        assert_eq!(entries(&store, "unassign", &key).await.len(), 1, "{label}");
        let unassigned = &entries(&store, "unassign", &key).await[0];
        assert_eq!(unassigned.actor, "root", "{label}");
    });
}
