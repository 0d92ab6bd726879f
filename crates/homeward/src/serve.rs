//! `homeward serve` (users and tokens: `accounts.rs`).

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::Args;

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
    /// The address users reach the server at, e.g. https://homeward.example.org behind a TLS
    /// proxy (https: the session cookie is Secure) [default: `public_url` of the configuration].
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key. The session
    /// cookie is then Secure.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
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
    let mut config = settings.server_config();
    config.matching = matching;
    if let Some(url) = &args.public_url {
        if !url.to_ascii_lowercase().starts_with("https://") && !url.to_ascii_lowercase().starts_with("http://") {
            return Err(input_error!(
                "--public-url: '{url}' is not an http:// or https:// address"
            ));
        }
        config.public_url = Some(url.clone());
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config.tls =
            Some(server::Tls::from_pem_files(cert, key).map_err(|e| input_error!("--tls-cert/--tls-key: {e}"))?);
    }
    let scheme = if config.tls.is_some() { "https" } else { "http" };
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
            |bound| eprintln!("homeward listening on {scheme}://{bound}"),
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
