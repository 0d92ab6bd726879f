//! API and page tests: the real router over a fresh database of every backend (the registry's
//! `testing::on_every_backend`: SQLite, and PostgreSQL when `HOMEWARD_TEST_POSTGRES_URL` is set,
//! required with `CI=true`), each request sent through it with `tower::ServiceExt::oneshot` (no
//! socket, the same middleware and handlers as a served one).

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use axum::Router;
use registry::{Role, Store};
use serde_json::{json, Value};
use server::{router, RouteSpec, ServerConfig, PAGES, ROUTES};
use tower::ServiceExt;

use registry::testing::unique;

/// The router over a store, and a token per role.
struct Running {
    app: Router,
    tokens: Vec<(Role, String)>,
    store: Store,
}

/// A request header: name and value.
type Header = (&'static str, String);

impl Running {
    async fn start(store: Store, config: ServerConfig) -> Running {
        let mut tokens = Vec::new();
        for role in Role::ALL {
            let name = format!("user-{}", role.as_str());
            store
                .add_user("setup", &name, role, "a long enough password")
                .await
                .unwrap();
            tokens.push((role, store.create_token("setup", &name, "api", None).await.unwrap()));
        }
        let app = router(store.clone(), config);
        Running { app, tokens, store }
    }

    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// The `Authorization` header of `role`'s token.
    fn auth(&self, role: Role) -> Header {
        bearer(self.token(role))
    }

    /// One request through the router; returns status, headers and body.
    async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[Header],
        body: Option<&[u8]>,
    ) -> (u16, HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_vec())))
            .unwrap();
        let response = self.app.clone().oneshot(req).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, headers, body.to_vec())
    }

    async fn call(&self, method: &str, path: &str, role: Option<Role>, body: Option<Value>) -> (u16, Value) {
        let auth: Vec<Header> = role.map(|r| self.auth(r)).into_iter().collect();
        let bytes = body.map(|b| b.to_string().into_bytes());
        let (status, _, body) = self.raw(method, path, &auth, bytes.as_deref()).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// `call` as `role`, asserting the answer's status; returns the body. `label` (the backend)
    /// is in the failure message.
    async fn expect(
        &self,
        label: &str,
        status: u16,
        method: &str,
        path: &str,
        role: Role,
        body: Option<Value>,
    ) -> Value {
        let (st, v) = self.call(method, path, Some(role), body).await;
        assert_eq!(st, status, "{label}: {method} {path} as {role}: {v}");
        v
    }

    /// A web page as `role` (by its token): status and HTML.
    async fn page(&self, path: &str, role: Role) -> (u16, String) {
        let (st, _, body) = self.raw("GET", path, &[self.auth(role)], None).await;
        (st, String::from_utf8_lossy(&body).into_owned())
    }
}

fn bearer(token: &str) -> Header {
    ("authorization", format!("Bearer {token}"))
}

/// A response header as text ("" when absent).
fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn person(id: &str) -> Value {
    json!({
        "external_id": id,
        "names": [
            { "text": "山田太郎", "script": "Jpan", "lang": "ja", "kind": "primary" },
            { "text": "Yamada Taro", "script": "Latn", "kind": "transliteration" }
        ],
        "sex": "male",
        "birth": "1921-04",
        "death": "1946"
    })
}

fn site(id: &str) -> Value {
    json!({
        "external_id": id,
        "names": [{ "text": "Komusan", "script": "Latn", "kind": "primary" }],
        "coordinates": { "lat": 42.1, "lon": 129.7, "precision_m": 1000.0 },
        "status": "farmland",
        "estimated_count": 300
    })
}

/// A profile whose alleles cannot turn up anywhere by chance: microvariants only (no record here
/// holds a decimal number except site coordinates and timestamps, which the leak checks avoid).
fn str_profile() -> Value {
    json!({
        "D21S11": "30.2/32.2",
        "FGA": "22.2/26.2",
        "D1S1656": "15.3/17.3",
        "SE33": "27.2/29.2"
    })
}

/// Every allele of [`str_profile`], and its genotypes as written.
fn profile_strings() -> Vec<String> {
    let mut out = Vec::new();
    for (_, g) in str_profile().as_object().unwrap() {
        let g = g.as_str().unwrap();
        out.push(g.to_owned());
        out.extend(g.split('/').map(str::to_owned));
    }
    out
}

fn family(id: &str) -> Value {
    json!({
        "external_id": id,
        "name": "Yamada family",
        "liaison": "Sato (Sendai office)",
        "contacts": { "phone": "+81 22 123 4567", "email": "yamada.hanako@example.jp" }
    })
}

fn mission(name: &str, site_id: i64) -> Value {
    json!({
        "kind": "recovery",
        "name": name,
        "start": "2026-05-10",
        "site_ids": [site_id],
        "participants": [{ "name": "Kim Min-jun", "role": "anthropologist" }],
        "permits": "Permit 2026/114"
    })
}

async fn created(s: &Running, path: &str, role: Role, body: Value) -> Value {
    let (st, v) = s.call("POST", path, Some(role), Some(body)).await;
    assert_eq!(st, 201, "POST {path} as {role}: {v}");
    v
}

/// A finished matching job that paired `sample` with the missing `member` of `family` at LR
/// 10^`log10_lr`, resting on `reference`, as a job leaves it in the registry (model recorded,
/// candidate stored): what a proposal cites. Returns the candidate's id.
async fn stored_candidate(s: &Running, sample: i64, family: i64, member: i64, reference: i64, log10_lr: f64) -> i64 {
    let job = s.store.create_job("setup", "matching").await.unwrap();
    s.store.record_job_model(job.id, r#"{"engine":"test"}"#).await.unwrap();
    s.store.start_job(job.id, 1, 1).await.unwrap();
    let candidate = registry::NewCandidate {
        sample_id: sample,
        family_id: family,
        member_id: member,
        log10_lr,
        exclusions: 0,
        evidence: vec![],
        joint_posterior: None,
        joint_bound: None,
        reference_ids: vec![reference],
        snp_evidence: None,
    };
    s.store.finish_job("setup", job.id, &[candidate]).await.unwrap();
    s.store.list_candidates(job.id).await.unwrap()[0].id
}

/// As admin, one record of each kind (ids 1 on a fresh database): site, person, family with a
/// member, reference, mission, remains, sample with a profile, custody event.
async fn seed_one_of_each(s: &Running) {
    let admin = Role::Admin;
    let site = created(s, "/api/v1/sites", admin, site("S-1")).await;
    let person = created(s, "/api/v1/persons", admin, person("P-1")).await;
    let family = created(s, "/api/v1/families", admin, family("F-1")).await;
    let f = family["id"].as_i64().unwrap();
    // The liaison looks after it (a liaison sees only the families assigned to them).
    s.store.assign_family("setup", f, "user-family-liaison").await.unwrap();
    let member = created(
        s,
        &format!("/api/v1/families/{f}/members"),
        admin,
        json!({ "display_name": "Yamada Taro", "sex": "male", "person_id": person["id"], "alive": false, "is_missing": true }),
    )
    .await;
    let reference = created(
        s,
        "/api/v1/references",
        admin,
        json!({
            "external_id": "R-1",
            "donor_member_id": member["id"],
            "kit": "GlobalFiler",
            "profile": { "str_profile": str_profile() },
            "consent": { "scope": "identification-only", "date": "2025-11" }
        }),
    )
    .await;
    let mission = created(
        s,
        "/api/v1/missions",
        admin,
        mission("M-1", site["id"].as_i64().unwrap()),
    )
    .await;
    let remains = created(
        s,
        "/api/v1/remains",
        admin,
        json!({ "external_id": "RM-1", "site_id": site["id"], "mission_id": mission["id"], "skeletal_element": "left femur" }),
    )
    .await;
    let sample = created(
        s,
        "/api/v1/samples",
        admin,
        json!({ "external_id": "SM-1", "remains_id": remains["id"], "lab": "ICMP Tuzla", "profile_kind": "STR", "profile": { "STR": str_profile() } }),
    )
    .await;
    created(
        s,
        &format!("/api/v1/samples/{}/custody", sample["id"]),
        admin,
        json!({ "event": "collected", "who": "Kim Min-jun", "location": "Komusan" }),
    )
    .await;
    let id = |v: &Value| v["id"].as_i64().unwrap();
    let candidate = stored_candidate(s, id(&sample), f, id(&member), id(&reference), 9.0).await;
    let identification = created(
        s,
        "/api/v1/identifications",
        admin,
        json!({ "candidate_id": candidate }),
    )
    .await;
    for v in [
        site,
        person,
        family,
        member,
        reference,
        mission,
        remains,
        sample,
        identification,
    ] {
        assert_eq!(v["id"].as_i64(), Some(1), "{v}");
    }
}

/// `test` once per backend (the registry's harness), on a router over a fresh database.
fn on_every_backend<F, Fut>(config: ServerConfig, test: F)
where
    F: Fn(&'static str, Running) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (config, test) = (&config, &test);
    registry::testing::on_every_backend(|label, store| async move {
        test(label, Running::start(store, config.clone()).await).await;
    });
}

/// A declared route answered `role` as its permission says: refused (403) before its handler, or
/// handled (an empty body may be a 400, never a 401, 403 or server error).
fn answers_as_declared(label: &str, r: &RouteSpec, path: &str, role: Role, st: u16, body: &dyn std::fmt::Display) {
    if r.permission.is_none_or(|p| p.allows(role)) {
        assert!(
            st != 403 && st != 401 && st < 500,
            "{label}: {} {path} as {role}: {st} {body}",
            r.method
        );
    } else {
        assert_eq!(st, 403, "{label}: {} {path} as {role}: {body}", r.method);
    }
}

#[test]
fn every_endpoint_checks_every_role() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        // One record of each kind, each with id 1, so that every `{id}` below names one.
        seed_one_of_each(&s).await;
        for r in ROUTES {
            // No user is called "nobody" (an administrator may not act on their own account), and
            // no token has id 999999 (revoking token 1 would revoke the admin's own).
            let id = if r.path.contains("tokens/") { "999999" } else { "1" };
            let path = r.path.replace("{id}", id).replace("{username}", "nobody");
            // Without credentials: 401 unless public.
            let (st, _) = s.call(r.method, &path, None, Some(json!({}))).await;
            if r.public {
                assert_ne!(st, 401, "{label}: {} {path} is public", r.method);
            } else {
                assert_eq!(st, 401, "{label}: {} {path} without credentials", r.method);
            }
            for role in Role::ALL {
                // An empty body: allowed callers get a 400 at worst; refused ones a 403 before parsing.
                // Signing out revokes the token it is called with: use a throwaway one.
                let (st, body) = if r.method == "DELETE" && r.path == "/api/v1/session" {
                    let token = s
                        .store
                        .create_token("test", &format!("user-{role}"), "api", None)
                        .await
                        .unwrap();
                    let (st, _, b) = s.raw("DELETE", &path, &[bearer(&token)], None).await;
                    (st, serde_json::from_slice(&b).unwrap_or(Value::Null))
                } else {
                    s.call(r.method, &path, Some(role), Some(json!({}))).await
                };
                answers_as_declared(label, r, &path, role, st, &body);
            }
        }
    });
}

#[test]
fn a_case_worker_records_and_updates_persons() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let (st, p) = s
            .call(
                "POST",
                "/api/v1/persons",
                Some(Role::FamilyLiaison),
                Some(person("P-9")),
            )
            .await;
        assert_eq!(st, 201, "{label}: {p}");
        let id = p["id"].as_i64().unwrap();
        for q in ["%E5%B1%B1%E7%94%B0", "yamada"] {
            let (st, found) = s
                .call("GET", &format!("/api/v1/persons?q={q}"), Some(Role::LabAnalyst), None)
                .await;
            assert_eq!((st, found.as_array().unwrap().len()), (200, 1), "{label}: {q}");
        }
        let mut changed = person("P-9");
        changed["sex"] = json!("unknown");
        let body = json!({ "version": 1, "person": changed });
        let (st, _) = s
            .call(
                "PUT",
                &format!("/api/v1/persons/{id}"),
                Some(Role::FamilyLiaison),
                Some(body.clone()),
            )
            .await;
        assert_eq!(st, 200);
        let (st, err) = s
            .call("PUT", &format!("/api/v1/persons/{id}"), Some(Role::Admin), Some(body))
            .await;
        assert_eq!(st, 409, "{label}: a stale update: {err}");
        let status = json!({ "version": 2, "status": "located", "reason": "grave found in a cornfield" });
        let (st, p) = s
            .call(
                "POST",
                &format!("/api/v1/persons/{id}/status"),
                Some(Role::MissionPlanner),
                Some(status),
            )
            .await;
        assert_eq!((st, p["status"].as_str()), (200, Some("located")));
        let back = json!({ "version": 3, "status": "missing", "reason": "undo" });
        let (st, _) = s
            .call(
                "POST",
                &format!("/api/v1/persons/{id}/status"),
                Some(Role::Admin),
                Some(back),
            )
            .await;
        assert_eq!(st, 409, "{label}: statuses only move forward");
        // A viewer sees numbers, not people.
        let (st, _) = s
            .call("GET", &format!("/api/v1/persons/{id}"), Some(Role::Viewer), None)
            .await;
        assert_eq!(st, 403);
        let (st, stats) = s.call("GET", "/api/v1/stats", Some(Role::Viewer), None).await;
        assert_eq!((st, stats["persons_by_status"]["located"].as_i64()), (200, Some(1)));
        let (st, v) = s.call("GET", "/api/v1/audit/verify", Some(Role::Admin), None).await;
        assert_eq!((st, v["intact"].as_bool()), (200, Some(true)));
    });
}

#[test]
fn bad_bodies_are_4xx_and_write_nothing() {
    let config = ServerConfig {
        max_body_bytes: 4096,
        ..ServerConfig::default()
    };
    on_every_backend(config, |label, s| async move {
        let auth = [s.auth(Role::Admin)];
        let cases: Vec<(&str, Vec<u8>, u16, Option<&str>)> = vec![
            ("malformed JSON", b"{\"external_id\": ".to_vec(), 400, None),
            (
                "wrong type",
                person("X").to_string().replace("\"1921-04\"", "1921").into_bytes(),
                400,
                Some("birth"),
            ),
            (
                "bad date",
                person("X").to_string().replace("1921-04", "1921-13").into_bytes(),
                400,
                None,
            ),
            (
                "unknown field",
                {
                    let mut p = person("X");
                    p["nickname"] = json!("Taro-chan");
                    p.to_string().into_bytes()
                },
                400,
                Some("nickname"),
            ),
            (
                "oversized",
                {
                    let mut p = person("X");
                    p["sources"] = json!([{ "citation": "x".repeat(10_000) }]);
                    p.to_string().into_bytes()
                },
                413,
                None,
            ),
            (
                "no names",
                {
                    let mut p = person("X");
                    p["names"] = json!([]);
                    p.to_string().into_bytes()
                },
                400,
                Some("names"),
            ),
        ];
        for (name, body, want, field) in cases {
            let (st, _, resp) = s.raw("POST", "/api/v1/persons", &auth, Some(&body)).await;
            let v: Value = serde_json::from_slice(&resp).unwrap_or(Value::Null);
            assert_eq!(st, want, "{label}: {name}: {v}");
            assert!(v["error"].is_string(), "{label}: {name}: errors are JSON: {v}");
            if let Some(f) = field {
                assert_eq!(v["field"].as_str(), Some(f), "{label}: {name}: {v}");
            }
        }
        assert_eq!(s.store.count_persons().await.unwrap(), 0, "{label}: nothing written");
    });
}

/// The malformed bodies an attacker's probe stored before (issue 17): each refused with 400 naming
/// the field, on every backend, and nothing written.
#[test]
fn malformed_records_are_refused_naming_the_field() {
    let config = ServerConfig {
        max_body_bytes: 4 * 1024 * 1024,
        ..ServerConfig::default()
    };
    on_every_backend(config, |label, s| async move {
        let auth = [s.auth(Role::Admin)];
        let with = |base: Value, path: &[&str], value: Value| {
            let mut v = base;
            let mut at = &mut v;
            for key in path {
                at = match key.parse::<usize>() {
                    Ok(i) => &mut at[i],
                    Err(_) => &mut at[*key],
                };
            }
            *at = value;
            v
        };
        let p = || person("X-1");
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            (
                "900,000-character name",
                "/api/v1/persons",
                with(p(), &["names", "0", "text"], json!("山".repeat(900_000))),
                "name",
            ),
            (
                "empty name",
                "/api/v1/persons",
                with(p(), &["names", "0", "text"], json!("  ")),
                "name",
            ),
            (
                "script <script>",
                "/api/v1/persons",
                with(p(), &["names", "0", "script"], json!("<script>alert(1)</script>")),
                "script",
            ),
            (
                "NUL in a name",
                "/api/v1/persons",
                with(p(), &["names", "0", "text"], json!("山田\u{0}太郎")),
                "name",
            ),
            (
                "escape in a note",
                "/api/v1/persons",
                with(
                    p(),
                    &["sources"],
                    json!([{ "citation": "register", "note": "\u{1b}[31mred" }]),
                ),
                "sources.note",
            ),
            (
                "900 KB citation",
                "/api/v1/persons",
                with(p(), &["sources"], json!([{ "citation": "c".repeat(900_000) }])),
                "sources.citation",
            ),
            (
                "year 0000",
                "/api/v1/persons",
                with(p(), &["birth"], json!("0000")),
                "birth",
            ),
            (
                "latitude 1000",
                "/api/v1/persons",
                with(
                    p(),
                    &["death_place"],
                    json!({ "coordinates": { "lat": 1000.0, "lon": 129.7 } }),
                ),
                "lat",
            ),
            (
                "longitude -999",
                "/api/v1/sites",
                with(site("S-X"), &["coordinates", "lon"], json!(-999.0)),
                "lon",
            ),
            (
                "negative precision",
                "/api/v1/sites",
                with(site("S-X"), &["coordinates", "precision_m"], json!(-5.0)),
                "precision_m",
            ),
            (
                "30,000-character notes",
                "/api/v1/sites",
                with(site("S-X"), &["notes"], json!("n".repeat(30_000))),
                "notes",
            ),
            (
                "5,000,000 buried",
                "/api/v1/sites",
                with(site("S-X"), &["estimated_count"], json!(5_000_000)),
                "estimated_count",
            ),
            (
                "a name on two lines",
                "/api/v1/sites",
                with(site("S-X"), &["names", "0", "text"], json!("Komu\nsan")),
                "name",
            ),
        ];
        for (name, path, body, field) in cases {
            let bytes = body.to_string().into_bytes();
            let (st, _, resp) = s.raw("POST", path, &auth, Some(&bytes)).await;
            let v: Value = serde_json::from_slice(&resp).unwrap_or(Value::Null);
            assert_eq!(st, 400, "{label}: {name}: {v}");
            assert_eq!(v["field"].as_str(), Some(field), "{label}: {name}: {v}");
        }
        let (st, v) = s.call("GET", "/api/v1/persons?q=%00", Some(Role::Admin), None).await;
        assert_eq!(
            (st, v["field"].as_str()),
            (400, Some("q")),
            "{label}: NUL in a search: {v}"
        );
        assert_eq!(s.store.count_persons().await.unwrap(), 0, "{label}: nothing written");
        assert!(
            s.store.list_sites().await.unwrap().is_empty(),
            "{label}: nothing written"
        );
    });
}

#[test]
fn a_liaison_reads_and_writes_only_the_families_assigned_to_them() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let liaison = Role::FamilyLiaison;
        // A second family, the admin's, assigned to nobody; a site to visit.
        let other = created(&s, "/api/v1/families", Role::Admin, family("F-2")).await["id"]
            .as_i64()
            .unwrap();
        let listed = s.expect(label, 200, "GET", "/api/v1/families", liaison, None).await;
        let ids: Vec<i64> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![1], "{label}: {listed}");
        let everyone = s
            .expect(label, 200, "GET", "/api/v1/families", Role::Reviewer, None)
            .await;
        assert_eq!(everyone.as_array().unwrap().len(), 2, "{label}");
        // Every read and write of the other family is refused, and so is an id that does not exist.
        for id in [other, 999] {
            for (method, path, body) in [
                ("GET", format!("/api/v1/families/{id}"), None),
                ("GET", format!("/api/v1/families/{id}/contacts"), None),
                ("GET", format!("/api/v1/families/{id}/members"), None),
                ("GET", format!("/api/v1/families/{id}/pedigree"), None),
                ("GET", format!("/api/v1/references?family={id}"), None),
                ("GET", format!("/api/v1/notifications?family={id}"), None),
                (
                    "POST",
                    format!("/api/v1/families/{id}/members"),
                    Some(json!({ "display_name": "Sato Jiro", "sex": "male", "alive": true, "is_missing": false })),
                ),
                (
                    "POST",
                    "/api/v1/visit-requests".to_owned(),
                    Some(json!({ "family_id": id, "site_id": 1, "visitors": 2, "mobility": "limited" })),
                ),
            ] {
                let v = s.expect(label, 403, method, &path, liaison, body).await;
                assert!(
                    v.to_string().contains("not assigned to you"),
                    "{label}: {method} {path}: {v}"
                );
            }
        }
        assert_eq!(
            s.store.list_members(other).await.unwrap().len(),
            0,
            "{label}: nothing written"
        );
        // Their own family as before.
        s.expect(label, 200, "GET", "/api/v1/families/1/contacts", liaison, None)
            .await;
        s.expect(label, 200, "GET", "/api/v1/references/1", liaison, None).await;
        created(
            &s,
            "/api/v1/visit-requests",
            liaison,
            json!({ "family_id": 1, "site_id": 1, "visitors": 2, "mobility": "limited" }),
        )
        .await;
        // The admin assigns the other family: it is the liaison's now; assigning is the admin's alone.
        s.expect(
            label,
            403,
            "PUT",
            &format!("/api/v1/families/{other}/liaisons/user-family-liaison"),
            liaison,
            None,
        )
        .await;
        s.expect(
            label,
            200,
            "PUT",
            &format!("/api/v1/families/{other}/liaisons/user-family-liaison"),
            Role::Admin,
            None,
        )
        .await;
        let assigned = s
            .expect(
                label,
                200,
                "GET",
                &format!("/api/v1/families/{other}/liaisons"),
                Role::Admin,
                None,
            )
            .await;
        assert_eq!(assigned[0]["username"], "user-family-liaison", "{label}: {assigned}");
        s.expect(
            label,
            200,
            "GET",
            &format!("/api/v1/families/{other}/members"),
            liaison,
            None,
        )
        .await;
        // A reviewer is never assigned; a family the liaison records is theirs at once.
        s.expect(
            label,
            403,
            "PUT",
            &format!("/api/v1/families/{other}/liaisons/user-reviewer"),
            Role::Admin,
            None,
        )
        .await;
        let own = created(&s, "/api/v1/families", liaison, family("F-3")).await["id"]
            .as_i64()
            .unwrap();
        s.expect(
            label,
            200,
            "GET",
            &format!("/api/v1/families/{own}/pedigree"),
            liaison,
            None,
        )
        .await;
        // Unassigned: gone from their list and their pages.
        s.expect(
            label,
            204,
            "DELETE",
            &format!("/api/v1/families/{other}/liaisons/user-family-liaison"),
            Role::Admin,
            None,
        )
        .await;
        s.expect(label, 403, "GET", &format!("/api/v1/families/{other}"), liaison, None)
            .await;
        let (st, html) = s.page(&format!("/families/{other}"), liaison).await;
        assert_eq!(st, 403, "{label}: {html}");
        let (st, html) = s.page("/families", liaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            html.contains("/families/1\"") && !html.contains(&format!("/families/{other}\"")),
            "{label}: {html}"
        );
    });
}

#[test]
fn the_identification_report_states_its_evidence_and_is_a_draft_until_confirmed() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let (st, html) = s.page("/identifications/1/report", Role::Reviewer).await;
        assert_eq!(st, 200, "{label}: {html}");
        // The stored evidence, as the candidate was scored: LR 10^9, the prior in words.
        let evidence = s.store.identification_evidence(1).await.unwrap().unwrap();
        for needle in [
            r#"class="draft" data-status="proposed""#,
            "1.00 × 10<sup>9</sup>",
            "SM-1",
            "RM-1",
            "left femur",
            "R-1",
            "<strong>H1</strong>",
            "<strong>H2</strong>",
            r#"class="for-family""#,
            r#"class="signatures""#,
        ] {
            assert!(
                html.contains(needle),
                "{label}: {needle} missing from the report: {html}"
            );
        }
        // The test's job recorded no real model: the recomputation says it cannot reproduce the figure.
        assert!(html.contains(r#"data-reproduced="false""#), "{label}: {html}");
        // The same report as a PDF, linked from the page: the same figures, DRAFT across it.
        assert!(
            html.contains(r#"href="/identifications/1/report.pdf""#),
            "{label}: {html}"
        );
        // Text as the PDF writes it (a hex string of UCS-2 codes), without the string's brackets.
        let written = |text: &str| formats::pdf::encode_text(text).trim_matches(['<', '>']).to_owned();
        let pdf = |role| {
            let s = &s;
            async move {
                let (st, headers, body) = s
                    .raw("GET", "/identifications/1/report.pdf", &[s.auth(role)], None)
                    .await;
                (
                    st,
                    header(&headers, "content-type").to_owned(),
                    String::from_utf8(body.to_vec()).unwrap_or_default(),
                )
            }
        };
        let (st, kind, draft) = pdf(Role::Reviewer).await;
        assert_eq!((st, kind.as_str()), (200, "application/pdf"), "{label}");
        assert!(draft.starts_with("%PDF-1.7") && draft.ends_with("%%EOF\n"), "{label}");
        for needle in [
            "DRAFT",
            "1.00 × 10^9",
            "SM-1",
            "RM-1",
            "left femur",
            "R-1",
            "H1: ",
            "H2: ",
        ] {
            assert!(
                draft.contains(&written(needle)),
                "{label}: {needle} missing from the PDF"
            );
        }
        let (st, _, _) = pdf(Role::Viewer).await;
        assert_eq!(st, 403, "{label}: the PDF is the report's, and as closed");
        let (_, html_liaison) = s.page("/identifications/1/report", Role::FamilyLiaison).await;
        assert!(
            html_liaison.contains(r#"id="recomputation""#) && !html_liaison.contains("data-reproduced"),
            "{label}: a liaison is told who recomputes, and no genotype is read for them"
        );
        let prior = evidence.prior.expect("a prior in words");
        assert!(
            html.contains(&prior.replace('\'', "&#39;")) || html.contains(&prior),
            "{label}: {prior}"
        );
        // Confirmed by two reviewers: no longer a draft, their names above the signature lines.
        s.store
            .add_user("setup", "rev2", Role::Reviewer, "a long enough password")
            .await
            .unwrap();
        for reviewer in ["user-reviewer", "rev2"] {
            let user = s
                .store
                .list_users()
                .await
                .unwrap()
                .into_iter()
                .find(|u| u.username == reviewer)
                .unwrap();
            s.store
                .review_identification(&user, 1, registry::Decision::Confirm, "the profiles agree")
                .await
                .unwrap();
        }
        let (st, html) = s.page("/identifications/1/report", Role::FamilyLiaison).await;
        assert_eq!(st, 200, "{label}: {html}");
        assert!(!html.contains(r#"class="draft""#), "{label}: confirmed, not a draft");
        assert!(
            html.contains("user-reviewer") && html.contains("rev2"),
            "{label}: {html}"
        );
        assert!(
            html.contains("confirmed the identification"),
            "{label}: the family's paragraph says so"
        );
        let (st, _, confirmed) = pdf(Role::FamilyLiaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            !confirmed.contains(&written("DRAFT"))
                && confirmed.contains(&written("independently"))
                && confirmed.contains(&written("rev2")),
            "{label}: confirmed, no watermark; the paragraph and the reviewers' names in the PDF"
        );
        // Who may not read identifications may not read the report.
        let (st, _) = s.page("/identifications/1/report", Role::Viewer).await;
        assert_eq!(st, 403, "{label}");
    });
}

#[test]
fn a_browser_signs_in_and_out() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let body = json!({ "username": "user-reviewer", "password": "a long enough password" }).to_string();
        let (st, head, _) = s.raw("POST", "/api/v1/session", &[], Some(body.as_bytes())).await;
        assert_eq!(st, 200, "{label}");
        let set_cookie = header(&head, "set-cookie");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        assert!(
            cookie.starts_with("homeward_session="),
            "a session cookie: {set_cookie}"
        );
        assert!(set_cookie.contains("HttpOnly"));
        let (st, _, me) = s.raw("GET", "/api/v1/me", &[("cookie", cookie.clone())], None).await;
        let me: Value = serde_json::from_slice(&me).unwrap();
        assert_eq!((st, me["role"].as_str()), (200, Some("reviewer")));
        let (st, _, _) = s
            .raw("DELETE", "/api/v1/session", &[("cookie", cookie.clone())], None)
            .await;
        assert_eq!(st, 204);
        let (st, _, _) = s.raw("GET", "/api/v1/me", &[("cookie", cookie.clone())], None).await;
        assert_eq!(st, 401);
        let wrong = json!({ "username": "user-reviewer", "password": "not the password" }).to_string();
        let (st, _, _) = s.raw("POST", "/api/v1/session", &[], Some(wrong.as_bytes())).await;
        assert_eq!(st, 401);
    });
}

#[test]
fn the_openapi_document_lists_every_route() {
    let doc = server::openapi_document();
    for r in ROUTES {
        assert!(
            doc["paths"][r.path][r.method.to_lowercase()].is_object(),
            "{} {}",
            r.method,
            r.path
        );
    }
}

#[test]
fn the_openapi_document_lists_nothing_but_the_routes() {
    let doc = server::openapi_document();
    let listed: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(listed, ROUTES.len());
}

/// A route's path with its `{id}` filled in from the record its resource names, and the query a
/// list needs.
fn concrete_path(path: &str, ids: &[(&str, i64)], queries: &[(&str, String)]) -> String {
    let mut out = path.to_owned();
    for (prefix, id) in ids {
        if path.starts_with(prefix) {
            out = path.replace("{id}", &id.to_string());
        }
    }
    for (exact, query) in queries {
        if path == *exact {
            out = format!("{path}?{query}");
        }
    }
    out
}

/// What the grave-to-laboratory case has recorded so far: each step reads the ids of the steps
/// before it and adds its own.
#[derive(Debug, Default)]
struct Grave {
    site_id: i64,
    person_id: i64,
    f: i64,
    sister: Value,
    m: i64,
    remains_id: i64,
    r: i64,
    sm: i64,
    profile_path: String,
}

/// Step 1: the site, the missing person, the family with its members, contacts and pedigree.
async fn grave_1_the_family(label: &str, s: &Running) -> Grave {
    use Role::{FamilyLiaison as Liaison, LabAnalyst as Lab, MissionPlanner as Planner};
    // The mission planner records the site; the family liaison the missing person and the family.
    let site = created(s, "/api/v1/sites", Planner, site("S-7")).await;
    let site_id = site["id"].as_i64().unwrap();
    let person = created(s, "/api/v1/persons", Liaison, person("P-7")).await;
    let person_id = person["id"].as_i64().unwrap();
    let family = created(s, "/api/v1/families", Liaison, family("F-7")).await;
    let f = family["id"].as_i64().unwrap();
    assert!(
        family.get("contacts").is_none(),
        "{label}: no contacts in the record: {family}"
    );
    let members = format!("/api/v1/families/{f}/members");
    let father = created(
        s,
        &members,
        Liaison,
        json!({ "display_name": "Yamada Ichiro", "sex": "male", "alive": false }),
    )
    .await;
    let mother = created(
        s,
        &members,
        Liaison,
        json!({ "display_name": "Yamada Hana", "sex": "female", "alive": false }),
    )
    .await;
    let missing = created(
        s,
        &members,
        Liaison,
        json!({
            "display_name": "Yamada Taro", "sex": "male", "person_id": person_id, "alive": false,
            "father_member_id": father["id"], "mother_member_id": mother["id"], "is_missing": true
        }),
    )
    .await;
    let sister = created(
        s,
        &members,
        Liaison,
        json!({
            "display_name": "Yamada Hanako", "sex": "female",
            "father_member_id": father["id"], "mother_member_id": mother["id"]
        }),
    )
    .await;
    assert_eq!(missing["person_id"].as_i64(), Some(person_id), "{label}: {missing}");
    // A father must be male: the error names the field.
    let (st, err) = s
        .call(
            "POST",
            &members,
            Some(Liaison),
            Some(json!({ "display_name": "X", "sex": "male", "father_member_id": mother["id"] })),
        )
        .await;
    assert_eq!(
        (st, err["field"].as_str()),
        (400, Some("father_member_id")),
        "{label}: {err}"
    );
    let (st, contacts) = s
        .call("GET", &format!("/api/v1/families/{f}/contacts"), Some(Liaison), None)
        .await;
    assert_eq!(
        (st, contacts["phone"].as_str()),
        (200, Some("+81 22 123 4567")),
        "{label}"
    );
    let (st, pedigree) = s
        .call("GET", &format!("/api/v1/families/{f}/pedigree"), Some(Lab), None)
        .await;
    assert_eq!(st, 200, "{label}: {pedigree}");
    let row = pedigree
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_str() == Some(missing["id"].to_string().as_str()))
        .expect("the missing person is in the pedigree");
    assert_eq!(row["father"], json!(father["id"].to_string()), "{label}: {pedigree}");
    assert_eq!(row["sex"], json!("male"));
    Grave {
        site_id,
        person_id,
        f,
        sister,
        ..Grave::default()
    }
}

/// Step 2: the mission planner plans the recovery and records the remains.
async fn grave_2_the_recovery(label: &str, s: &Running, g: &mut Grave) {
    use Role::{Admin, MissionPlanner as Planner};
    let site_id = g.site_id;
    // The mission planner plans the recovery and records the remains.
    let mission = created(s, "/api/v1/missions", Planner, mission("Komusan 2026", site_id)).await;
    let m = mission["id"].as_i64().unwrap();
    let remains = created(
        s,
        "/api/v1/remains",
        Planner,
        json!({
            "external_id": "RM-7", "site_id": site_id, "mission_id": m,
            "recovery_date": "2026-05-12", "skeletal_element": "left femur"
        }),
    )
    .await;
    let remains_id = remains["id"].as_i64().unwrap();
    let (st, listed) = s
        .call("GET", &format!("/api/v1/remains?site={site_id}"), Some(Planner), None)
        .await;
    assert_eq!(
        (st, listed.as_array().map(Vec::len)),
        (200, Some(1)),
        "{label}: {listed}"
    );
    let (st, err) = s.call("GET", "/api/v1/remains", Some(Planner), None).await;
    assert_eq!((st, err["field"].as_str()), (400, Some("site")), "{label}: {err}");
    let (st, err) = s.call("GET", "/api/v1/remains/first", Some(Planner), None).await;
    assert_eq!((st, err["field"].as_str()), (400, Some("id")), "{label}: {err}");
    let (st, err) = s.call("GET", "/api/v1/remains/999", Some(Planner), None).await;
    assert_eq!(st, 404, "{label}: {err}");
    let outcome = format!("/api/v1/missions/{m}/outcome");
    let body = json!({ "version": 1, "outcome": "remains of one person recovered" });
    let (st, done) = s.call("POST", &outcome, Some(Planner), Some(body.clone())).await;
    assert_eq!((st, done["version"].as_i64()), (200, Some(2)), "{label}: {done}");
    let (st, _) = s.call("POST", &outcome, Some(Admin), Some(body)).await;
    assert_eq!(st, 409, "{label}: a stale outcome");
    (g.m, g.remains_id) = (m, remains_id);
}

/// Step 3: the laboratory types the sister's reference and the remains' sample, and keeps custody.
async fn grave_3_the_laboratory(label: &str, s: &Running, g: &mut Grave) {
    use Role::{FamilyLiaison as Liaison, LabAnalyst as Lab, MissionPlanner as Planner, Reviewer};
    let (sister, f, remains_id) = (g.sister.clone(), g.f, g.remains_id);
    // The laboratory: the sister's reference sample, a sample of the remains, its profile and custody.
    let new_reference = json!({
        "external_id": "R-7",
        "donor_member_id": sister["id"],
        "kit": "GlobalFiler",
        "profile": { "str_profile": str_profile() },
        "consent": { "scope": "identification-only", "date": "2025-11-03" }
    });
    let (st, _) = s
        .call("POST", "/api/v1/references", Some(Liaison), Some(new_reference.clone()))
        .await;
    assert_eq!(st, 403, "{label}: the liaison does not record genotypes");
    let reference = created(s, "/api/v1/references", Lab, new_reference).await;
    let r = reference["id"].as_i64().unwrap();
    assert_eq!(reference["family_id"].as_i64(), Some(f), "{label}: {reference}");
    let sample = created(
        s,
        "/api/v1/samples",
        Lab,
        json!({ "external_id": "SM-7", "remains_id": remains_id, "lab": "Seoul lab", "profile_kind": "STR" }),
    )
    .await;
    let sm = sample["id"].as_i64().unwrap();
    assert_eq!(sample["typed"].as_bool(), Some(false), "{label}: {sample}");
    let profile_path = format!("/api/v1/samples/{sm}/profile");
    let body = json!({ "version": 1, "profile": { "STR": str_profile() } });
    let (st, typed) = s.call("PUT", &profile_path, Some(Lab), Some(body.clone())).await;
    assert_eq!(
        (st, typed["typed"].as_bool(), typed["version"].as_i64()),
        (200, Some(true), Some(2)),
        "{label}: {typed}"
    );
    let (st, _) = s.call("PUT", &profile_path, Some(Lab), Some(body)).await;
    assert_eq!(st, 409, "{label}: a stale profile");
    let (st, err) = s
        .call(
            "PUT",
            &profile_path,
            Some(Lab),
            Some(json!({ "version": 2, "profile": { "Y": "DYS19=14" } })),
        )
        .await;
    assert_eq!(
        (st, err["field"].as_str()),
        (400, Some("profile")),
        "{label}: wrong kind: {err}"
    );
    let custody = format!("/api/v1/samples/{sm}/custody");
    for (event, at) in [
        ("collected", "2026-05-12T06:00:00Z"),
        ("transferred", "2026-05-13T09:30:00Z"),
        ("received", "2026-05-14T11:00:00Z"),
    ] {
        created(
            s,
            &custody,
            Lab,
            json!({ "event": event, "who": "Kim Min-jun", "location": "Komusan / Seoul", "at": at }),
        )
        .await;
    }
    let (st, err) = s
        .call(
            "POST",
            &custody,
            Some(Lab),
            Some(json!({ "event": "lost", "who": "x", "location": "y" })),
        )
        .await;
    assert_eq!((st, err["field"].as_str()), (400, Some("event")), "{label}: {err}");
    let (st, chain) = s.call("GET", &custody, Some(Reviewer), None).await;
    let events: Vec<&str> = chain
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        (st, events),
        (200, vec!["collected", "transferred", "received"]),
        "{label}"
    );
    let (st, _) = s.call("GET", &custody, Some(Planner), None).await;
    assert_eq!(st, 403, "{label}: custody is the laboratory's");
    (g.r, g.sm, g.profile_path) = (r, sm, profile_path);
}

/// Step 4: profiles are for the laboratory and reviewers; nothing the liaison fetches holds an
/// allele.
async fn grave_4_no_genotype_for_the_liaison(label: &str, s: &Running, g: &Grave) {
    use Role::{FamilyLiaison as Liaison, LabAnalyst as Lab, Reviewer};
    let Grave {
        site_id,
        person_id,
        f,
        m,
        remains_id,
        r,
        sm,
        ref profile_path,
        ..
    } = *g;
    // Profiles: the laboratory and reviewers read them; the family liaison never.
    for role in [Lab, Reviewer] {
        let (st, _, body) = s
            .raw("GET", &format!("/api/v1/references/{r}/profile"), &[s.auth(role)], None)
            .await;
        assert_eq!(st, 200, "{label}: {role}");
        assert!(String::from_utf8_lossy(&body).contains("30.2/32.2"), "{label}: {role}");
    }
    let (st, sp) = s.call("GET", profile_path, Some(Reviewer), None).await;
    assert_eq!((st, &sp["profile"]["STR"]), (200, &str_profile()), "{label}: {sp}");
    // An identification resting on the reference, so its route has a record to show.
    let missing = s
        .store
        .list_members(f)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.data.is_missing)
        .unwrap();
    let proposal = json!({ "candidate_id": stored_candidate(s, sm, f, missing.id, r, 6.0).await });
    let (st, identification) = s
        .call(
            "POST",
            "/api/v1/identifications",
            Some(Role::LabAnalyst),
            Some(proposal),
        )
        .await;
    assert_eq!(st, 201, "{label}: {identification}");
    let ids = [
        ("/api/v1/identifications/{id}", identification["id"].as_i64().unwrap()),
        ("/api/v1/families/{id}", f),
        ("/api/v1/references/{id}", r),
        ("/api/v1/remains/{id}", remains_id),
        ("/api/v1/samples/{id}", sm),
        ("/api/v1/missions/{id}", m),
        ("/api/v1/sites/{id}", site_id),
        ("/api/v1/persons/{id}", person_id),
    ];
    let queries = [
        ("/api/v1/references", format!("family={f}")),
        ("/api/v1/remains", format!("site={site_id}")),
        ("/api/v1/samples", format!("remains={remains_id}")),
        ("/api/v1/notifications", format!("family={f}")),
    ];
    let profile_routes: Vec<_> = ROUTES.iter().filter(|r| r.path.ends_with("/profile")).collect();
    assert!(profile_routes.len() >= 3);
    for route in profile_routes {
        let path = concrete_path(route.path, &ids, &queries);
        let body = (route.method != "GET").then(|| json!({ "version": 2, "profile": { "STR": str_profile() } }));
        let (st, _) = s.call(route.method, &path, Some(Liaison), body).await;
        assert_eq!(st, 403, "{label}: {} {path} as the family liaison", route.method);
    }
    // Nothing the liaison may fetch holds an allele. (Timestamps could hold "SS.mmm" digits by
    // chance, so the bodies checked here are those without any: sites' coordinates and the
    // history's and tokens' times are left out, and everything is fetched before consent is withdrawn.)
    let mut fetched = 0;
    for route in ROUTES.iter().filter(|r| r.method == "GET" && !r.public) {
        let path = concrete_path(route.path, &ids, &queries);
        if path.contains('{') {
            // A record this flow does not reach (a repatriation needs a confirmed identification).
            continue;
        }
        let auth = [s.auth(Liaison)];
        let (st, _, body) = s.raw("GET", &path, &auth, None).await;
        let allowed = route.permission.is_none_or(|p| p.allows(Liaison));
        assert_eq!(st == 200, allowed, "{label}: GET {path} as the liaison: {st}");
        if !allowed
            || path.starts_with("/api/v1/sites")
            || path.ends_with("/history")
            || path == "/api/v1/stats"
            || path == "/api/v1/tokens"
        {
            continue;
        }
        fetched += 1;
        let body = String::from_utf8_lossy(&body);
        for allele in profile_strings() {
            assert!(
                !body.contains(&allele),
                "{label}: GET {path} shows {allele} to the liaison: {body}"
            );
        }
    }
    assert!(fetched >= 8, "{label}: only {fetched} endpoints checked");
}

/// Step 5: consent withdrawn: the identifications resting on the reference are flagged, the
/// genotypes gone.
async fn grave_5_consent_withdrawn(label: &str, s: &Running, g: &Grave) {
    use Role::{Admin, LabAnalyst as Lab, Reviewer};
    let (person_id, r) = (g.person_id, g.r);
    // Consent withdrawn: the identification resting on the reference is flagged, the genotypes gone.
    let identification = s.store.propose_identification("test", person_id, &[r]).await.unwrap();
    let withdraw = format!("/api/v1/references/{r}/withdraw");
    let (st, _) = s
        .call(
            "POST",
            &withdraw,
            Some(Reviewer),
            Some(json!({ "version": 1, "reason": "x" })),
        )
        .await;
    assert_eq!(st, 403, "{label}: reviewers write nothing here");
    let (st, err) = s
        .call("POST", &withdraw, Some(Lab), Some(json!({ "version": 1 })))
        .await;
    assert_eq!((st, err["field"].as_str()), (400, Some("reason")), "{label}: {err}");
    let body = json!({ "version": 1, "reason": "the donor's letter of 2026-06-01" });
    let (st, w) = s.call("POST", &withdraw, Some(Lab), Some(body.clone())).await;
    assert_eq!(st, 200, "{label}: {w}");
    let flagged: Vec<i64> = w["flagged_identifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(flagged.contains(&identification.id), "{label}: {w}");
    assert_eq!(
        flagged.len(),
        2,
        "{label}: both identifications resting on the reference: {w}"
    );
    assert_eq!(w["reference"]["version"].as_i64(), Some(2));
    assert!(
        w["reference"]["withdrawal"]["profile_sha256"].is_string(),
        "{label}: {w}"
    );
    let (st, _) = s.call("POST", &withdraw, Some(Lab), Some(body)).await;
    assert_eq!(st, 409, "{label}: a stale withdrawal");
    let flagged = s.store.get_identification(identification.id).await.unwrap().unwrap();
    assert_eq!(flagged.status, registry::IdentificationStatus::Flagged, "{label}");
    // Every page that shows the identification says why it was flagged, in both languages' pages.
    let why = format!("consent for reference {r} (");
    for (path, role) in [
        ("/identifications?status=flagged".to_owned(), Reviewer),
        (format!("/families/{}", g.f), Role::FamilyLiaison),
        (format!("/persons/{person_id}"), Role::FamilyLiaison),
    ] {
        let (st, html) = s.page(&path, role).await;
        assert_eq!(st, 200, "{label}: {path}: {html}");
        let shown = html
            .split(r#"data-status="flagged""#)
            .nth(1)
            .unwrap_or_else(|| panic!("{label}: {path} shows no flagged identification: {html}"));
        let reason = shown.split(r#"<span class="flag-reason">"#).nth(1).unwrap_or_default();
        assert!(
            reason.contains(&why) && reason.contains("was withdrawn"),
            "{label}: {path}: {shown}"
        );
    }
    // The API lists a person's identifications with the same reason.
    let listed = s
        .expect(
            label,
            200,
            "GET",
            &format!("/api/v1/identifications?person={person_id}"),
            Reviewer,
            None,
        )
        .await;
    let items = listed["items"].as_array().unwrap();
    assert!(
        !items.is_empty() && items.iter().all(|i| i["person_id"] == person_id),
        "{label}: {listed}"
    );
    let of_it = items.iter().find(|i| i["id"] == identification.id).unwrap();
    assert!(
        of_it["flag_reason"].as_str().unwrap().contains(&why),
        "{label}: {of_it}"
    );
    for role in [Admin, Lab, Reviewer] {
        let auth = [s.auth(role)];
        let (st, _, body) = s
            .raw("GET", &format!("/api/v1/references/{r}/profile"), &auth, None)
            .await;
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(st, 200, "{label}: {v}");
        assert!(
            v["profile"].is_null() && v["withdrawal"]["reason"].is_string(),
            "{label}: {v}"
        );
        let text = String::from_utf8_lossy(&body);
        for (_, g) in str_profile().as_object().unwrap() {
            assert!(!text.contains(g.as_str().unwrap()), "{label}: {text}");
        }
    }
}

/// Step 6: the audit log recorded the sensitive reads, holds no genotypes, and is intact.
async fn grave_6_the_audit_log(label: &str, s: &Running) {
    use Role::Admin;
    // The audit log recorded the sensitive reads, holds no genotypes, and is intact.
    let (st, _, audit) = s.raw("GET", "/api/v1/audit?limit=1000", &[s.auth(Admin)], None).await;
    assert_eq!(st, 200);
    let entries: Vec<Value> = serde_json::from_slice(&audit).unwrap();
    for what in ["family-contacts", "reference-profile", "sample-profile"] {
        assert!(
            entries.iter().any(|e| e["action"] == "read" && e["entity"] == what),
            "{label}: the read of {what} is audited"
        );
    }
    let audit = String::from_utf8_lossy(&audit);
    for (_, g) in str_profile().as_object().unwrap() {
        assert!(
            !audit.contains(g.as_str().unwrap()),
            "{label}: genotypes in the audit log"
        );
    }
    assert!(!audit.contains("123 4567"), "{label}: contacts in the audit log");
    let (st, v) = s.call("GET", "/api/v1/audit/verify", Some(Admin), None).await;
    assert_eq!((st, v["intact"].as_bool()), (200, Some(true)), "{label}: {v}");
}

/// The first `steps` steps of a case from the grave to the laboratory, without genotypes reaching
/// the family liaison; one test per step, so that a failure names the step that broke.
fn grave_to_laboratory(steps: usize) {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let mut g = grave_1_the_family(label, &s).await;
        if steps >= 2 {
            grave_2_the_recovery(label, &s, &mut g).await;
        }
        if steps >= 3 {
            grave_3_the_laboratory(label, &s, &mut g).await;
        }
        if steps >= 4 {
            grave_4_no_genotype_for_the_liaison(label, &s, &g).await;
        }
        if steps >= 5 {
            grave_5_consent_withdrawn(label, &s, &g).await;
        }
        if steps >= 6 {
            grave_6_the_audit_log(label, &s).await;
        }
    });
}

#[test]
fn grave_to_laboratory_1_the_liaison_records_the_family_its_contacts_and_pedigree() {
    grave_to_laboratory(1);
}

#[test]
fn grave_to_laboratory_2_the_planner_recovers_the_remains() {
    grave_to_laboratory(2);
}

#[test]
fn grave_to_laboratory_3_the_laboratory_types_the_sample_and_keeps_custody() {
    grave_to_laboratory(3);
}

#[test]
fn grave_to_laboratory_4_no_genotype_reaches_the_family_liaison() {
    grave_to_laboratory(4);
}

#[test]
fn grave_to_laboratory_5_withdrawn_consent_flags_identifications_and_erases_genotypes() {
    grave_to_laboratory(5);
}

#[test]
fn grave_to_laboratory_6_the_audit_log_records_the_sensitive_reads_and_is_intact() {
    grave_to_laboratory(6);
}

/// An identification proposed on the seeded records and confirmed by one reviewer so far.
struct Proposal {
    /// Its id, as the API gives it.
    id: Value,
    /// `/api/v1/identifications/{id}/reviews`.
    reviews: String,
    /// The token of a second reviewer.
    second_reviewer: String,
    /// The matching job whose stored candidate it rests on.
    job_id: i64,
}

async fn review_1_proposed_and_confirmed_once(label: &str, s: &Running) -> Proposal {
    seed_one_of_each(s).await;
    s.store
        .add_user("setup", "second-reviewer", Role::Reviewer, "a long enough password")
        .await
        .unwrap();
    let second_reviewer = s
        .store
        .create_token("setup", "second-reviewer", "api", None)
        .await
        .unwrap();
    // A second sample of the seeded remains, paired with the seeded missing member by a job (the
    // seeded sample has its identification already).
    let second_sample = created(
        s,
        "/api/v1/samples",
        Role::Admin,
        json!({ "external_id": "SM-2", "remains_id": 1, "lab": "ICMP Tuzla", "profile_kind": "STR", "profile": { "STR": str_profile() } }),
    )
    .await;
    let candidate = stored_candidate(s, second_sample["id"].as_i64().unwrap(), 1, 1, 1, 9.4).await;
    let job_id = s.store.get_candidate(candidate).await.unwrap().unwrap().job_id;
    let proposal = json!({ "candidate_id": candidate });
    let id = s
        .expect(
            label,
            201,
            "POST",
            "/api/v1/identifications",
            Role::LabAnalyst,
            Some(proposal),
        )
        .await;
    let reviews = format!("/api/v1/identifications/{}/reviews", id["id"]);
    let first = s
        .expect(label, 200, "POST", &reviews, Role::Reviewer, Some(confirmation()))
        .await;
    assert_eq!(first["status"].as_str(), Some("proposed"), "{label}: {first}");
    // The same reviewer again, a lab analyst and an admin are all refused.
    let (st, _) = s
        .call("POST", &reviews, Some(Role::Reviewer), Some(confirmation()))
        .await;
    assert_eq!(st, 403, "{label}: one reviewer cannot confirm twice");
    for role in [Role::LabAnalyst, Role::Admin] {
        let (st, _) = s.call("POST", &reviews, Some(role), Some(confirmation())).await;
        assert_eq!(st, 403, "{label}: {role} may not confirm");
    }
    Proposal {
        id: id["id"].clone(),
        reviews,
        second_reviewer,
        job_id,
    }
}

/// A reviewer's confirmation.
fn confirmation() -> Value {
    json!({ "decision": "confirm", "comment": "LR far above the threshold; pedigree checked" })
}

/// The person's status as the family liaison sees it.
async fn person_status(s: &Running, id: i64) -> Value {
    let (_, person) = s
        .call("GET", &format!("/api/v1/persons/{id}"), Some(Role::FamilyLiaison), None)
        .await;
    person["status"].clone()
}

async fn review_2_a_second_reviewer_confirms(label: &str, s: &Running, p: &Proposal) {
    let body = confirmation().to_string();
    let (st, _, body) = s
        .raw("POST", &p.reviews, &[bearer(&p.second_reviewer)], Some(body.as_bytes()))
        .await;
    let decided: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (st, decided["status"].as_str()),
        (200, Some("confirmed")),
        "{label}: {decided}"
    );
    assert_eq!(person_status(s, 1).await, "identified", "{label}");
    let path = format!("/api/v1/identifications/{}", p.id);
    let full = s.expect(label, 200, "GET", &path, Role::FamilyLiaison, None).await;
    assert_eq!(full["reviews"].as_array().map(Vec::len), Some(2), "{label}: {full}");
    assert_eq!(full["evidence"]["job_id"].as_i64(), Some(p.job_id));
    assert_eq!(
        full["evidence"]["log10_lr"].as_f64(),
        Some(9.4),
        "{label}: the stored figure"
    );
}

async fn review_3_the_family_is_told_and_the_remains_go_home(label: &str, s: &Running, p: &Proposal) {
    let notice = json!({ "family_id": 1, "identification_id": p.id, "channel": "visit", "note": "with the liaison" });
    let (st, _) = s
        .call(
            "POST",
            "/api/v1/notifications",
            Some(Role::Reviewer),
            Some(notice.clone()),
        )
        .await;
    assert_eq!(st, 403, "{label}: reviewers decide, liaisons tell the family");
    created(s, "/api/v1/notifications", Role::FamilyLiaison, notice).await;
    let list = s
        .expect(
            label,
            200,
            "GET",
            "/api/v1/notifications?family=1",
            Role::Reviewer,
            None,
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{label}: {list}");
    let handover = json!({ "identification_id": p.id, "handed_to": "the Yamada family", "place": "Maizuru", "handed_on": "2027-04" });
    let rep = created(s, "/api/v1/repatriations", Role::FamilyLiaison, handover).await;
    let path = format!("/api/v1/repatriations/{}", rep["id"]);
    s.expect(label, 200, "GET", &path, Role::MissionPlanner, None).await;
    assert_eq!(person_status(s, 1).await, "returned", "{label}");
    let (_, v) = s.call("GET", "/api/v1/audit/verify", Some(Role::Admin), None).await;
    assert_eq!(v["intact"].as_bool(), Some(true));
}

/// The first `steps` steps of an identification from proposal to repatriation; one test per step.
fn two_reviewers(steps: usize) {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let p = review_1_proposed_and_confirmed_once(label, &s).await;
        if steps >= 2 {
            review_2_a_second_reviewer_confirms(label, &s, &p).await;
        }
        if steps >= 3 {
            review_3_the_family_is_told_and_the_remains_go_home(label, &s, &p).await;
        }
    });
}

#[test]
fn two_reviewers_1_one_confirmation_leaves_it_proposed_and_nobody_else_may_confirm() {
    two_reviewers(1);
}

#[test]
fn two_reviewers_2_a_second_reviewer_confirms_and_the_person_is_identified() {
    two_reviewers(2);
}

#[test]
fn two_reviewers_3_the_family_is_told_and_the_person_is_returned() {
    two_reviewers(3);
}

/// Three small markers for matching jobs.
fn matching_config() -> ServerConfig {
    let marker = |name: &str| {
        let alleles = [("10", 0.2), ("11", 0.3), ("12", 0.4), ("13", 0.1)]
            .iter()
            .map(|&(a, p)| (a.to_owned(), p))
            .collect();
        kinship::Marker::without_mutation(name, alleles, kinship::Chromosome::Autosomal).unwrap()
    };
    ServerConfig {
        matching: Some(std::sync::Arc::new(jobs::MatchingSettings {
            markers: vec![marker("M1"), marker("M2"), marker("M3")],
            top: 5,
            min_log10_lr: 0.0,
            threads: 2,
            snp: None,
        })),
        ..ServerConfig::default()
    }
}

/// A family member as the family liaison records it.
async fn member(s: &Running, family: i64, body: Value) -> Value {
    created(
        s,
        &format!("/api/v1/families/{family}/members"),
        Role::FamilyLiaison,
        body,
    )
    .await
}

/// A family with a missing son, the father's reference, and two samples from one set of remains (the
/// son's and a stranger's); the family page's advice on whom to sample next.
async fn matching_1_the_family_and_its_advice(label: &str, s: &Running) {
    let lab = Role::LabAnalyst;
    let site = created(s, "/api/v1/sites", Role::Admin, site("S-9")).await;
    let person = created(s, "/api/v1/persons", Role::FamilyLiaison, person("P-9")).await;
    let family = created(s, "/api/v1/families", Role::FamilyLiaison, family("F-9")).await;
    let f = family["id"].as_i64().unwrap();
    let father = member(
        s,
        f,
        json!({ "display_name": "Ichiro", "sex": "male", "alive": true, "is_missing": false }),
    )
    .await;
    let mother = member(
        s,
        f,
        json!({ "display_name": "Hana", "sex": "female", "alive": false, "is_missing": false }),
    )
    .await;
    let parents = |mut child: Value| {
        child["father_member_id"] = father["id"].clone();
        child["mother_member_id"] = mother["id"].clone();
        child
    };
    member(
        s,
        f,
        parents(json!({ "display_name": "Taro", "sex": "male", "alive": false, "is_missing": true, "person_id": person["id"] })),
    )
    .await;
    created(
        s,
        "/api/v1/references",
        lab,
        json!({ "external_id": "R-9", "donor_member_id": father["id"], "kit": "test",
                "profile": { "str_profile": { "M1": "10/11", "M2": "12/12", "M3": "10/13" } },
                "consent": { "scope": "identification-only", "date": "2026-01" } }),
    )
    .await;
    let remains = created(
        s,
        "/api/v1/remains",
        lab,
        json!({ "external_id": "RM-9", "site_id": site["id"], "skeletal_element": "tooth" }),
    )
    .await;
    // The son carries one of his father's alleles at every marker; the stranger does not.
    for (id, profile) in [
        ("SM-son", json!({ "M1": "11/13", "M2": "12/10", "M3": "13/12" })),
        ("SM-stranger", json!({ "M1": "12/12", "M2": "11/13", "M3": "11/11" })),
    ] {
        created(
            s,
            "/api/v1/samples",
            lab,
            json!({ "external_id": id, "remains_id": remains["id"], "lab": "lab", "profile_kind": "STR", "profile": { "STR": profile } }),
        )
        .await;
    }
    // Who to sample next: the living brother of the missing son is the one candidate; the page
    // is for the family liaison, and shows no genotype.
    member(
        s,
        f,
        parents(json!({ "display_name": "Jiro", "sex": "male", "alive": true, "is_missing": false })),
    )
    .await;
    let html = advice_page(label, s, f).await;
    assert!(
        html.contains("Who to sample next") && html.contains("Jiro"),
        "{label}: {html}"
    );
    for genotype in ["10/11", "12/12", "10/13"] {
        assert!(!html.contains(genotype), "{label}: {genotype} on the advice page");
    }
    // The liaison caused no genotype read: the server's account read the father's profile, and
    // the entry names the liaison as the one who asked.
    let reads = advice_profile_reads(label, s).await;
    assert_eq!(reads.len(), 1, "{label}: one reference, read once: {reads:?}");
    // The advice is stored: asking again reads nothing and is answered at once.
    let (st, html) = s.page(&format!("/families/{f}/advice"), Role::FamilyLiaison).await;
    assert_eq!(st, 200, "{label}: {html}");
    assert!(
        html.contains("Jiro") && !html.contains("advice-computing"),
        "{label}: {html}"
    );
    assert_eq!(
        advice_profile_reads(label, s).await,
        reads,
        "{label}: the stored advice is reused"
    );
    let (st, _) = s.page(&format!("/families/{f}/advice"), Role::Viewer).await;
    assert_eq!(st, 403, "{label}: viewers see no family");
}

/// The liaison's advice page for family `f`, asked again (as the page's htmx poll does) until it
/// no longer says the advice is being computed.
async fn advice_page(label: &str, s: &Running, f: i64) -> String {
    let path = format!("/families/{f}/advice");
    for _ in 0..600 {
        let (st, html) = s.page(&path, Role::FamilyLiaison).await;
        assert_eq!(st, 200, "{label}: {html}");
        if !html.contains("advice-computing") {
            return html;
        }
        assert!(
            html.contains("hx-trigger=\"every 2s\""),
            "{label}: the page polls: {html}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{label}: the advice of family {f} was not computed within a minute");
}

/// Every audited read of genetic data: none is the liaison's; returns the reference ids the
/// server's advice account read, one per read, in the log's order.
async fn advice_profile_reads(label: &str, s: &Running) -> Vec<String> {
    let (st, _, audit) = s
        .raw("GET", "/api/v1/audit?limit=1000", &[s.auth(Role::Admin)], None)
        .await;
    assert_eq!(st, 200);
    let entries: Vec<Value> = serde_json::from_slice(&audit).unwrap();
    let liaison = format!("user-{}", Role::FamilyLiaison.as_str());
    let genetic = |e: &&Value| e["action"] == "read" && e["entity"].as_str().is_some_and(|x| x.contains("profile"));
    for e in entries.iter().filter(genetic) {
        assert_ne!(
            e["actor"],
            liaison.as_str(),
            "{label}: the liaison read a genotype: {e}"
        );
    }
    let mut reads: Vec<(i64, String)> = entries
        .iter()
        .filter(genetic)
        .filter(|e| e["actor"] == jobs::advice::ADVICE_ACTOR)
        .map(|e| {
            let detail: Value = serde_json::from_str(e["after"].as_str().unwrap_or("null")).unwrap();
            assert_eq!(detail["requested_by"], liaison.as_str(), "{label}: {e}");
            (e["seq"].as_i64().unwrap(), e["entity_id"].as_str().unwrap().to_owned())
        })
        .collect();
    reads.sort();
    reads.into_iter().map(|(_, id)| id).collect()
}

/// The stored advice follows its inputs: a new reference (the brother's) changes the fingerprint,
/// so the advice is computed again from both references and the brother is no longer a
/// candidate; withdrawing his consent changes it again and he is back.
async fn advice_follows_its_inputs(label: &str, s: &Running) {
    let families = s
        .expect(label, 200, "GET", "/api/v1/families", Role::FamilyLiaison, None)
        .await;
    let family = families
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["external_id"] == "F-9")
        .unwrap()
        .clone();
    let f = family["id"].as_i64().unwrap();
    let members = s
        .expect(
            label,
            200,
            "GET",
            &format!("/api/v1/families/{f}/members"),
            Role::FamilyLiaison,
            None,
        )
        .await;
    let jiro = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["display_name"] == "Jiro")
        .unwrap()["id"]
        .clone();
    let before = advice_profile_reads(label, s).await;
    let reference = created(
        s,
        "/api/v1/references",
        Role::LabAnalyst,
        json!({ "external_id": "R-9b", "donor_member_id": jiro, "kit": "test",
                "profile": { "str_profile": { "M1": "11/13", "M2": "12/10", "M3": "13/12" } },
                "consent": { "scope": "identification-only", "date": "2026-02" } }),
    )
    .await;
    let html = advice_page(label, s, f).await;
    assert!(html.contains("No living relative without a sample"), "{label}: {html}");
    let after = advice_profile_reads(label, s).await;
    assert_eq!(
        after.len(),
        before.len() + 2,
        "{label}: both references read again: {after:?}"
    );
    assert!(after.contains(&reference["id"].to_string()), "{label}: {after:?}");
    let withdraw = format!("/api/v1/references/{}/withdraw", reference["id"]);
    let body = json!({ "version": 1, "reason": "the donor's letter" });
    s.expect(label, 200, "POST", &withdraw, Role::LabAnalyst, Some(body))
        .await;
    let html = advice_page(label, s, f).await;
    assert!(
        html.contains("Jiro") && !html.contains("No living relative without a sample"),
        "{label}: {html}"
    );
    let last = advice_profile_reads(label, s).await;
    assert_eq!(
        last.len(),
        after.len() + 1,
        "{label}: only the father's reference stands: {last:?}"
    );
}

#[test]
fn advice_is_computed_by_the_server_and_follows_its_inputs() {
    on_every_backend(matching_config(), |label, s| async move {
        matching_1_the_family_and_its_advice(label, &s).await;
        advice_follows_its_inputs(label, &s).await;
    });
}

/// Starts a matching job and polls it to its end; returns the job as last seen.
async fn matching_2_the_job_runs_to_the_end(label: &str, s: &Running) -> Value {
    let job = s
        .expect(label, 202, "POST", "/api/v1/jobs", Role::LabAnalyst, None)
        .await;
    let path = format!("/api/v1/jobs/{}", job["id"]);
    let mut seen = Vec::new();
    let mut view = Value::Null;
    for _ in 0..300 {
        view = s.expect(label, 200, "GET", &path, Role::Reviewer, None).await;
        seen.push(view["status"].as_str().unwrap_or("?").to_owned());
        if view["status"] == "done" || view["status"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(view["status"].as_str(), Some("done"), "{label}: {view} after {seen:?}");
    assert_eq!(view["percent"].as_f64(), Some(100.0));
    assert_eq!(
        view["total"].as_i64(),
        Some(2),
        "{label}: two samples against one missing son"
    );
    view
}

async fn matching_3_the_son_is_the_best_candidate(label: &str, s: &Running, job: &Value) {
    let reviewer = Role::Reviewer;
    let path = format!("/api/v1/jobs/{}/candidates", job["id"]);
    let candidates = s.expect(label, 200, "GET", &path, reviewer, None).await;
    let best = &candidates[0];
    assert!(best["log10_lr"].as_f64().unwrap() > 0.0, "{label}: {candidates}");
    // The job's page lists the pairs best first; the candidate page weighs the son's sample
    // against the job's other sample for the same missing member.
    let (st, html) = s.page(&format!("/jobs/{}", job["id"]), reviewer).await;
    assert_eq!(st, 200, "{label}");
    let positions: Vec<usize> = candidates
        .as_array()
        .unwrap()
        .iter()
        .map(|c| html.find(&format!("#{}<", c["id"])).expect("every candidate listed"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{label}: best first");
    let (st, _) = s.page(&format!("/candidates/{}", best["id"]), reviewer).await;
    assert_eq!(st, 200, "{label}");
    let same = s
        .expect(
            label,
            200,
            "GET",
            &format!("/api/v1/candidates?job={}", job["id"]),
            reviewer,
            None,
        )
        .await;
    assert_eq!(same, candidates, "{label}: the candidates resource");
    assert_eq!(
        best["evidence"].as_array().map(Vec::len),
        Some(3),
        "{label}: one term per marker"
    );
    let (_, son) = s
        .call("GET", "/api/v1/samples?remains=1", Some(Role::LabAnalyst), None)
        .await;
    let son_id = son
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["external_id"] == "SM-son")
        .unwrap()["id"]
        .clone();
    assert_eq!(best["sample_id"], son_id, "{label}: the son's sample comes first");
    assert!(
        candidates.as_array().unwrap().iter().all(|c| c["sample_id"] == son_id),
        "{label}: the stranger is excluded at M1: {candidates}"
    );
    // A liaison may not start jobs or read candidates.
    let (st, _) = s.call("POST", "/api/v1/jobs", Some(Role::FamilyLiaison), None).await;
    assert_eq!(st, 403);
}

/// The first `steps` steps of a matching run from the family to its candidates; one test per step.
fn matching(steps: usize) {
    on_every_backend(matching_config(), |label, s| async move {
        matching_1_the_family_and_its_advice(label, &s).await;
        if steps >= 2 {
            let job = matching_2_the_job_runs_to_the_end(label, &s).await;
            if steps >= 3 {
                matching_3_the_son_is_the_best_candidate(label, &s, &job).await;
            }
            if steps >= 4 {
                let path = format!("/api/v1/jobs/{}/candidates", job["id"]);
                let candidates = s.expect(label, 200, "GET", &path, Role::Reviewer, None).await;
                proposals_rest_on_the_stored_candidate_and_reproduce(label, &s, &candidates[0]).await;
            }
        }
    });
}

/// The analyst names the job's best candidate; the server derives the evidence, refuses evidence
/// in the body and citations that do not exist, naming the field (422), and recomputes the LR.
async fn proposals_rest_on_the_stored_candidate_and_reproduce(label: &str, s: &Running, best: &Value) {
    let lab = Some(Role::LabAnalyst);
    let fabricated = [
        (json!({ "candidate_id": best["id"], "lr": 1e300 }), "lr"),
        (json!({ "candidate_id": best["id"], "posterior": 1.0 }), "posterior"),
        (
            json!({ "person_id": 1, "reference_ids": [1], "evidence": { "lr": 1e300, "posterior": 1.0 } }),
            "evidence",
        ),
        (json!({ "candidate_id": 99_999 }), "candidate_id"),
    ];
    for (body, field) in fabricated {
        let (st, e) = s.call("POST", "/api/v1/identifications", lab, Some(body.clone())).await;
        assert_eq!((st, e["field"].as_str()), (422, Some(field)), "{label}: {body}: {e}");
    }
    assert!(
        s.store.list_identifications().await.unwrap().is_empty(),
        "{label}: nothing written"
    );
    let (st, proposed) = s
        .call(
            "POST",
            "/api/v1/identifications",
            lab,
            Some(json!({ "candidate_id": best["id"] })),
        )
        .await;
    assert_eq!(st, 201, "{label}: {proposed}");
    let path = format!("/api/v1/identifications/{}", proposed["id"]);
    let (_, full) = s.call("GET", &path, Some(Role::Reviewer), None).await;
    let evidence = &full["evidence"];
    assert_eq!(evidence["candidate_id"], best["id"], "{label}: {full}");
    assert_eq!(
        evidence["log10_lr"], best["log10_lr"],
        "{label}: the job's figure, not the client's"
    );
    let posterior = s.store.candidate_posterior(best["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(evidence["posterior"].as_f64(), Some(posterior), "{label}");
    let (st, again) = s
        .call(
            "POST",
            "/api/v1/identifications",
            lab,
            Some(json!({ "candidate_id": best["id"] })),
        )
        .await;
    assert_eq!(st, 403, "{label}: the same pairing twice: {again}");

    let (st, verified) = s
        .call("GET", &format!("{path}/verify"), Some(Role::Reviewer), None)
        .await;
    assert_eq!(st, 200, "{label}: {verified}");
    assert_eq!(verified["reproduced"], true, "{label}: {verified}");
    assert_eq!(
        verified["relative_difference"].as_f64(),
        Some(0.0),
        "{label}: {verified}"
    );
    assert_eq!(verified["recomputed_log10_lr"], best["log10_lr"], "{label}");
    let (st, _) = s
        .call("GET", &format!("{path}/verify"), Some(Role::FamilyLiaison), None)
        .await;
    assert_eq!(st, 403, "{label}: recomputing reads genotypes");

    // On documentary grounds: its own kind, the documents cited, no LR; nothing to recompute.
    let sample = s
        .store
        .get_sample(best["sample_id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    let documentary = json!({ "person_id": proposed["person_id"], "grounds": {
        "kind": "dental", "remains_id": sample.remains_id,
        "documents": ["Army dental chart, 1943"], "summary": "Two gold crowns as charted" } });
    let (st, _) = s
        .call(
            "POST",
            "/api/v1/identifications/documentary",
            lab,
            Some(documentary.clone()),
        )
        .await;
    assert_eq!(st, 201, "{label}: another kind for the same person");
    let (st, again) = s
        .call("POST", "/api/v1/identifications/documentary", lab, Some(documentary))
        .await;
    assert_eq!(st, 403, "{label}: {again}");
    let all = s.store.list_identifications().await.unwrap();
    let id = all.last().unwrap().id;
    let path = format!("/api/v1/identifications/{id}");
    let (_, full) = s.call("GET", &path, Some(Role::Reviewer), None).await;
    assert_eq!(full["grounds"]["kind"], "dental", "{label}: {full}");
    assert!(full["evidence"].is_null(), "{label}: no LR: {full}");
    let (st, _) = s
        .call("GET", &format!("{path}/verify"), Some(Role::Reviewer), None)
        .await;
    assert_eq!(st, 403, "{label}: no LR to recompute");
}

/// `matching_config` with the SNP profiles of panel TEST (calls, 1% genotyping error).
fn snp_matching_config() -> ServerConfig {
    let mut config = matching_config();
    if let Some(settings) = config.matching.take() {
        config.matching = Some(std::sync::Arc::new(jobs::MatchingSettings {
            snp: Some(jobs::snp::SnpSettings {
                panel: "TEST".into(),
                population: None,
                genotype_error: 0.01,
                map: kinship::MapFunction::Haldane,
                sex_averaged_map: false,
            }),
            ..(*settings).clone()
        }));
    }
    config
}

/// Twenty SNPs on two chromosomes, 4 cM apart, and a VCF file typing the father's reference R-9
/// and the two samples: the son carries one of his father's alleles at every SNP.
fn snp_files() -> (String, String) {
    let mut panel = String::from("marker\tchrom\tpos_bp\tcm\tref\talt\tfreq_alt\n");
    let mut vcf = String::from(
        "##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tR-9\tSM-son\tSM-stranger\n",
    );
    let gt = ["0/0", "0/1", "1/1"];
    for i in 0..20usize {
        let (chrom, k) = (1 + i / 10, i % 10);
        let pos = 1000 + 60_000 * k;
        panel.push_str(&format!(
            "rs{i}\t{chrom}\t{pos}\t{}\tC\tT\t{}\n",
            4 * k,
            0.2 + 0.03 * i as f64
        ));
        let father = i * 7 % 3;
        let son = match father {
            0 => i % 2,
            2 => 1 + i % 2,
            _ => i % 3,
        };
        vcf.push_str(&format!(
            "chr{chrom}\t{pos}\trs{i}\tC\tT\t.\tPASS\t.\tGT\t{}\t{}\t{}\n",
            gt[father],
            gt[son],
            gt[i * 5 % 3]
        ));
    }
    (panel, vcf)
}

#[test]
fn matching_with_snps_the_candidate_page_shows_each_chromosome_and_the_karyogram() {
    on_every_backend(snp_matching_config(), |label, s| async move {
        matching_1_the_family_and_its_advice(label, &s).await;
        let (panel, vcf) = snp_files();
        use casework::import::vcf::{SnpPanelImport, VcfImport};
        let kept = casework::import::run(
            &SnpPanelImport { name: "TEST".into() },
            &s.store,
            "panel.tsv",
            &panel,
            "lab",
        )
        .await
        .unwrap();
        assert_eq!(kept.snps, 20, "{label}");
        let vcf_import = VcfImport {
            panel: "TEST".into(),
            sequencing_error: None,
        };
        let written = casework::import::run(&vcf_import, &s.store, "snps.vcf", &vcf, "lab")
            .await
            .unwrap();
        assert_eq!((written.written, written.unchanged), (3, 0), "{label}");
        let bad = vcf.replace("\trs3\t", "\trs99\t");
        let e = casework::import::run(&vcf_import, &s.store, "snps.vcf", &bad, "lab")
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("snps.vcf: line 7, field 'ID': marker 'rs99' is not in the panel"),
            "{label}: {e}"
        );

        let job = s
            .expect(label, 202, "POST", "/api/v1/jobs", Role::LabAnalyst, None)
            .await;
        let path = format!("/api/v1/jobs/{}", job["id"]);
        let mut view = Value::Null;
        for _ in 0..300 {
            view = s.expect(label, 200, "GET", &path, Role::Reviewer, None).await;
            if view["status"] == "done" || view["status"] == "failed" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(view["status"].as_str(), Some("done"), "{label}: {view}");
        let candidates = s
            .expect(label, 200, "GET", &format!("{path}/candidates"), Role::Reviewer, None)
            .await;
        let best = &candidates[0];
        let snp = &best["snp_evidence"];
        assert_eq!(snp["panel"], "TEST", "{label}: {best}");
        let chromosome_sum: f64 = snp["chromosomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["log10_lr"].as_f64().unwrap())
            .sum();
        let marker_sum: f64 = best["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["log10_lr"].as_f64().unwrap())
            .sum();
        assert!(
            (best["log10_lr"].as_f64().unwrap() - marker_sum - chromosome_sum).abs() < 1e-9,
            "{label}: the LR is the STR LR times the SNP LR: {best}"
        );
        let page = format!("/candidates/{}", best["id"]);
        let (st, html) = s.page(&page, Role::LabAnalyst).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            html.contains(r#"class="snp-evidence" data-panel="TEST""#),
            "{label}: {html}"
        );
        assert!(html.contains("All chromosomes"), "{label}");
        assert!(
            html.contains(r#"<svg class="ibd""#) && html.contains("data-ibd="),
            "{label}: the karyogram"
        );
        let audit = s.store.audit_entries(0, 100_000).await.unwrap();
        assert!(
            audit.iter().any(|e| e.action == "read"
                && e.entity == "profiles"
                && e.after.as_deref().is_some_and(|a| a.contains("karyogram"))),
            "{label}: the karyogram's read of genotypes is audited"
        );
        // The reviewer who weighs it sees the same.
        let (st, html) = s.page(&page, Role::Reviewer).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            html.contains("snp-evidence") && html.contains(r#"<svg class="ibd""#),
            "{label}"
        );
    });
}

#[test]
fn a_job_runs_under_the_settings_its_starter_chose_and_records_them() {
    on_every_backend(snp_matching_config(), |label, s| async move {
        let lab = Role::LabAnalyst;
        // API: a threshold and STRs only (the server's SNP panel set aside); the model says so.
        let body = json!({ "min_log10_lr": 2.5, "top": 3, "snp_panel": "" });
        let job = s.expect(label, 202, "POST", "/api/v1/jobs", lab, Some(body)).await;
        let id = job["id"].as_i64().unwrap();
        let mut model = None;
        for _ in 0..200 {
            model = s.store.job_model(id).await.unwrap();
            if model.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let record: Value = serde_json::from_str(&model.expect("the model is recorded").json).unwrap();
        assert_eq!(
            (record["min_log10_lr"].as_f64(), record["top"].as_u64()),
            (Some(2.5), Some(3)),
            "{label}"
        );
        assert!(record.get("snp").is_none(), "{label}: STRs only: {record}");
        // Options that cannot be are refused naming the field, and start nothing.
        let jobs_before = s.store.list_jobs(100).await.unwrap().len();
        for (body, field) in [
            (json!({ "top": 0 }), "top"),
            (json!({ "snp_panel": "NONE" }), "snp_panel"),
            (
                json!({ "snp_panel": "", "snp_genotype_error": 0.01 }),
                "snp_genotype_error",
            ),
            (json!({ "min_log10_lr": 1e9 }), "min_log10_lr"),
        ] {
            let e = s.expect(label, 400, "POST", "/api/v1/jobs", lab, Some(body)).await;
            assert_eq!(e["field"], field, "{label}: {e}");
        }
        let (st, _) = s
            .call("POST", "/api/v1/jobs", Some(lab), Some(json!({ "speed": 1 })))
            .await;
        assert_eq!(st, 400, "{label}: unknown options are refused");
        assert_eq!(s.store.list_jobs(100).await.unwrap().len(), jobs_before, "{label}");
        // The page: the form shows the server's settings; a bad value comes back beside its input.
        let (st, html) = s.page("/jobs", lab).await;
        assert_eq!(st, 200, "{label}");
        assert!(html.contains(r#"id="job-top""#), "{label}");
        assert!(
            html.contains(r#"<option value="TEST" selected>"#),
            "{label}: the server's SNP panel chosen"
        );
        let (st, _, html) = s
            .form("/jobs", lab, &[("min_log10_lr", "x"), ("top", "5"), ("snp_panel", "")])
            .await;
        assert_eq!(st, 400, "{label}");
        assert!(
            message_beside(&html, "min_log10_lr").contains("not a number"),
            "{label}"
        );
        assert_eq!(s.store.list_jobs(100).await.unwrap().len(), jobs_before, "{label}");
        let (st, location, _) = s
            .form("/jobs", lab, &[("min_log10_lr", "1"), ("top", "5"), ("snp_panel", "")])
            .await;
        assert_eq!(st, 303, "{label}: started");
        assert!(location.starts_with("/jobs/"), "{label}: {location}");
    });
}

#[test]
fn matching_1_the_family_liaison_is_advised_whom_to_sample_without_genotypes() {
    matching(1);
}

#[test]
fn matching_2_a_job_reports_progress_to_the_end() {
    matching(2);
}

#[test]
fn matching_3_the_job_finds_the_missing_son() {
    matching(3);
}

#[test]
fn matching_4_an_identification_rests_on_the_stored_candidate_and_reproduces() {
    matching(4);
}

/// A family's request to visit a site, recorded and listed.
struct VisitCase {
    family: Value,
    near: Value,
}

async fn visits_1_a_family_asks_and_planners_see_it(label: &str, s: &Running) -> VisitCase {
    let near = created(s, "/api/v1/sites", Role::Admin, site(&unique("VS"))).await;
    let family = created(s, "/api/v1/families", Role::FamilyLiaison, family(&unique("VF"))).await;
    let request = json!({
        "family_id": family["id"], "site_id": near["id"], "visitors": 3, "mobility": "limited",
        "notes": "the eldest uses a cane"
    });
    let requests = "/api/v1/visit-requests";
    let (st, _) = s
        .call("POST", requests, Some(Role::Viewer), Some(request.clone()))
        .await;
    assert_eq!(st, 403, "{label}");
    let liaison = Role::FamilyLiaison;
    s.expect(label, 400, "POST", requests, liaison, Some(json!({"visitors": 2})))
        .await;
    let mut flying = request.clone();
    flying["mobility"] = json!("flying");
    s.expect(label, 400, "POST", requests, liaison, Some(flying)).await;
    let made = created(s, requests, liaison, request).await;
    assert_eq!(made["mobility"], "limited");
    let path = format!("/api/v1/visit-requests?site={}", near["id"]);
    let list = s.expect(label, 200, "GET", &path, Role::MissionPlanner, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{label}: {list}");
    assert_eq!(list[0]["visitors"], 3);
    let (st, _) = s.call("GET", &path, Some(Role::LabAnalyst), None).await;
    assert_eq!(st, 403, "{label}");
    VisitCase { family, near }
}

/// A second site 60 km away, a request for it, and a grave visit to both: planned in days.
/// Returns the mission.
async fn visits_2_the_planner_plans_the_days(label: &str, s: &Running, case: &VisitCase) -> Value {
    let mut far = site(&unique("VS2"));
    far["coordinates"] = json!({ "lat": 41.6, "lon": 129.7 });
    let far = created(s, "/api/v1/sites", Role::Admin, far).await;
    let request = json!({
        "family_id": case.family["id"], "site_id": far["id"], "visitors": 1, "mobility": "wheelchair"
    });
    created(s, "/api/v1/visit-requests", Role::FamilyLiaison, request).await;
    let mut ids = [case.near["id"].as_i64().unwrap(), far["id"].as_i64().unwrap()];
    ids.sort_unstable();
    let mut visit = mission("Families' visit", ids[0]);
    visit["kind"] = json!("grave-visit");
    visit["site_ids"] = json!(ids);
    visit["start"] = json!("2027-06-14");
    visit["end"] = json!("2027-06-16");
    let planner = Role::MissionPlanner;
    let m = created(s, "/api/v1/missions", planner, visit).await;
    let path = format!("/api/v1/missions/{}/itinerary", m["id"]);
    let (st, _) = s.call("GET", &path, Some(planner), None).await;
    assert_eq!(st, 404, "{label}: nothing planned yet");
    let options = json!({ "base": { "label": "Chongjin hotel", "lat": 41.79, "lon": 129.78 } });
    let (st, _) = s
        .call("POST", &path, Some(Role::FamilyLiaison), Some(options.clone()))
        .await;
    assert_eq!(st, 403, "{label}: liaisons ask, planners plan");
    let off_the_globe = json!({ "base": { "label": "x", "lat": 95.0, "lon": 0.0 } });
    s.expect(label, 400, "POST", &path, planner, Some(off_the_globe)).await;
    let planned = s
        .expect(label, 200, "POST", &path, planner, Some(options.clone()))
        .await;
    assert_eq!(planned["version"], 1);
    let plan = &planned["plan"];
    assert_eq!(plan["days_available"], 3, "{label}: 14 to 16 June");
    assert!(plan["unplanned"].as_array().unwrap().is_empty(), "{label}: {plan}");
    let visited = plan.to_string();
    for id in ids {
        assert!(visited.contains(&format!("\"{id}\"")), "{label}: site {id} in {plan}");
    }
    let (st, _) = s.call("POST", &path, Some(planner), Some(options)).await;
    assert_eq!(st, 409, "{label}: re-planning names the version it replaces");
    let stored = s.expect(label, 200, "GET", &path, Role::Reviewer, None).await;
    assert_eq!(&stored["plan"], plan, "{label}");
    m
}

async fn visits_3_the_mission_page_shows_the_days(label: &str, s: &Running, mission: &Value) {
    let (st, html) = s
        .page(&format!("/missions/{}", mission["id"]), Role::MissionPlanner)
        .await;
    assert_eq!(st, 200, "{label}: {html}");
    assert!(
        html.contains("Itinerary by day") && html.contains("Day 1 — 2027-06-14"),
        "{label}: {html}"
    );
    assert!(html.contains("Chongjin hotel"), "{label}");
}

/// The first `steps` steps from a family's visit request to the planned mission's page; one test
/// per step.
fn grave_visits(steps: usize) {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let case = visits_1_a_family_asks_and_planners_see_it(label, &s).await;
        if steps >= 2 {
            let mission = visits_2_the_planner_plans_the_days(label, &s, &case).await;
            if steps >= 3 {
                visits_3_the_mission_page_shows_the_days(label, &s, &mission).await;
            }
        }
    });
}

#[test]
fn grave_visits_1_families_ask_to_visit_graves_and_planners_see_the_requests() {
    grave_visits(1);
}

#[test]
fn grave_visits_2_the_planner_plans_the_mission_in_days_by_version() {
    grave_visits(2);
}

#[test]
fn grave_visits_3_the_mission_page_shows_the_plan_day_by_day() {
    grave_visits(3);
}

/// The CSRF token the pages give a signed-in caller (read from the dashboard, as a browser would).
async fn csrf_of(s: &Running, token: &str) -> String {
    let (st, _, body) = s.raw("GET", "/", &[bearer(token)], None).await;
    assert_eq!(st, 200);
    let html = String::from_utf8(body).unwrap();
    let at = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_owned()
}

#[test]
fn every_page_checks_every_role_before_its_handler() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        for r in PAGES {
            let path = r.path.replace("{id}", "1").replace("{*file}", "htmx-2.0.11.min.js");
            let (st, head, _) = s.raw(r.method, &path, &[], None).await;
            if r.public {
                assert!(
                    st < 400 || st == 415 || st == 422,
                    "{label}: {} {path} is public: {st}",
                    r.method
                );
            } else {
                assert_eq!(
                    st, 303,
                    "{label}: {} {path} without a session goes to sign in",
                    r.method
                );
                assert_eq!(header(&head, "location"), "/signin", "{head:?}");
            }
            if r.public {
                continue;
            }
            for role in Role::ALL {
                // Signing out revokes the token it is called with: use a throwaway one.
                let token = if r.path == "/signout" {
                    s.store
                        .create_token("test", &format!("user-{role}"), "api", None)
                        .await
                        .unwrap()
                } else {
                    s.token(role).to_owned()
                };
                let csrf = csrf_of(&s, &token).await;
                let auth = [bearer(&token), ("x-csrf-token", csrf)];
                let (st, _, body) = s.raw(r.method, &path, &auth, None).await;
                let body = String::from_utf8_lossy(&body);
                answers_as_declared(label, r, &path, role, st, &body);
            }
        }
    });
}

#[test]
fn a_form_post_without_the_csrf_token_is_refused() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let auth = [s.auth(Role::Admin)];
        let (st, _, _) = s.raw("POST", "/settings/locale", &auth, None).await;
        assert_eq!(st, 403, "{label}: no token");
        let wrong = [auth[0].clone(), ("x-csrf-token", "0".repeat(64))];
        let (st, _, _) = s.raw("POST", "/settings/locale", &wrong, None).await;
        assert_eq!(st, 403, "{label}: a wrong token");
        let csrf = csrf_of(&s, s.token(Role::Admin)).await;
        let right = [auth[0].clone(), ("x-csrf-token", csrf)];
        let (st, _, _) = s.raw("POST", "/settings/locale", &right, None).await;
        assert_ne!(
            st, 403,
            "{label}: the right token passes (the empty form is then refused)"
        );
    });
}

/// What a page holds that a Content-Security-Policy without `'unsafe-inline'` refuses: a
/// `<script>` with code (one with `src` must be empty; a `type="application/json"` data block is
/// not run), a `<style>` block, a `style` attribute, an `on…=` handler, a `javascript:` URL. Each
/// finding is the tag, for the failure message. Attribute values are escaped (maud), so a tag
/// ends at the first `>`.
fn inline_code(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = lower[at..].find('<').map(|i| at + i) {
        let Some(close) = lower[open..].find('>').map(|i| open + i) else {
            break;
        };
        at = close + 1;
        let tag = &lower[open + 1..close];
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if name.is_empty() {
            continue; // a closing tag, a comment, the doctype
        }
        let whole = || html[open..=close].chars().take(160).collect::<String>();
        let attributes = attributes(&tag[name.len()..]);
        for (attr, value) in &attributes {
            if attr.starts_with("on") || attr == "style" || value.trim_start().starts_with("javascript:") {
                found.push(whole());
            }
        }
        match name.as_str() {
            "style" => found.push(whole()),
            "script" => {
                let end = lower[at..].find("</script").map_or(lower.len(), |i| at + i);
                let body = &html[at..end];
                let src = attributes.iter().any(|(a, _)| a == "src");
                let data = attributes
                    .iter()
                    .any(|(a, v)| a == "type" && v.trim() == "application/json");
                if (src && !body.trim().is_empty()) || (!src && !data) {
                    found.push(format!("{}{}", whole(), body.chars().take(80).collect::<String>()));
                }
                at = end;
            }
            _ => {}
        }
    }
    found
}

/// A tag's attributes after its name, as (name, value) pairs; quoted and bare values alike.
fn attributes(mut rest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return out;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_owned();
        rest = rest[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(q).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = v.to_owned();
            rest = remaining;
        }
        out.push((name, value));
    }
}

#[test]
fn inline_code_finds_what_the_policy_would_refuse() {
    let bad = r#"<p style="color:red" onclick="go()"><a href=" javascript:x()">a</a><script>alert(1)</script><style>p{}</style><script src="/a.js">x()</script><button onmouseover='y'>"#;
    assert_eq!(inline_code(bad).len(), 7, "{:#?}", inline_code(bad));
    let good = r#"<p class="on" data-style="x" title="onclick=no"><script src="/a.js" defer></script><script type="application/json" id="d">{"a":"\u003c/script>"}</script><a href="/javascript:">j</a><svg viewBox="0 0 2 2"><circle r="1"/></svg>"#;
    assert_eq!(inline_code(good), Vec::<String>::new());
}

/// Issue 18, item 1: every page (each role, the public sign-in, an error page, the htmx fragments)
/// is served with a Content-Security-Policy that allows no inline script or style, and holds none.
#[test]
fn no_page_holds_inline_script_or_style_and_the_policy_forbids_them() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let mut paths: Vec<(String, Option<Role>)> = vec![
            ("/signin".into(), None),
            ("/signin?lang=ja".into(), None),
            ("/sites/999999".into(), Some(Role::Admin)),
        ];
        for role in Role::ALL {
            for r in PAGES.iter().filter(|r| r.method == "GET" && !r.public) {
                paths.push((r.path.replace("{id}", "1"), Some(role)));
            }
        }
        let mut html_pages = 0;
        for (path, role) in &paths {
            let auth: Vec<Header> = role.map(|r| s.auth(r)).into_iter().collect();
            let (st, headers, body) = s.raw("GET", path, &auth, None).await;
            let csp = header(&headers, "content-security-policy");
            assert!(
                csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
                "{label}: {path} as {role:?} ({st}): {csp:?}"
            );
            assert!(
                !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
                "{label}: {path}: {csp}"
            );
            if !header(&headers, "content-type").starts_with("text/html") {
                continue;
            }
            html_pages += 1;
            let html = String::from_utf8_lossy(&body);
            let found = inline_code(&html);
            assert!(found.is_empty(), "{label}: {path} as {role:?} ({st}): {found:#?}");
        }
        assert!(html_pages > 100, "{label}: only {html_pages} HTML pages walked");
        // The pages that need script the most are among them, with their scripts as files.
        let (_, map) = s.page("/map", Role::Admin).await;
        assert!(
            map.contains(r#"id="site-data""#) && map.contains("/assets/homeward-map-"),
            "{label}"
        );
        let (_, report) = s.page("/families/1/report", Role::Admin).await;
        assert!(report.contains(r#"data-action="print""#), "{label}: the print button");
    });
}

#[test]
fn a_family_liaison_page_never_holds_a_genotype() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let auth = [s.auth(Role::FamilyLiaison)];
        for r in PAGES.iter().filter(|r| r.method == "GET" && !r.public) {
            let path = r.path.replace("{id}", "1");
            let (_, _, body) = s.raw("GET", &path, &auth, None).await;
            let html = String::from_utf8_lossy(&body);
            for g in profile_strings() {
                assert!(!html.contains(&g), "{label}: {path} holds {g}");
            }
        }
    });
}

/// A reviewer's queue: identifications awaiting their decision, never their own proposals nor one
/// they decided; blind to the other reviewer's decision (queue, API and page) until both decided.
#[test]
fn a_reviewers_queue_excludes_own_proposals_and_hides_the_other_decision() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        s.store
            .add_user("setup", "second-reviewer", Role::Reviewer, "a long enough password")
            .await
            .unwrap();
        let second = s
            .store
            .create_token("setup", "second-reviewer", "api", None)
            .await
            .unwrap();
        let as_second = |path: String| {
            let (s, second) = (&s, &second);
            async move {
                let (st, headers, body) = s.raw("GET", &path, &[bearer(second)], None).await;
                assert_eq!(st, 200, "{path}");
                (headers, body)
            }
        };
        let queue_ids = |v: &Value| -> Vec<i64> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
                .collect()
        };
        // A second sample, proposed by the second reviewer (as the registry lets a test do).
        let sample = created(
            &s,
            "/api/v1/samples",
            Role::Admin,
            json!({ "external_id": "SM-2", "remains_id": 1, "lab": "ICMP Tuzla", "profile_kind": "STR", "profile": { "STR": str_profile() } }),
        )
        .await;
        let candidate = stored_candidate(&s, sample["id"].as_i64().unwrap(), 1, 1, 1, 7.0).await;
        let own = s
            .store
            .propose_from_candidate("second-reviewer", candidate)
            .await
            .unwrap();
        let mine = s
            .expect(label, 200, "GET", "/api/v1/queues/review", Role::Reviewer, None)
            .await;
        assert_eq!(
            (queue_ids(&mine), mine["total"].as_i64()),
            (vec![1, own.id], Some(2)),
            "{label}: {mine}"
        );
        let (_, body) = as_second("/api/v1/queues/review".into()).await;
        let theirs: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(queue_ids(&theirs), [1], "{label}: never their own proposal");
        let filtered = s
            .expect(
                label,
                200,
                "GET",
                "/api/v1/queues/review?min_lr=8&sort=lr-asc",
                Role::Reviewer,
                None,
            )
            .await;
        assert_eq!(queue_ids(&filtered), [1], "{label}: LR 10^9 only");
        let (st, bad) = s
            .call("GET", "/api/v1/queues/review?min_lr=high", Some(Role::Reviewer), None)
            .await;
        assert_eq!((st, bad["field"].as_str()), (400, Some("min_lr")), "{label}: {bad}");

        // The first reviewer confirms: gone from their queue; the second sees nothing of it.
        let comment = "first reviewer: pedigree and markers checked";
        let review = json!({ "decision": "confirm", "comment": comment });
        s.expect(
            label,
            200,
            "POST",
            "/api/v1/identifications/1/reviews",
            Role::Reviewer,
            Some(review),
        )
        .await;
        let mine = s
            .expect(label, 200, "GET", "/api/v1/queues/review", Role::Reviewer, None)
            .await;
        assert_eq!(queue_ids(&mine), [own.id], "{label}: decided, so gone");
        let (_, body) = as_second("/api/v1/queues/review".into()).await;
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("\"id\":1") && !text.contains("confirm") && !text.contains(comment),
            "{label}: {text}"
        );
        let (_, body) = as_second("/api/v1/identifications/1".into()).await;
        let seen: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(seen["reviews"], json!([]), "{label}: blind: {seen}");
        let candidate_page = format!("/candidates/{}", seen["evidence"]["candidate_id"]);
        let (_, page) = as_second(candidate_page.clone()).await;
        let page = String::from_utf8_lossy(&page);
        assert!(
            page.contains("review-form") && !page.contains(comment),
            "{label}: the page is blind too"
        );
        // The family page lists the identification's reviewers: blind as well.
        let (_, family_page) = as_second("/families/1".into()).await;
        let family_page = String::from_utf8_lossy(&family_page);
        assert!(
            family_page.contains(r#"data-status="proposed""#) && !family_page.contains("user-reviewer ("),
            "{label}: the family page is blind too: {family_page}"
        );
        let (_, dashboard) = as_second("/".into()).await;
        let dashboard = String::from_utf8_lossy(&dashboard);
        assert!(dashboard.contains(r#"data-queue="/queues/review""#), "{label}");
        assert!(
            dashboard.contains(r#"data-identification="1""#),
            "{label}: one click to the decision"
        );
        let liaison = s
            .expect(
                label,
                200,
                "GET",
                "/api/v1/identifications/1",
                Role::FamilyLiaison,
                None,
            )
            .await;
        assert_eq!(
            liaison["reviews"].as_array().map(Vec::len),
            Some(1),
            "{label}: only reviewers are blind"
        );

        // The second decides: now both see both.
        let body = confirmation().to_string();
        let (st, _, _) = s
            .raw(
                "POST",
                "/api/v1/identifications/1/reviews",
                &[bearer(&second)],
                Some(body.as_bytes()),
            )
            .await;
        assert_eq!(st, 200, "{label}");
        let (_, body) = as_second("/api/v1/identifications/1".into()).await;
        let seen: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            seen["reviews"].as_array().map(Vec::len),
            Some(2),
            "{label}: decided: {seen}"
        );
        let (_, page) = as_second(candidate_page).await;
        assert!(String::from_utf8_lossy(&page).contains(comment), "{label}");
    });
}

/// `GET /api/v1/samples` without a filter pages through every sample, the number in all in
/// `X-Total-Count`; `?remains=` still lists one remains' samples.
#[test]
fn the_api_pages_through_all_samples() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        for i in 2..=3 {
            created(
                &s,
                "/api/v1/samples",
                Role::Admin,
                json!({ "external_id": format!("SM-{i}"), "remains_id": 1, "lab": "ICMP Tuzla", "profile_kind": "STR" }),
            )
            .await;
        }
        let get = |path: &'static str| {
            let s = &s;
            async move {
                let (st, headers, body) = s.raw("GET", path, &[s.auth(Role::LabAnalyst)], None).await;
                let ids: Vec<i64> = serde_json::from_slice::<Value>(&body)
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["id"].as_i64().unwrap())
                    .collect();
                (st, header(&headers, "x-total-count").to_owned(), ids)
            }
        };
        assert_eq!(
            get("/api/v1/samples").await,
            (200, "3".into(), vec![1, 2, 3]),
            "{label}"
        );
        assert_eq!(
            get("/api/v1/samples?limit=2").await,
            (200, "3".into(), vec![1, 2]),
            "{label}"
        );
        assert_eq!(
            get("/api/v1/samples?limit=2&offset=2").await,
            (200, "3".into(), vec![3]),
            "{label}"
        );
        assert_eq!(
            get("/api/v1/samples?typed=false&sort=newest").await,
            (200, "2".into(), vec![3, 2]),
            "{label}"
        );
        assert_eq!(
            get("/api/v1/samples?remains=1").await,
            (200, "3".into(), vec![1, 2, 3]),
            "{label}"
        );
        let (st, _, _) = s
            .raw("GET", "/api/v1/samples?limit=many", &[s.auth(Role::LabAnalyst)], None)
            .await;
        assert_eq!(st, 400, "{label}");
        let (st, page) = s.page("/samples?typed=false", Role::LabAnalyst).await;
        assert!(
            st == 200 && page.contains(r#"data-total="2""#),
            "{label}: the page counts too"
        );
    });
}

// ---- the forms that write records ----

impl Running {
    /// A form post as `role` with the session's CSRF token, as a browser sends it: status, the
    /// `Location` of a redirect and the page.
    async fn form(&self, path: &str, role: Role, fields: &[(&str, &str)]) -> (u16, String, String) {
        let csrf = csrf_of(self, self.token(role)).await;
        let mut pairs = fields.to_vec();
        pairs.push(("csrf", &csrf));
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("Bearer {}", self.token(role)))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(&pairs).unwrap()))
            .unwrap();
        let response = self.app.clone().oneshot(req).await.unwrap();
        let status = response.status().as_u16();
        let location = header(response.headers(), "location").to_owned();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, location, String::from_utf8_lossy(&body).into_owned())
    }
}

/// The message a refused form shows beside its input `name`, checking that the input is marked
/// invalid and points at it.
fn message_beside(html: &str, name: &str) -> String {
    let marker = format!(r#"data-field="{name}">"#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no message beside {name}: {html}"))
        + marker.len();
    let input = html[..at]
        .rfind(&format!(r#"name="{name}""#))
        .unwrap_or_else(|| panic!("no input {name}"));
    let tag_end = input + html[input..].find('>').unwrap();
    assert!(
        html[input..tag_end].contains(r#"aria-invalid="true""#),
        "{name} is not marked invalid: {}",
        &html[input..tag_end]
    );
    html[at..].split("</p>").next().unwrap().to_owned()
}

/// The value an `<input name=…>` of the page holds.
fn value_of(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(r#"name="{name}" type="#))
        .unwrap_or_else(|| panic!("no input {name}"));
    let tag = &html[at..at + html[at..].find('>').unwrap()];
    let v = tag.find(r#"value=""#).unwrap() + r#"value=""#.len();
    tag[v..].split('"').next().unwrap().to_owned()
}

/// A form's fields as a browser posts them.
type FormFields<'a> = Vec<(&'a str, &'a str)>;

/// A person's form as a browser posts it: four name rows (kanji, kana, romaji, one blank), two
/// source rows; `changes` replace or add fields.
fn person_form<'a>(changes: &[(&'a str, &'a str)]) -> FormFields<'a> {
    let mut f = vec![
        ("external_id", "P-9"),
        ("name_text_0", "山田花子"),
        ("name_script_0", "Jpan"),
        ("name_lang_0", "ja"),
        ("name_kind_0", "primary"),
        ("name_text_1", "やまだはなこ"),
        ("name_script_1", "Hira"),
        ("name_lang_1", "ja"),
        ("name_kind_1", "transliteration"),
        ("name_text_2", "Yamada Hanako"),
        ("name_script_2", "Latn"),
        ("name_lang_2", "ja-Latn"),
        ("name_kind_2", "transliteration"),
        ("name_text_3", ""),
        ("name_script_3", "Jpan"),
        ("name_lang_3", ""),
        ("name_kind_3", "variant"),
        ("sex", "female"),
        ("birth", "1921-04"),
        ("death", "1946-02-11"),
        ("death_place", "Komusan"),
        ("death_lat", "42.1"),
        ("death_lon", "129.7"),
        ("source_citation_0", "Register of deaths, Hamhung camp, 1946"),
        ("source_note_0", "p. 12"),
        ("source_citation_1", ""),
        ("source_note_1", ""),
    ];
    for (k, v) in changes {
        match f.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v,
            None => f.push((k, v)),
        }
    }
    f
}

#[test]
fn a_person_is_recorded_through_the_form_and_refusals_keep_the_input() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let liaison = Role::FamilyLiaison;
        let (st, html) = s.page("/persons/new", liaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            html.contains(r#"id="person-form""#) && html.contains(r#"name="name_text_2""#),
            "{label}"
        );
        for refused in [Role::Viewer, Role::LabAnalyst, Role::Reviewer] {
            assert_eq!(s.page("/persons/new", refused).await.0, 403, "{label}: {refused}");
            assert_eq!(
                s.form("/persons/new", refused, &person_form(&[])).await.0,
                403,
                "{label}: {refused}"
            );
        }
        assert!(
            s.page("/persons", liaison).await.1.contains(r#"href="/persons/new""#),
            "{label}"
        );
        assert!(
            !s.page("/persons", Role::Reviewer)
                .await
                .1
                .contains(r#"href="/persons/new""#),
            "{label}"
        );

        // Refused: nothing written, the message beside the field, the input kept.
        let nothing_named = person_form(&[
            ("external_id", "P-10"),
            ("name_text_0", " "),
            ("name_text_1", ""),
            ("name_text_2", ""),
        ]);
        // Each case: the fields changed (or the whole form), the status, the input named, its message.
        type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str, &'a str);
        let cases: &[Case] = &[
            (&nothing_named, 400, "name_text_0", "at least one name"),
            (
                &[("external_id", "P-10"), ("death_lat", "1000")],
                400,
                "death_lat",
                "not a latitude",
            ),
            (
                &[("external_id", "P-10"), ("death_lon", "east")],
                400,
                "death_lon",
                "not a number",
            ),
            (
                &[("external_id", "P-10"), ("birth", "1946-13")],
                400,
                "birth",
                "month 13",
            ),
            (
                &[("external_id", "P-10"), ("birth", "1950")],
                400,
                "death",
                "before the birth",
            ),
            (
                &[("external_id", "P-10"), ("name_script_1", "Hiragana")],
                400,
                "name_script_1",
                "ISO 15924",
            ),
            (
                &[
                    ("external_id", "P-10"),
                    ("source_citation_1", ""),
                    ("source_note_1", "a note without a citation"),
                ],
                400,
                "source_citation_1",
                "empty",
            ),
            (&[("external_id", "")], 400, "external_id", ""),
        ];
        for (changes, status, field, says) in cases {
            let fields = if changes.len() > 3 {
                changes.to_vec()
            } else {
                person_form(changes)
            };
            let (st, _, html) = s.form("/persons/new", liaison, &fields).await;
            assert_eq!(st, *status, "{label}: {field}: {html}");
            let message = message_beside(&html, field);
            assert!(message.contains(says), "{label}: {field}: {message}");
            assert!(html.contains("Nothing was saved"), "{label}: {field}");
            assert_eq!(
                value_of(&html, "name_text_2"),
                if changes.len() > 3 { "" } else { "Yamada Hanako" },
                "{label}"
            );
            assert_eq!(value_of(&html, "source_note_0"), "p. 12", "{label}: input kept");
            assert!(
                s.store.get_person_by_external_id("P-10").await.unwrap().is_none(),
                "{label}: {field}"
            );
        }
        assert_eq!(s.store.count_persons().await.unwrap(), 0, "{label}");
        // A Japanese reader is told the registry's refusals in Japanese, by their kind.
        s.form("/settings/locale", liaison, &[("locale", "ja")]).await;
        let long = "長".repeat(501);
        type Changes<'a> = &'a [(&'a str, &'a str)];
        let japanese: [(Changes, &str, &str); 4] = [
            (&[("birth", "1921-13")], "birth", "日付として読めません"),
            (
                &[("source_citation_1", ""), ("source_note_1", "注")],
                "source_citation_1",
                "入力してください。",
            ),
            (&[("death_lat", "91")], "death_lat", "範囲外の値です"),
            (&[("name_text_0", &long)], "name_text_0", "501文字あります。"),
        ];
        for (changes, field, says) in japanese {
            let (st, _, html) = s.form("/persons/new", liaison, &person_form(changes)).await;
            assert_eq!(st, 400, "{label}: {field}: {html}");
            let message = message_beside(&html, field);
            assert!(message.contains(says), "{label}: {field}: {message}");
        }
        s.form("/settings/locale", liaison, &[("locale", "en")]).await;

        // Accepted: written as the registry reads it, and to the person's page.
        let (st, location, _) = s.form("/persons/new", liaison, &person_form(&[])).await;
        assert_eq!(st, 303, "{label}");
        let p = s
            .store
            .get_person_by_external_id("P-9")
            .await
            .unwrap()
            .expect("recorded");
        assert_eq!(location, format!("/persons/{}", p.id), "{label}");
        let names: Vec<(&str, &str)> = p
            .data
            .names
            .iter()
            .map(|n| (n.text.as_str(), n.script.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("山田花子", "Jpan"),
                ("やまだはなこ", "Hira"),
                ("Yamada Hanako", "Latn")
            ],
            "{label}"
        );
        assert_eq!(p.data.names[2].lang.as_deref(), Some("ja-Latn"), "{label}");
        assert_eq!(p.data.sex, registry::model::Sex::Female, "{label}");
        assert_eq!(p.data.birth.unwrap().to_string(), "1921-04", "{label}");
        assert_eq!(p.data.death.unwrap().to_string(), "1946-02-11", "{label}");
        let place = p.data.death_place.clone().unwrap();
        assert_eq!(place.name.as_deref(), Some("Komusan"), "{label}");
        assert_eq!(place.coordinates.unwrap().lat, 42.1, "{label}");
        assert_eq!(p.data.sources.len(), 1, "{label}");
        assert_eq!(p.data.sources[0].note.as_deref(), Some("p. 12"), "{label}");

        // The same external id again: 409 beside it.
        let (st, _, html) = s.form("/persons/new", liaison, &person_form(&[])).await;
        assert_eq!(st, 409, "{label}");
        assert!(
            message_beside(&html, "external_id").contains("already exists"),
            "{label}"
        );
        assert_eq!(s.store.count_persons().await.unwrap(), 1, "{label}");
    });
}

#[test]
fn a_person_is_edited_by_version_and_a_stale_form_shows_the_current_values() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let liaison = Role::FamilyLiaison;
        let p = created(&s, "/api/v1/persons", Role::Admin, person("P-1")).await;
        let id = p["id"].as_i64().unwrap();
        let edit = format!("/persons/{id}/edit");
        let (st, html) = s.page(&edit, liaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(html.contains(r#"name="version" value="1""#), "{label}");
        assert_eq!(value_of(&html, "name_text_0"), "山田太郎", "{label}");
        assert_eq!(value_of(&html, "birth"), "1921-04", "{label}");
        assert_eq!(s.page(&edit, Role::Viewer).await.0, 403, "{label}");
        assert_eq!(s.page(&edit, Role::Reviewer).await.0, 403, "{label}");
        assert!(
            s.page(&format!("/persons/{id}"), liaison)
                .await
                .1
                .contains(&format!(r#"href="{edit}""#)),
            "{label}"
        );
        assert!(
            !s.page(&format!("/persons/{id}"), Role::Reviewer)
                .await
                .1
                .contains(&edit),
            "{label}"
        );

        // Someone else changes it after the form was opened (version 1).
        let mut theirs: registry::model::NewPerson = serde_json::from_value(person("P-1")).unwrap();
        theirs.death = Some("1945-12".parse().unwrap());
        s.store.update_person("someone", id, 1, &theirs).await.unwrap();
        let mine = person_form(&[("external_id", "P-1"), ("version", "1"), ("death_place", "Hamhung")]);
        let (st, _, html) = s.form(&edit, liaison, &mine).await;
        assert_eq!(st, 409, "{label}: {html}");
        assert!(html.contains("changed by someone else since you opened it"), "{label}");
        assert_eq!(value_of(&html, "death_place"), "Hamhung", "{label}: my input kept");
        assert_eq!(value_of(&html, "name_text_0"), "山田花子", "{label}: my input kept");
        assert!(
            html.contains(r#"id="current-values""#) && html.contains("December 1945"),
            "{label}: theirs shown"
        );
        assert!(
            html.contains(r#"name="version" value="2""#),
            "{label}: saving again is deliberate"
        );
        let now = s.store.get_person(id).await.unwrap().unwrap();
        assert_eq!(
            (now.version, now.data.death),
            (2, theirs.death),
            "{label}: nothing written"
        );

        // A refused value on the edit form: 400 beside it, nothing written.
        let bad = person_form(&[("external_id", "P-1"), ("version", "2"), ("death_lat", "1000")]);
        let (st, _, html) = s.form(&edit, liaison, &bad).await;
        assert_eq!(st, 400, "{label}");
        assert!(message_beside(&html, "death_lat").contains("1000"), "{label}");
        assert_eq!(s.store.get_person(id).await.unwrap().unwrap().version, 2, "{label}");

        // Saved against the version it read.
        let good = person_form(&[("external_id", "P-1"), ("version", "2")]);
        let (st, location, _) = s.form(&edit, liaison, &good).await;
        assert_eq!(
            (st, location.as_str()),
            (303, format!("/persons/{id}").as_str()),
            "{label}"
        );
        let now = s.store.get_person(id).await.unwrap().unwrap();
        assert_eq!(now.version, 3, "{label}");
        assert_eq!(now.data.names[0].text, "山田花子", "{label}");
        assert_eq!(now.data.names.len(), 3, "{label}");
    });
}

#[test]
fn a_family_is_recorded_through_the_form_and_its_liaison_looks_after_it() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let liaison = Role::FamilyLiaison;
        let (st, html) = s.page("/families/new", liaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            html.contains(r#"id="family-form""#) && html.contains(r#"name="email""#),
            "{label}"
        );
        for refused in [Role::Viewer, Role::LabAnalyst, Role::Reviewer, Role::MissionPlanner] {
            assert_eq!(s.page("/families/new", refused).await.0, 403, "{label}: {refused}");
            let (st, _, _) = s
                .form("/families/new", refused, &[("external_id", "F-8"), ("name", "x")])
                .await;
            assert_eq!(st, 403, "{label}: {refused}");
        }
        assert!(
            s.page("/families", liaison).await.1.contains(r#"href="/families/new""#),
            "{label}"
        );
        assert!(
            !s.page("/families", Role::LabAnalyst)
                .await
                .1
                .contains(r#"href="/families/new""#),
            "{label}"
        );

        let family = |changes: &[(&'static str, &'static str)]| {
            let mut f = vec![
                ("external_id", "F-9"),
                ("name", "Yamada family"),
                ("liaison", "Sato (Sendai office)"),
                ("postal_address", "1-2-3 Aoba, Sendai"),
                ("phone", "+81 22 123 4567"),
                ("email", "yamada.hanako@example.jp"),
            ];
            for (k, v) in changes {
                f.iter_mut().find(|(name, _)| name == k).unwrap().1 = v;
            }
            f
        };
        for (changes, field, says) in [
            (
                &[("external_id", "F-10"), ("email", "not-an-address")][..],
                "email",
                "not an e-mail address",
            ),
            (
                &[("external_id", "F-10"), ("phone", "call me")][..],
                "phone",
                "not a telephone number",
            ),
            (&[("external_id", "F-10"), ("name", "  ")][..], "name", "empty"),
        ] {
            let (st, _, html) = s.form("/families/new", liaison, &family(changes)).await;
            assert_eq!(st, 400, "{label}: {field}");
            assert!(message_beside(&html, field).contains(says), "{label}: {field}");
            assert_eq!(value_of(&html, "external_id"), "F-10", "{label}: input kept");
            assert_eq!(
                value_of(&html, "liaison"),
                "Sato (Sendai office)",
                "{label}: input kept"
            );
            assert!(
                s.store.get_family_by_external_id("F-10").await.unwrap().is_none(),
                "{label}"
            );
        }

        let (st, location, _) = s.form("/families/new", liaison, &family(&[])).await;
        assert_eq!(st, 303, "{label}");
        let f = s
            .store
            .get_family_by_external_id("F-9")
            .await
            .unwrap()
            .expect("recorded");
        assert_eq!(location, format!("/families/{}", f.id), "{label}");
        assert_eq!(f.liaison.as_deref(), Some("Sato (Sendai office)"), "{label}");
        let contacts = s.store.get_family_contacts("test", f.id).await.unwrap();
        assert_eq!(contacts.email.as_deref(), Some("yamada.hanako@example.jp"), "{label}");
        // The liaison who recorded it looks after it: its page opens for them.
        let scope = registry::FamilyScope::of("user-family-liaison", liaison);
        assert!(
            s.store
                .list_families_in(&scope)
                .await
                .unwrap()
                .iter()
                .any(|x| x.id == f.id),
            "{label}"
        );
        assert_eq!(s.page(&location, liaison).await.0, 200, "{label}");

        let (st, _, html) = s.form("/families/new", liaison, &family(&[])).await;
        assert_eq!(st, 409, "{label}");
        assert!(
            message_beside(&html, "external_id").contains("already exists"),
            "{label}"
        );
        assert_eq!(s.store.list_families().await.unwrap().len(), 1, "{label}");

        // Edited through its form, by the version it read.
        let edit = format!("/families/{}/edit", f.id);
        let (st, html) = s.page(&edit, liaison).await;
        assert_eq!(st, 200, "{label}");
        assert_eq!(
            value_of(&html, "email"),
            "yamada.hanako@example.jp",
            "{label}: the contacts filled in"
        );
        assert_eq!(value_of(&html, "version"), "1", "{label}");
        let mut changed = family(&[("phone", "+81 22 765 4321")]);
        changed.push(("version", "1"));
        let (st, location, _) = s.form(&edit, liaison, &changed).await;
        assert_eq!(
            (st, location.as_str()),
            (303, format!("/families/{}", f.id).as_str()),
            "{label}"
        );
        let contacts = s.store.get_family_contacts("test", f.id).await.unwrap();
        assert_eq!(contacts.phone.as_deref(), Some("+81 22 765 4321"), "{label}");
        // The same version again: someone changed it since; 409, the input kept, nothing written.
        let stale = {
            let mut v = family(&[("phone", "+81 22 000 0000")]);
            v.push(("version", "1"));
            v
        };
        let (st, _, html) = s.form(&edit, liaison, &stale).await;
        assert_eq!(st, 409, "{label}");
        assert_eq!(value_of(&html, "phone"), "+81 22 000 0000", "{label}: input kept");
        assert_eq!(
            value_of(&html, "version"),
            "2",
            "{label}: saving again replaces deliberately"
        );
        let contacts = s.store.get_family_contacts("test", f.id).await.unwrap();
        assert_eq!(
            contacts.phone.as_deref(),
            Some("+81 22 765 4321"),
            "{label}: nothing written"
        );
        // A bad e-mail address: 400 beside the field.
        let mut bad = family(&[("email", "not-an-address")]);
        bad.push(("version", "2"));
        let (st, _, html) = s.form(&edit, liaison, &bad).await;
        assert_eq!(st, 400, "{label}");
        assert!(
            message_beside(&html, "email").contains("not an e-mail address"),
            "{label}"
        );
        for refused in [Role::LabAnalyst, Role::Viewer] {
            assert_eq!(s.page(&edit, refused).await.0, 403, "{label}: {refused}");
        }
    });
}

#[test]
fn a_family_asks_to_visit_a_grave_through_its_page_and_a_second_request_is_refused() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let liaison = Role::FamilyLiaison;
        let (st, html) = s.page("/families/1", liaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(html.contains(r#"action="/families/1/visits""#), "{label}");
        assert!(html.contains(r#"<option value="1""#), "{label}: the site to choose");
        // A lab analyst reads the family but does not arrange visits.
        let (_, html) = s.page("/families/1", Role::LabAnalyst).await;
        assert!(!html.contains("/families/1/visits"), "{label}");
        let request = [
            ("site_id", "1"),
            ("visitors", "3"),
            ("mobility", "limited"),
            ("notes", "Two are in their eighties"),
        ];
        for refused in [Role::LabAnalyst, Role::Reviewer, Role::Viewer] {
            assert_eq!(
                s.form("/families/1/visits", refused, &request).await.0,
                403,
                "{label}: {refused}"
            );
        }
        let requests = || async {
            s.store
                .list_visit_requests(None, &registry::FamilyScope::All)
                .await
                .unwrap()
        };

        for (fields, field, says) in [
            (
                vec![("site_id", "1"), ("visitors", "0"), ("mobility", "limited")],
                "visitors",
                "1–50",
            ),
            (
                vec![("site_id", "1"), ("visitors", "many"), ("mobility", "limited")],
                "visitors",
                "not a number",
            ),
            (
                vec![("site_id", "1"), ("visitors", "2"), ("mobility", "crawls")],
                "mobility",
                "not a mobility",
            ),
            (
                vec![("site_id", "999"), ("visitors", "2"), ("mobility", "walks")],
                "site_id",
                "no burial site 999",
            ),
        ] {
            let (st, _, html) = s.form("/families/1/visits", liaison, &fields).await;
            assert!(st == 400 || st == 422, "{label}: {field}: {st}");
            assert!(message_beside(&html, field).contains(says), "{label}: {field}: {html}");
            assert_eq!(value_of(&html, "visitors"), fields[1].1, "{label}: input kept");
            assert!(requests().await.is_empty(), "{label}: {field}");
        }

        let (st, location, _) = s.form("/families/1/visits", liaison, &request).await;
        assert_eq!((st, location.as_str()), (303, "/families/1#visit-request"), "{label}");
        let stored = requests().await;
        assert_eq!(stored.len(), 1, "{label}");
        assert_eq!(
            (
                stored[0].data.family_id,
                stored[0].data.site_id,
                stored[0].data.visitors
            ),
            (1, 1, 3),
            "{label}"
        );
        assert_eq!(stored[0].data.mobility, registry::Mobility::Limited, "{label}");
        assert_eq!(stored[0].created_by, "user-family-liaison", "{label}");
        // The family page lists it above the form.
        let (_, html) = s.page("/families/1", liaison).await;
        let section = html.split(r#"<section id="visit-request">"#).nth(1).unwrap_or_default();
        let listed = section.split("<form").next().unwrap_or_default();
        assert!(
            listed.contains(r#"href="/sites/1""#) && listed.contains("<td>3</td>"),
            "{label}: {listed}"
        );

        // The same family and site again: 409 beside the site, the input kept, nothing written.
        let again = [("site_id", "1"), ("visitors", "5"), ("mobility", "wheelchair")];
        let (st, _, html) = s.form("/families/1/visits", liaison, &again).await;
        assert_eq!(st, 409, "{label}");
        assert!(
            message_beside(&html, "site_id").contains("already asked to visit this site"),
            "{label}"
        );
        assert_eq!(value_of(&html, "visitors"), "5", "{label}");
        assert!(html.contains(r#"<option value="wheelchair" selected>"#), "{label}");
        assert_eq!(requests().await.len(), 1, "{label}");

        // A family the liaison does not look after: refused whether or not it exists.
        let other = created(&s, "/api/v1/families", Role::Admin, family("F-2")).await;
        let path = format!("/families/{}/visits", other["id"]);
        assert_eq!(s.form(&path, liaison, &request).await.0, 403, "{label}");
        assert_eq!(requests().await.len(), 1, "{label}");
    });
}

#[test]
fn a_family_member_is_edited_by_the_version_read() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let liaison = Role::FamilyLiaison;
        let (st, html) = s.page("/families/1", liaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            html.contains(r#"href="/members/1/edit""#),
            "{label}: an edit link per member"
        );
        let (st, html) = s.page("/members/1/edit", liaison).await;
        assert_eq!(st, 200, "{label}");
        assert_eq!(
            value_of(&html, "display_name"),
            "Yamada Taro",
            "{label}: the stored values"
        );
        let fields = [
            ("display_name", "山田太郎 Yamada Taro"),
            ("sex", "male"),
            ("alive", "false"),
            ("is_missing", "true"),
            ("person_id", "1"),
            ("father_member_id", ""),
            ("mother_member_id", ""),
        ];
        let with_version = |v: &'static str| {
            let mut f = fields.to_vec();
            f.push(("version", v));
            f
        };
        let (st, location, _) = s.form("/members/1/edit", liaison, &with_version("1")).await;
        assert_eq!((st, location.as_str()), (303, "/families/1#members"), "{label}");
        let stored = s.store.get_member(1).await.unwrap().unwrap();
        assert_eq!(
            (stored.data.display_name.as_str(), stored.version),
            ("山田太郎 Yamada Taro", 2),
            "{label}"
        );
        // The same form again, read at version 1: someone changed it since; 409, input kept.
        let mut stale = with_version("1");
        stale[0] = ("display_name", "Taro");
        let (st, _, html) = s.form("/members/1/edit", liaison, &stale).await;
        assert_eq!(st, 409, "{label}");
        assert!(html.contains("changed by someone else since you opened it"), "{label}");
        assert_eq!(value_of(&html, "display_name"), "Taro", "{label}: input kept");
        // Its own father: refused by the registry, beside the field.
        let mut own = with_version("2");
        own[5] = ("father_member_id", "1");
        let (st, _, _) = s.form("/members/1/edit", liaison, &own).await;
        assert!(st == 400 || st == 422, "{label}: {st}");
        assert_eq!(
            s.store.get_member(1).await.unwrap().unwrap().version,
            2,
            "{label}: nothing written"
        );
        // Who may not: a reviewer reads families but does not write them.
        assert_eq!(s.page("/members/1/edit", Role::Reviewer).await.0, 403, "{label}");
        assert_eq!(
            s.form("/members/1/edit", Role::Reviewer, &with_version("2")).await.0,
            403,
            "{label}"
        );
    });
}

#[test]
fn consent_is_withdrawn_from_the_family_page_with_a_reason_by_whoever_may() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let lab = Role::LabAnalyst;
        let (st, html) = s.page("/families/1", lab).await;
        assert_eq!(st, 200, "{label}");
        assert!(html.contains(r#"action="/references/1/withdraw""#), "{label}");
        // Reviewers withdraw nothing: no form, and the post is refused.
        for refused in [Role::Reviewer] {
            assert!(
                !s.page("/families/1", refused)
                    .await
                    .1
                    .contains("/references/1/withdraw"),
                "{label}: {refused}"
            );
            let (st, _, _) = s
                .form(
                    "/references/1/withdraw",
                    refused,
                    &[("version", "1"), ("reason", "asked")],
                )
                .await;
            assert_eq!(st, 403, "{label}: {refused}");
        }
        // The family's own liaison (the seed's), whom the donor tells, is offered the form.
        let (st, html) = s.page("/families/1", Role::FamilyLiaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(
            html.contains(r#"action="/references/1/withdraw""#),
            "{label}: the liaison's form"
        );
        // Another family's reference: the liaison does not look after it, so not through the API
        // either, and nothing is erased.
        let other = created(&s, "/api/v1/families", Role::Admin, family("F-2")).await;
        let donor = created(
            &s,
            &format!("/api/v1/families/{}/members", other["id"]),
            Role::Admin,
            json!({ "display_name": "Sato Hana", "sex": "female", "alive": true }),
        )
        .await;
        let theirs = created(
            &s,
            "/api/v1/references",
            Role::Admin,
            json!({ "external_id": "R-2", "donor_member_id": donor["id"], "kit": "GlobalFiler",
                    "profile": { "str_profile": str_profile() },
                    "consent": { "scope": "identification-only", "date": "2025-11" } }),
        )
        .await;
        let path = format!("/api/v1/references/{}/withdraw", theirs["id"]);
        let body = json!({ "version": 1, "reason": "asked" });
        s.expect(label, 403, "POST", &path, Role::FamilyLiaison, Some(body))
            .await;
        let id = theirs["id"].as_i64().unwrap();
        assert!(
            s.store.get_reference(id).await.unwrap().unwrap().withdrawal.is_none(),
            "{label}"
        );
        let withdrawn = || async { s.store.get_reference(1).await.unwrap().unwrap().withdrawal };

        let (st, _, html) = s
            .form("/references/1/withdraw", lab, &[("version", "1"), ("reason", " ")])
            .await;
        assert_eq!(st, 400, "{label}");
        assert!(message_beside(&html, "reason").contains("empty"), "{label}");
        assert!(withdrawn().await.is_none(), "{label}");

        let (st, _, html) = s
            .form(
                "/references/1/withdraw",
                lab,
                &[("version", "0"), ("reason", "The donor wrote to us")],
            )
            .await;
        assert_eq!(st, 409, "{label}");
        assert!(html.contains("changed by someone else since you opened it"), "{label}");
        assert_eq!(
            value_of(&html, "reason"),
            "The donor wrote to us",
            "{label}: input kept"
        );
        assert!(withdrawn().await.is_none(), "{label}");

        let (st, location, _) = s
            .form(
                "/references/1/withdraw",
                lab,
                &[("version", "1"), ("reason", "The donor wrote to us")],
            )
            .await;
        assert_eq!((st, location.as_str()), (303, "/families/1#references"), "{label}");
        assert_eq!(
            withdrawn().await.expect("withdrawn").reason,
            "The donor wrote to us",
            "{label}"
        );
        let ident = s.store.get_identification(1).await.unwrap().unwrap();
        assert_eq!(ident.status, registry::IdentificationStatus::Flagged, "{label}");
        // Withdrawn: no form in its row any more.
        assert!(
            !s.page("/families/1", lab).await.1.contains("/references/1/withdraw"),
            "{label}"
        );
    });
}

#[test]
fn custody_events_are_appended_from_the_sample_page() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let lab = Role::LabAnalyst;
        let (st, html) = s.page("/samples/1", lab).await;
        assert_eq!(st, 200, "{label}");
        assert!(html.contains(r#"id="custody-form""#), "{label}");
        assert!(
            !s.page("/samples/1", Role::Reviewer).await.1.contains("custody-form"),
            "{label}"
        );
        let event = [
            ("event", "transferred"),
            ("who", "Lee Ji-woo"),
            ("location", "Seoul laboratory"),
        ];
        assert_eq!(
            s.form("/samples/1/custody", Role::Reviewer, &event).await.0,
            403,
            "{label}"
        );
        let chain = || async { s.store.custody_chain(1).await.unwrap() };

        for (fields, field, says) in [
            (
                vec![("event", "transferred"), ("who", ""), ("location", "Seoul laboratory")],
                "who",
                "empty",
            ),
            (
                vec![
                    ("event", "lost"),
                    ("who", "Lee Ji-woo"),
                    ("location", "Seoul laboratory"),
                ],
                "event",
                "not a custody event",
            ),
            (
                vec![
                    ("event", "transferred"),
                    ("who", "Lee Ji-woo"),
                    ("location", "Seoul laboratory"),
                    ("at", "yesterday"),
                ],
                "at",
                "RFC 3339",
            ),
        ] {
            let (st, _, html) = s.form("/samples/1/custody", lab, &fields).await;
            assert_eq!(st, 400, "{label}: {field}");
            assert!(message_beside(&html, field).contains(says), "{label}: {field}");
            assert_eq!(value_of(&html, "location"), "Seoul laboratory", "{label}: input kept");
            assert_eq!(chain().await.len(), 1, "{label}: {field}");
        }

        let (st, location, _) = s.form("/samples/1/custody", lab, &event).await;
        assert_eq!((st, location.as_str()), (303, "/samples/1#custody-event"), "{label}");
        let events = chain().await;
        assert_eq!(events.len(), 2, "{label}");
        assert_eq!(
            (events[1].who.as_str(), events[1].location.as_str()),
            ("Lee Ji-woo", "Seoul laboratory"),
            "{label}"
        );
    });
}

#[test]
fn a_reader_chooses_the_time_zone_and_language_the_pages_use() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let role = Role::LabAnalyst;
        let (st, html) = s.page("/settings", role).await;
        assert_eq!(st, 200, "{label}: {html}");
        // No choice yet: the language's default (this request has no Accept-Language: English, UTC).
        assert!(
            html.contains(r#"<strong id="zone-in-force">UTC</strong>"#),
            "{label}: {html}"
        );
        assert!(
            html.contains(r#"<option value="Europe/Madrid">"#),
            "{label}: every IANA zone offered"
        );
        let (st, location, _) = s.form("/settings/zone", role, &[("time_zone", "Asia/Seoul")]).await;
        assert_eq!((st, location.as_str()), (303, "/settings"), "{label}");
        let (_, html) = s.page("/settings", role).await;
        assert!(
            html.contains(r#"<strong id="zone-in-force">Asia/Seoul</strong>"#),
            "{label}: {html}"
        );
        assert!(html.contains(" KST"), "{label}: the time now, in Korea: {html}");
        // A name the database lacks is refused, naming the field; nothing changes.
        let (st, _, body) = s
            .form("/settings/zone", role, &[("time_zone", "Mars/Olympus_Mons")])
            .await;
        assert_eq!(st, 400, "{label}: {body}");
        assert!(
            body.contains("time_zone") || body.contains("time zone"),
            "{label}: {body}"
        );
        let (_, html) = s.page("/settings", role).await;
        assert!(html.contains("Asia/Seoul</strong>"), "{label}");
        // Japanese, then back to the language's default zone: Japan Standard Time.
        s.form("/settings/locale", role, &[("locale", "ja")]).await;
        let (st, _, _) = s.form("/settings/zone", role, &[("time_zone", "auto")]).await;
        assert_eq!(st, 303, "{label}");
        let (_, html) = s.page("/settings", role).await;
        assert!(
            html.contains(r#"<strong id="zone-in-force">Asia/Tokyo</strong>"#) && html.contains(" JST"),
            "{label}: {html}"
        );
        // Both choices are audited under the user.
        let entries = s.store.audit_entries(0, 10_000).await.unwrap();
        let zones: Vec<_> = entries
            .iter()
            .filter(|e| e.action == "set-time-zone" && e.actor == "user-lab-analyst")
            .collect();
        assert_eq!(zones.len(), 2, "{label}");
    });
}

#[test]
fn a_member_is_added_to_a_family_through_its_page() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        seed_one_of_each(&s).await;
        let liaison = Role::FamilyLiaison;
        let (st, html) = s.page("/families/1", liaison).await;
        assert_eq!(st, 200, "{label}");
        assert!(html.contains(r#"id="member-form""#), "{label}");
        let (_, html) = s.page("/families/1", Role::Reviewer).await;
        assert!(
            !html.contains(r#"id="member-form""#),
            "{label}: not for a role that writes no family"
        );
        let members = || async { s.store.list_members(1).await.unwrap().len() };
        let before = members().await;
        // Refused: an empty name, a father who is not a member; the input kept, nothing written.
        for (fields, field) in [
            (
                vec![
                    ("display_name", " "),
                    ("sex", "male"),
                    ("alive", "true"),
                    ("is_missing", "false"),
                ],
                "display_name",
            ),
            (
                vec![
                    ("display_name", "Yamada Jiro"),
                    ("sex", "male"),
                    ("father_member_id", "999"),
                    ("alive", "true"),
                ],
                "father_member_id",
            ),
        ] {
            let (st, _, html) = s.form("/families/1/members", liaison, &fields).await;
            assert!((400..500).contains(&st), "{label}: {field}: {st}");
            assert!(!message_beside(&html, field).is_empty(), "{label}: {field}");
            assert_eq!(members().await, before, "{label}: nothing written");
        }
        // A son of the recorded member, alive.
        let fields = [
            ("display_name", "Yamada Jiro"),
            ("sex", "male"),
            ("father_member_id", "1"),
            ("alive", "true"),
            ("is_missing", "false"),
        ];
        let (st, location, _) = s.form("/families/1/members", liaison, &fields).await;
        assert_eq!((st, location.as_str()), (303, "/families/1#add-member"), "{label}");
        let added = s
            .store
            .list_members(1)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.data.display_name == "Yamada Jiro")
            .unwrap();
        assert_eq!(
            (added.data.father_member_id, added.data.alive),
            (Some(1), true),
            "{label}"
        );
        // A family not assigned to the liaison: refused.
        let other = created(&s, "/api/v1/families", Role::Admin, family("F-2")).await["id"]
            .as_i64()
            .unwrap();
        let (st, _, _) = s.form(&format!("/families/{other}/members"), liaison, &fields).await;
        assert_eq!(st, 403, "{label}");
    });
}
