//! `homeward`: the command-line tool.

use std::process::ExitCode;

use casework::error;
use clap::{Parser, Subcommand};
use homeward::{
    accounts, advise, backup, db, demo, dvi, export, import, itinerary, lr, matching, relationship, screen, screen_snp,
    serve, verify,
};

#[derive(Debug, Parser)]
#[command(
    name = "homeward",
    version,
    about = "Kinship statistics and case work for identifying the missing and the dead"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Likelihood ratio of two pedigree hypotheses for the same DNA profiles.
    Lr(lr::LrArgs),
    /// How two SNP-typed samples are related: each standard relationship's likelihood (linked SNPs),
    /// LR against unrelated, posterior; IBD along the genome.
    Relationship(relationship::RelationshipArgs),
    /// Identify victims against reference families: pairwise LRs, joint assignments, conclusions.
    Dvi(dvi::DviArgs),
    /// Screen every victim against every missing person; the best pairs to a file.
    Screen(screen::ScreenArgs),
    /// Every recovered sample against every reference sample on an SNP panel: a kinship first pass,
    /// then the kept pairs' exact LRs (linked SNPs) for every standard relationship.
    ScreenSnp(screen_snp::ScreenSnpArgs),
    /// Which relative to sample next for a missing person: simulated power of each candidate.
    Advise(advise::AdviseArgs),
    /// Victims against each other: fragments of one body, and relatives among the victims.
    Match(matching::MatchArgs),
    /// The registry's database.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Import records into the registry.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export records from the registry.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Plan a grave-visit mission: sites into days, least travel, each day within its hours.
    Itinerary(itinerary::ItineraryArgs),
    /// Rank recovery sites by expected identifications (remains, linked families, their power) and
    /// accessibility.
    RecoveryPriority(itinerary::RecoveryArgs),
    /// The audit log.
    #[command(subcommand)]
    Audit(db::AuditCommand),
    /// Recompute stored evidence and check that it reproduces.
    #[command(subcommand)]
    Verify(verify::VerifyCommand),
    /// Copy an SQLite registry to a file while it runs (VACUUM INTO); PostgreSQL: use pg_dump.
    Backup(backup::BackupArgs),
    /// Replace an SQLite registry by a backup whose audit chain verifies; PostgreSQL: use pg_restore.
    Restore(backup::RestoreArgs),
    /// Run the HTTP API.
    Serve(serve::ServeArgs),
    /// Build the bundled synthetic demo (71 sites, 20,000 persons, 5,000 families, 2,000 samples),
    /// run a matching job over it and serve it on loopback.
    Demo(demo::DemoArgs),
    /// Users and their roles.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// API tokens for scripts, and sessions.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lr(args) => lr::run(&args),
        Command::Relationship(args) => relationship::run(&args),
        Command::Dvi(args) => dvi::run(&args),
        Command::Screen(args) => screen::run(&args),
        Command::ScreenSnp(args) => screen_snp::run(&args),
        Command::Match(args) => matching::run(&args),
        Command::Advise(args) => advise::run(&args),
        Command::Db(cmd) => db::db(&cmd),
        Command::Import(cmd) => import::import(&cmd),
        Command::Export(cmd) => export::export(&cmd),
        Command::Itinerary(args) => itinerary::run(&args),
        Command::RecoveryPriority(args) => itinerary::recovery_priority(&args),
        Command::Audit(cmd) => db::audit(&cmd),
        Command::Verify(cmd) => verify::run(&cmd),
        Command::Backup(args) => backup::backup(&args),
        Command::Restore(args) => backup::restore(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Demo(args) => demo::run(&args),
        Command::User(cmd) => accounts::user(&cmd),
        Command::Token(cmd) => accounts::token(&cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if error::is_bad_input(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
