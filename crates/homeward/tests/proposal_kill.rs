//! A server killed with SIGKILL in the middle of 1,000 concurrent identification proposals leaves
//! no identification without its evidence: each proposal is one transaction (the identification
//! and the evidence it cites in one INSERT, with its audit entry), so after the crash every stored
//! identification names its candidate and its figures, and the audit chain holds.

mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{ok, run, stdout, with_store, Scratch, Served};

/// One HTTP/1.1 request on a fresh connection; the status code, or `None` if the server is gone.
fn request(addr: &str, method: &str, path: &str, token: &str, body: Option<&str>) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.get(9..12)?.parse().ok()?;
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    Some((status, body))
}

#[test]
fn a_server_killed_during_a_thousand_proposals_leaves_none_without_evidence() {
    let d = Scratch::new("proposal-kill");
    let dir = common::arg(&d);
    ok(&run(["demo", "--size", "small", "--no-serve", "--data-dir", dir]));
    let db = format!("sqlite://{}", d.join("homeward-demo.db").display());
    let before = with_store(&db, async |s| s.list_identifications().await.unwrap().len());
    let token = run([
        "token",
        "create",
        "--username",
        "analyst",
        "--db",
        &db,
        "--as",
        "analyst",
    ]);
    ok(&token);
    let token = stdout(&token).trim().to_owned();

    let mut server = Served::start(&db);
    let addr = server.addr.clone();

    let (st, body) = request(&addr, "GET", "/api/v1/candidates?job=1", &token, None).unwrap();
    assert_eq!(st, 200, "{body}");
    let candidates: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<i64> = candidates
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() > 100, "{} candidates", ids.len());

    // 1,000 proposals from 8 clients at once, each candidate asked for by several of them.
    const PROPOSALS: usize = 1_000;
    let next = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (next, created, answered) = (next.clone(), created.clone(), answered.clone());
            let (addr, token, ids) = (addr.clone(), token.clone(), ids.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= PROPOSALS {
                    return;
                }
                let body = format!("{{\"candidate_id\": {}}}", ids[i % ids.len()]);
                match request(&addr, "POST", "/api/v1/identifications", &token, Some(&body)) {
                    Some((201, _)) => {
                        created.fetch_add(1, Ordering::SeqCst);
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Some(_) => {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    // The server is gone: this client stops.
                    None => return,
                }
            })
        })
        .collect();
    // Kill when some proposals are written and many are still in flight.
    while created.load(Ordering::SeqCst) < 20 && answered.load(Ordering::SeqCst) < PROPOSALS / 2 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    server.kill(); // SIGKILL
    for c in clients {
        c.join().unwrap();
    }
    let sent = next.load(Ordering::SeqCst).min(PROPOSALS);
    assert!(sent < PROPOSALS, "the kill came after every proposal was sent ({sent})");
    eprintln!(
        "killed after {sent} proposals sent, {} answered, {} written",
        answered.load(Ordering::SeqCst),
        created.load(Ordering::SeqCst)
    );

    with_store(&db, async |s| {
        let all = s.list_identifications().await.unwrap();
        assert!(all.len() > before, "some proposals were written before the kill");
        for i in &all {
            let evidence = s.identification_evidence(i.id).await.unwrap();
            let evidence = evidence.unwrap_or_else(|| panic!("identification {} has no evidence", i.id));
            let candidate = s.identification_candidate(i.id).await.unwrap();
            assert!(
                candidate.is_some() && evidence.candidate_id == candidate,
                "{i:?}: {evidence:?}"
            );
            assert!(evidence.log10_lr.is_some() && !i.reference_ids.is_empty(), "{i:?}");
        }
        let report = s.verify_audit().await.unwrap();
        assert!(report.first_broken.is_none(), "{report:?}");
    });
}
