//! Black-box API tests: the real server on 127.0.0.1:0 with a fresh database (SQLite, and
//! PostgreSQL when `HOMEWARD_TEST_POSTGRES_URL` is set; required with `CI=true`), spoken to over HTTP.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use registry::{Role, Store};
use serde_json::{json, Value};
use server::{router, ServerConfig, ROUTES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

async fn fresh_stores() -> Vec<(&'static str, Store)> {
    let dir = std::env::temp_dir().join(unique("homeward-api"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = vec![(
        "sqlite",
        Store::open(&format!("sqlite://{}", dir.join("db.sqlite").display()))
            .await
            .unwrap(),
    )];
    match std::env::var("HOMEWARD_TEST_POSTGRES_URL") {
        Ok(base) => {
            let admin = Store::open(&base).await.unwrap();
            let name = unique("homeward_api");
            admin.execute_raw(&format!("CREATE DATABASE {name}")).await.unwrap();
            admin.close().await;
            let (prefix, _) = base.rsplit_once('/').unwrap();
            out.push(("postgres", Store::open(&format!("{prefix}/{name}")).await.unwrap()));
        }
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => panic!("CI=true needs HOMEWARD_TEST_POSTGRES_URL"),
        Err(_) => {}
    }
    out
}

/// A running server and a token per role.
struct Running {
    addr: SocketAddr,
    tokens: Vec<(Role, String)>,
    store: Store,
}

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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(store.clone(), config);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Running { addr, tokens, store }
    }

    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// One HTTP/1.1 request; returns status, headers and body.
    async fn raw(&self, method: &str, path: &str, auth: Option<&str>, body: Option<&[u8]>) -> (u16, String, Vec<u8>) {
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        if let Some(a) = auth {
            req.push_str(&format!("{a}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await.unwrap();
        if let Some(b) = body {
            // The server may answer (413) before reading everything; a broken pipe is fine then.
            let _ = stream.write_all(b).await;
        }
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf).await;
        let split = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response");
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let mut body = buf[split + 4..].to_vec();
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            body = dechunk(&body);
        }
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head, body)
    }

    async fn call(&self, method: &str, path: &str, role: Option<Role>, body: Option<Value>) -> (u16, Value) {
        let auth = role.map(|r| format!("Authorization: Bearer {}", self.token(r)));
        let bytes = body.map(|b| b.to_string().into_bytes());
        let (status, _, body) = self.raw(method, path, auth.as_deref(), bytes.as_deref()).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&data[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
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

fn on_every_backend<F, Fut>(config: ServerConfig, test: F)
where
    F: Fn(&'static str, Running) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for (label, store) in fresh_stores().await {
            eprintln!("backend: {label}");
            test(label, Running::start(store, config.clone()).await).await;
        }
    });
}

#[test]
fn every_endpoint_checks_every_role() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let (st, _) = s
            .call("POST", "/api/v1/sites", Some(Role::Admin), Some(site("S-1")))
            .await;
        assert_eq!(st, 201);
        let (st, _) = s
            .call("POST", "/api/v1/persons", Some(Role::Admin), Some(person("P-1")))
            .await;
        assert_eq!(st, 201);
        for r in ROUTES {
            let path = r.path.replace("{id}", "1");
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
                    let (st, _, b) = s
                        .raw("DELETE", &path, Some(&format!("Authorization: Bearer {token}")), None)
                        .await;
                    (st, serde_json::from_slice(&b).unwrap_or(Value::Null))
                } else {
                    s.call(r.method, &path, Some(role), Some(json!({}))).await
                };
                let allowed = r.permission.is_none_or(|p| p.allows(role));
                if allowed {
                    assert!(
                        st != 403 && st != 401 && st < 500,
                        "{label}: {} {path} as {role}: {st} {body}",
                        r.method
                    );
                } else {
                    assert_eq!(st, 403, "{label}: {} {path} as {role}: {body}", r.method);
                }
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
        let auth = format!("Authorization: Bearer {}", s.token(Role::Admin));
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
            let (st, _, resp) = s.raw("POST", "/api/v1/persons", Some(&auth), Some(&body)).await;
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

#[test]
fn a_browser_signs_in_and_out() {
    on_every_backend(ServerConfig::default(), |label, s| async move {
        let body = json!({ "username": "user-reviewer", "password": "a long enough password" }).to_string();
        let (st, head, _) = s.raw("POST", "/api/v1/session", None, Some(body.as_bytes())).await;
        assert_eq!(st, 200, "{label}");
        let cookie = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
            .and_then(|l| {
                l.split_once(':')
                    .map(|(_, v)| v.trim().split(';').next().unwrap().to_owned())
            })
            .expect("a session cookie");
        assert!(head.contains("HttpOnly"));
        let (st, _, me) = s
            .raw("GET", "/api/v1/me", Some(&format!("Cookie: {cookie}")), None)
            .await;
        let me: Value = serde_json::from_slice(&me).unwrap();
        assert_eq!((st, me["role"].as_str()), (200, Some("reviewer")));
        let (st, _, _) = s
            .raw("DELETE", "/api/v1/session", Some(&format!("Cookie: {cookie}")), None)
            .await;
        assert_eq!(st, 204);
        let (st, _, _) = s
            .raw("GET", "/api/v1/me", Some(&format!("Cookie: {cookie}")), None)
            .await;
        assert_eq!(st, 401);
        let wrong = json!({ "username": "user-reviewer", "password": "not the password" }).to_string();
        let (st, _, _) = s.raw("POST", "/api/v1/session", None, Some(wrong.as_bytes())).await;
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
