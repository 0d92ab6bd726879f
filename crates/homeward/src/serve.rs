//! `homeward serve`, `homeward user add`, `homeward token create`.

use std::io::Read;
use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use registry::Role;

use crate::db::{close, open, runtime_for_commands, DbArg};
use casework::input_error;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArg,
    /// Address to listen on [default: from the configuration, else 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Log lines on standard error: text, or json (one object per line); HOMEWARD_LOG filters them.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    log_format: server::logging::LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin, family-liaison, lab-analyst, reviewer, mission-planner or viewer.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (shown once; stored only as a hash).
    Create {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
}

pub fn serve(args: &ServeArgs) -> Result<()> {
    server::logging::init(args.log_format)?;
    let settings = args.db.settings()?;
    let listen = args.listen.clone().unwrap_or(settings.listen.clone());
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| input_error!("--listen: '{listen}' is not an address such as 127.0.0.1:8080"))?;
    let matching = match &settings.frequencies {
        Some(path) => Some(std::sync::Arc::new(matching_settings(path)?)),
        None => None,
    };
    let config = server::ServerConfig {
        max_body_bytes: settings.max_body_bytes,
        session_hours: settings.session_hours,
        matching,
    };
    // Held for the server's whole life (released by the kernel however the process ends), so that
    // `homeward restore` refuses instead of replacing the file under acknowledged writes.
    let _lock = casework::backup::serving_lock(&args.db.url()?)?;
    runtime_for_commands()?.block_on(async {
        let store = open(&args.db).await?;
        let anchoring = tokio::spawn(casework::store::keep_anchor_while_serving(
            store.clone(),
            args.db.url()?,
        ));
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("installing the SIGTERM handler");
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        };
        server::serve(
            store.clone(),
            config,
            addr,
            |bound| eprintln!("homeward listening on http://{bound}"),
            shutdown,
        )
        .await
        .with_context(|| format!("serving on {addr}"))?;
        anchoring.abort();
        close(&args.db, &store).await;
        Ok(())
    })
}

/// The markers of a frequency database, without mutation models, for matching jobs.
fn matching_settings(path: &std::path::Path) -> Result<jobs::MatchingSettings> {
    let db = casework::case::read_frequencies(path)?;
    let markers = db
        .markers
        .iter()
        .map(|m| {
            kinship::Marker::without_mutation(&m.name, m.alleles.clone(), kinship::Chromosome::Autosomal)
                .map_err(|e| input_error!("{}: line {}: {e}", path.display(), m.line))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(jobs::MatchingSettings {
        markers,
        top: 5,
        min_log10_lr: 0.0,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    })
}

pub fn user(cmd: &UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            username,
            role,
            password_stdin: _,
            db,
        } => {
            let role: Role = role.parse().map_err(|e: String| input_error!("--role: {e}"))?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            runtime_for_commands()?.block_on(async {
                let store = open(db).await?;
                let result = store.add_user("cli", username, role, password).await;
                close(db, &store).await;
                match result {
                    Ok(u) => {
                        eprintln!("user '{}' added with role {}", u.username, u.role);
                        Ok(())
                    }
                    Err(e @ (registry::StoreError::Invalid(_) | registry::StoreError::Duplicate { .. })) => {
                        Err(input_error!("{e}"))
                    }
                    Err(e) => Err(e.into()),
                }
            })
        }
    }
}

pub fn token(cmd: &TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create { username, db } => runtime_for_commands()?.block_on(async {
            let store = open(db).await?;
            let result = store.create_token("cli", username, "api", None).await;
            close(db, &store).await;
            match result {
                Ok(token) => {
                    println!("{token}");
                    Ok(())
                }
                Err(e @ registry::StoreError::NotFound { .. }) => Err(input_error!("{e}")),
                Err(e) => Err(e.into()),
            }
        }),
    }
}
