//! An unknown user's sign-in runs the same argon2 verification as a known user's: counted by
//! `registry::password_verifications`, a process-wide counter, so this is the only test of its
//! binary (no other test's verifications interleave).

use registry::testing::on_every_backend;
use registry::{password_verifications, Role, SignIn, SignInPolicy};

#[test]
fn every_attempt_that_is_not_throttled_verifies_one_password() {
    on_every_backend(|label, store| async move {
        store
            .add_user("setup", "kenji", Role::Reviewer, "a long enough password")
            .await
            .unwrap();
        let policy = SignInPolicy {
            lockout_after: 1000,
            first_delay_ms: 0,
        };
        let cases = [
            ("kenji", "a long enough password"),
            ("kenji", "a wrong password here"),
            ("nobody", "a wrong password here"),
            ("nobody", "a long enough password"),
            (&*"y".repeat(300), "a wrong password here"),
        ];
        for (name, password) in cases {
            let before = password_verifications();
            let answer = store.sign_in(name, password, Some("127.0.0.1"), policy).await.unwrap();
            assert_eq!(
                password_verifications() - before,
                1,
                "{label}: {name} / {password}: {answer:?}"
            );
        }
        // `check_password` (no throttle, no audit) too.
        for name in ["kenji", "nobody"] {
            let before = password_verifications();
            store.check_password(name, "a wrong password here").await.unwrap();
            assert_eq!(password_verifications() - before, 1, "{label}: check_password {name}");
        }
        // A throttled attempt verifies nothing.
        let slow = SignInPolicy {
            lockout_after: 1000,
            first_delay_ms: 60_000,
        };
        for _ in 0..3 {
            store
                .sign_in("kenji", "a wrong password here", None, slow)
                .await
                .unwrap();
        }
        let before = password_verifications();
        let answer = store
            .sign_in("kenji", "a long enough password", None, slow)
            .await
            .unwrap();
        assert!(matches!(answer, SignIn::Throttled { .. }), "{label}: {answer:?}");
        assert_eq!(password_verifications(), before, "{label}");
    });
}
