//! No web page queries the database in a loop over its records: on the small demo registry, every
//! page of a kind (each family's, each person's, each sample's, …) takes the same number of SQL
//! statements whatever its record holds (within a few for sections a record may lack), and a list
//! takes as many for a page of 100 rows as for a page of 10. And every identification report
//! recomputes its LR from the stored profiles and reproduces the stored figure.
//!
//! Statements are counted from sqlx's own log events (`sqlx::query`, one per statement run) by a
//! tracing layer; the test is alone in its binary so that nothing else runs statements meanwhile.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use registry::{ListFilter, Page, Store};
use tracing_subscriber::layer::SubscriberExt;

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

/// Counts sqlx's statement events.
struct CountStatements;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut summary = Summary(String::new());
        event.record(&mut summary);
        // A connection the pool opens sets itself up (PRAGMAs): the pool's doing, not the page's.
        if !summary.0.trim_start().to_ascii_uppercase().starts_with("PRAGMA") {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The `summary` field of sqlx's event: the statement's start.
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            value.clone_into(&mut self.0);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}").trim_matches('"').to_owned();
        }
    }
}

/// How many more statements a record's page may take than the leanest of its kind: the sections
/// a record may lack (no identification, no reference, no itinerary) skip their query.
const SECTIONS_MAY_SKIP: usize = 4;

/// `GET path` with the token; the status, the statements it took and the response.
fn get(addr: SocketAddr, token: &str, path: &str) -> (u16, usize, String) {
    let before = STATEMENTS.load(Ordering::SeqCst);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, STATEMENTS.load(Ordering::SeqCst) - before, text)
}

/// The paths of every page of a kind on the demo registry.
async fn pages_of_each_kind(store: &Store) -> Vec<(&'static str, Vec<String>)> {
    let all = Page { limit: 1000, offset: 0 };
    let ids = |v: Vec<i64>, f: fn(i64) -> String| v.into_iter().map(f).collect::<Vec<_>>();
    let families: Vec<i64> = store.list_families().await.unwrap().iter().map(|f| f.id).collect();
    let persons: Vec<i64> = store
        .search_persons(None, 1000, 0)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    let sites: Vec<i64> = store.list_sites().await.unwrap().iter().map(|s| s.id).collect();
    let samples: Vec<i64> = store
        .samples_page(&ListFilter::default(), all)
        .await
        .unwrap()
        .items
        .iter()
        .map(|s| s.id)
        .collect();
    let jobs = store.list_jobs(100).await.unwrap();
    // Candidates with SNP evidence have one section more (the chromosomes and the karyogram, read
    // once whatever the number of references): a kind of their own.
    let (mut candidates, mut snp_candidates) = (Vec::new(), Vec::new());
    for j in &jobs {
        for c in store.list_candidates(j.id).await.unwrap() {
            if c.data.snp_evidence.is_some() {
                snp_candidates.push(c.id);
            } else {
                candidates.push(c.id);
            }
        }
    }
    assert!(!snp_candidates.is_empty(), "the demo has candidates with SNP evidence");
    let missions: Vec<i64> = store.list_missions().await.unwrap().iter().map(|m| m.id).collect();
    let (mut identifications, mut snp_identifications) = (Vec::new(), Vec::new());
    for i in store.identifications_page(&ListFilter::default(), all).await.unwrap().items {
        let candidate = match store.identification_candidate(i.id).await.unwrap() {
            Some(c) => store.get_candidate(c).await.unwrap(),
            None => None,
        };
        if candidate.is_some_and(|c| c.data.snp_evidence.is_some()) {
            snp_identifications.push(i.id);
        } else {
            identifications.push(i.id);
        }
    }
    vec![
        ("family", ids(families.clone(), |id| format!("/families/{id}"))),
        ("family report", ids(families, |id| format!("/families/{id}/report"))),
        (
            "person",
            ids(persons.into_iter().take(200).collect(), |id| format!("/persons/{id}")),
        ),
        ("site", ids(sites, |id| format!("/sites/{id}"))),
        ("sample", ids(samples, |id| format!("/samples/{id}"))),
        (
            "job",
            ids(jobs.iter().map(|j| j.id).collect(), |id| format!("/jobs/{id}")),
        ),
        (
            "candidate",
            ids(candidates.into_iter().take(200).collect(), |id| {
                format!("/candidates/{id}")
            }),
        ),
        (
            "candidate with SNP evidence",
            ids(snp_candidates, |id| format!("/candidates/{id}")),
        ),
        ("mission", ids(missions, |id| format!("/missions/{id}"))),
        (
            "identification report",
            ids(identifications.into_iter().take(100).collect(), |id| {
                format!("/identifications/{id}/report")
            }),
        ),
        (
            "identification report with SNP evidence",
            ids(snp_identifications, |id| format!("/identifications/{id}/report")),
        ),
    ]
}

#[test]
fn no_page_queries_in_a_loop_over_its_records() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountStatements)).unwrap();
    let dir = tempfile::Builder::new()
        .prefix("homeward-page-queries-")
        .tempdir()
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (store, users) = casework::demo::open_or_build(dir.path(), 1945, casework::demo::DemoSize::SMALL, false)
            .await
            .unwrap();
        let admin = &users.iter().find(|u| u.1 == "admin").unwrap().0;
        let token = store.create_token("test", admin, "api", None).await.unwrap();
        let kinds = pages_of_each_kind(&store).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound_tx, bound) = tokio::sync::oneshot::channel();
        tokio::spawn(server::serve(
            store.clone(),
            server::ServerConfig::default(),
            "127.0.0.1:0".parse().unwrap(),
            move |addr| {
                let _ = bound_tx.send(addr);
            },
            async {
                let _ = stopped.await;
            },
        ));
        let addr = bound.await.unwrap();
        let mut faults = Vec::new();
        for (kind, paths) in &kinds {
            assert!(!paths.is_empty(), "the demo has a {kind} page");
            let mut counts = Vec::new();
            for path in paths {
                let (token, path) = (token.clone(), path.clone());
                let (status, n, html) = tokio::task::spawn_blocking(move || get(addr, &token, &path))
                    .await
                    .unwrap();
                assert_eq!(status, 200, "{kind}");
                // Every report recomputes its LR from the stored profiles and reproduces it.
                if *kind == "identification report" {
                    assert!(html.contains(r#"data-reproduced="true""#), "{kind}: {html}");
                }
                counts.push(n);
            }
            let (least, most) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            eprintln!("{kind}: {least} to {most} statements over {} pages", paths.len());
            if most - least > SECTIONS_MAY_SKIP {
                let worst = &paths[counts.iter().position(|c| c == most).unwrap()];
                faults.push(format!(
                    "{kind} pages take {least} to {most} statements ({worst}: {most})"
                ));
            }
        }
        // A list: a page of 10 rows and one of 100 take the same statements.
        for list in [
            "/persons",
            "/samples",
            "/identifications",
            "/queues/candidates",
            "/queues/notifications",
            "/queues/visits",
        ] {
            let mut counts = Vec::new();
            for limit in [10, 100] {
                let (token, path) = (token.clone(), format!("{list}?limit={limit}"));
                let (status, n, _) = tokio::task::spawn_blocking(move || get(addr, &token, &path))
                    .await
                    .unwrap();
                assert_eq!(status, 200, "{list}");
                counts.push(n);
            }
            if counts[1] > counts[0] + 1 {
                faults.push(format!(
                    "{list}: {} statements for 10 rows, {} for 100",
                    counts[0], counts[1]
                ));
            }
        }
        let _ = stop.send(());
        store.close().await;
        assert!(faults.is_empty(), "pages that query in a loop:\n{}", faults.join("\n"));
    });
}
