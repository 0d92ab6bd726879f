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
    #[command(flatten)]
    snp: JobSnpArgs,
}

/// The SNP part of matching jobs' model.
#[derive(Debug, Args)]
pub struct JobSnpArgs {
    /// Matching jobs also use the SNP profiles typed on this registry panel (`homeward import
    /// snp-panel`), multiplying each pair's STR LR by its linked SNP LR [default: STRs only].
    #[arg(long, value_name = "NAME")]
    snp_panel: Option<String>,
    /// The panel's freq_alt:POP column to use [default: freq_alt].
    #[arg(long, value_name = "POP", requires = "snp_panel")]
    snp_population: Option<String>,
    /// Genotyping error of SNP calls (GT): P(observed o | true g) = 1 − E if o = g, else E/2.
    #[arg(long, value_name = "E", default_value_t = 0.0, requires = "snp_panel")]
    snp_genotype_error: f64,
    /// Map function from centimorgans to recombination fractions.
    #[arg(long, value_enum, default_value_t = crate::snp::MapName::Haldane, requires = "snp_panel")]
    snp_map: crate::snp::MapName,
    /// Use the panel's sex-averaged map even where it has female and male maps.
    #[arg(long, requires = "snp_panel")]
    snp_sex_averaged_map: bool,
}

impl JobSnpArgs {
    pub fn settings(&self) -> Result<Option<jobs::snp::SnpSettings>> {
        let Some(panel) = &self.snp_panel else { return Ok(None) };
        if !(0.0..1.0).contains(&self.snp_genotype_error) {
            return Err(input_error!(
                "--snp-genotype-error {}: must be in [0, 1)",
                self.snp_genotype_error
            ));
        }
        Ok(Some(jobs::snp::SnpSettings {
            panel: panel.clone(),
            population: self.snp_population.clone(),
            genotype_error: self.snp_genotype_error,
            map: self.snp_map.function(),
            sex_averaged_map: self.snp_sex_averaged_map,
        }))
    }
}

pub fn serve(args: &ServeArgs) -> Result<()> {
    server::logging::init(args.log_format)?;
    let settings = args.db.settings()?;
    let listen = args.listen.clone().unwrap_or(settings.listen.clone());
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| input_error!("--listen: '{listen}' is not an address such as 127.0.0.1:8080"))?;
    let snp = args.snp.settings()?;
    let matching = match &settings.frequencies {
        Some(path) => Some(std::sync::Arc::new(jobs::MatchingSettings {
            snp,
            ..matching_settings(path)?
        })),
        None if snp.is_some() => {
            return Err(input_error!(
                "--snp-panel: matching jobs need the STR frequencies too (frequencies in the configuration)"
            ))
        }
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
        snp: None,
    })
}
