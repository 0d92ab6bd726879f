//! `homeward verify identification ID`: the identification's LR recomputed from the registry's
//! stored profiles under the model its matching job recorded, against the stored figure
//! (`jobs::provenance`, the same function the API's `verify` runs). Exit 1 when it does not
//! reproduce.

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};

use crate::db::RegistryArg;

#[derive(Debug, Subcommand)]
pub enum VerifyCommand {
    /// Recompute an identification's LR and compare it with the stored one (relative 1e-9).
    Identification(VerifyIdentificationArgs),
}

#[derive(Debug, Args)]
pub struct VerifyIdentificationArgs {
    /// The identification's id.
    pub id: i64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: RegistryArg,
}

pub fn run(cmd: &VerifyCommand) -> Result<()> {
    match cmd {
        VerifyCommand::Identification(args) => identification(args),
    }
}

fn identification(args: &VerifyIdentificationArgs) -> Result<()> {
    let id = args.id;
    let result = args
        .db
        .run_as(&[server::Permission::ReadProfiles], |store, acting| async move {
            Ok(jobs::provenance::verify_identification(&store, &acting.name, id).await?)
        })?
        .ok_or_else(|| {
            anyhow!("identification {id} was not proposed from a matching job's candidate; it has no LR to recompute")
        })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "identification {id}: candidate {} of job {}",
            result.candidate_id, result.job_id
        );
        println!("  stored log10 LR      {}", result.stored_log10_lr);
        match result.recomputed_log10_lr {
            Some(r) => println!("  recomputed log10 LR  {r}"),
            None => println!("  recomputed log10 LR  (not computed)"),
        }
        if let Some(d) = result.relative_difference {
            println!(
                "  relative difference  {d:.3e} (tolerance {:.0e})",
                jobs::provenance::RELATIVE_TOLERANCE
            );
        }
        println!(
            "  engine               {} (the job: {})",
            result.engine,
            result.job_engine.as_deref().unwrap_or("not recorded")
        );
        if let Some(h) = &result.model_sha256 {
            println!("  model sha256         {h}");
        }
        if let Some(h) = &result.frequencies_sha256 {
            println!("  frequencies sha256   {h}");
        }
        for p in &result.problems {
            println!("  note: {p}");
        }
    }
    if result.reproduced {
        if !args.json {
            println!("reproduced");
        }
        Ok(())
    } else {
        Err(anyhow!(
            "identification {id}: the stored LR is not reproduced: {}",
            result.problems.join("; ")
        ))
    }
}
