//! `homeward screen`: every victim against every missing person, the best pairs to a file.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use identify::screen::{screen, ScreenOptions, ScreenTables};

use crate::dvi::{load, CaseFiles};
use casework::input_error;

#[derive(Debug, Args)]
pub struct ScreenArgs {
    #[command(flatten)]
    files: CaseFiles,
    /// Keep the K best missing persons of each victim and the K best victims of each missing person.
    #[arg(long, value_name = "K", default_value_t = 5)]
    top: usize,
    /// Report only pairs with an LR at least this.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    min_lr: f64,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Where to write the pairs (tab-separated: victim, missing, family, log10_lr, exclusions).
    #[arg(long, value_name = "RESULTS.tsv")]
    out: PathBuf,
}

/// A progress line on standard error, when it is a terminal.
struct Progress {
    started: Instant,
    last: Mutex<Instant>,
    enabled: bool,
}

impl Progress {
    fn new() -> Self {
        let now = Instant::now();
        Progress {
            started: now,
            last: Mutex::new(now),
            enabled: std::io::stderr().is_terminal(),
        }
    }

    fn update(&self, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        let Ok(mut last) = self.last.lock() else { return };
        if last.elapsed() < Duration::from_millis(200) && done < total {
            return;
        }
        *last = Instant::now();
        let frac = if total == 0 { 1.0 } else { done as f64 / total as f64 };
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if frac > 0.0 { elapsed * (1.0 - frac) / frac } else { 0.0 };
        let width = 30;
        let filled = (frac * width as f64) as usize;
        eprint!(
            "\r[{}{}] {:5.1}%  {:.3e} of {:.3e} pairs  ETA {:.0} s ",
            "#".repeat(filled),
            ".".repeat(width - filled),
            frac * 100.0,
            done as f64,
            total as f64,
            eta
        );
        if done >= total {
            eprintln!();
        }
    }
}

pub fn run(args: &ScreenArgs) -> Result<()> {
    if args.min_lr.is_nan() || args.min_lr < 0.0 {
        return Err(input_error!("--min-lr {}: must be 0 or more", args.min_lr));
    }
    if args.threads == Some(0) {
        return Err(input_error!("--threads 0: give at least one"));
    }
    let case = load(&args.files)?;
    let options = ScreenOptions {
        top_per_victim: args.top,
        top_per_missing: args.top,
        min_log10_lr: args.min_lr.log10(),
        threads: args.threads.unwrap_or_else(|| ScreenOptions::default().threads),
    };
    let unsupported = |e: identify::dvi::DviError| match e {
        identify::dvi::DviError::Unsupported { .. } | identify::dvi::DviError::FamilyImpossible { .. } => {
            input_error!("{e}")
        }
        other => anyhow::Error::new(other),
    };
    let tables = ScreenTables::build(&case, options.threads).map_err(unsupported)?;
    let progress = Progress::new();
    let result = screen(&case, &tables, &options, &|done, total| progress.update(done, total)).map_err(unsupported)?;
    // Write beside the target, then rename: a reader never sees half a file.
    let tmp = args.out.with_extension("tsv.partial");
    {
        let file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = BufWriter::new(file);
        writeln!(w, "victim\tmissing\tfamily\tlog10_lr\texclusions")?;
        for h in &result.hits {
            let (f, k) = tables.missing()[h.missing];
            writeln!(
                w,
                "{}\t{}\t{}\t{:.6}\t{}",
                case.victims()[h.victim].id,
                case.missing_id(f, k),
                case.families()[f].id,
                h.log10_lr + 0.0, // no "-0.000000"
                h.exclusions
            )?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, &args.out).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{} pairs scored, {} written to {}",
        result.pairs,
        result.hits.len(),
        args.out.display()
    );
    Ok(())
}
