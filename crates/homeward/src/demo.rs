//! `homeward demo`: builds an embedded registry from the bundled synthetic scenario
//! ([`casework::demo`]: a matching job run over it, the identifications its candidates support
//! proposed), and serves the API and web UI on loopback, printing the URL and the demo users'
//! passwords.
//!
//! The data directory holds `homeward-demo.db` and `demo-users.txt` (the generated passwords). A
//! directory whose build finished (`demo-ready`) is served again as it is; an unfinished build is
//! discarded and rebuilt. Nothing outside the data directory is written.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use casework::demo::{self, DemoSize, DemoUser};
use casework::input_error;
use clap::Args;

use crate::db::runtime_for_commands;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to serve the web UI and API.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The demo's own directory: its database and the demo users' passwords.
    #[arg(long, value_name = "DIR", default_value = "homeward-demo")]
    data_dir: PathBuf,
    /// The scenario's seed: the same seed gives the same persons, families and profiles.
    #[arg(long, default_value_t = 1945)]
    seed: u64,
    /// full (20,000 persons, 5,000 families, 2,000 samples) or small (for a quick look and tests).
    #[arg(long, default_value = "full")]
    size: String,
    /// Build (or reuse) the demo database, run the matching job, print the summary, and exit
    /// without serving.
    #[arg(long)]
    no_serve: bool,
    /// Discard a finished demo database and build it again.
    #[arg(long)]
    rebuild: bool,
    /// Log lines on standard error: text, or json (one object per line); HOMEWARD_LOG filters them.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    log_format: server::logging::LogFormat,
}

pub fn run(args: &DemoArgs) -> Result<()> {
    server::logging::init(args.log_format)?;
    let size = match args.size.as_str() {
        "full" => DemoSize::FULL,
        "small" => DemoSize::SMALL,
        other => return Err(input_error!("--size: '{other}' is not full or small")),
    };
    let addr: SocketAddr = args
        .listen
        .parse()
        .map_err(|_| input_error!("--listen: '{}' is not an address such as 127.0.0.1:8080", args.listen))?;
    let started = Instant::now();
    runtime_for_commands()?.block_on(async {
        let (store, users) = demo::open_or_build(&args.data_dir, args.seed, size, args.rebuild).await?;
        eprintln!("demo ready in {:.1} s", started.elapsed().as_secs_f64());
        let url = demo::database_url(&args.data_dir);
        if args.no_serve {
            print_users(None, &users);
            store.close().await;
            return Ok(());
        }
        let anchoring = tokio::spawn(casework::store::keep_anchor_while_serving(store.clone(), url.clone()));
        let config = server::ServerConfig {
            matching: Some(Arc::new(demo::matching_settings())),
            ..server::ServerConfig::default()
        };
        server::serve(
            store.clone(),
            config,
            addr,
            |bound| print_users(Some(bound), &users),
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        )
        .await
        .with_context(|| format!("serving on {addr}"))?;
        anchoring.abort();
        casework::store::keep_anchor(&store, &url).await;
        store.close().await;
        Ok(())
    })
}

fn print_users(bound: Option<SocketAddr>, users: &[DemoUser]) {
    let mut out = std::io::stdout().lock();
    if let Some(addr) = bound {
        let _ = writeln!(out, "Homeward demo: http://{addr}/");
    }
    let _ = writeln!(out, "Demo users (username, role, password):");
    for (name, role, password) in users {
        let _ = writeln!(out, "  {name:<10} {role:<16} {password}");
    }
    let _ = out.flush();
}
