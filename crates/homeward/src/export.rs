//! `homeward export …`: registry records to standard output (persons as CSV or JSON; sites,
//! families and missions as JSON; STR profiles as CODIS CMF).

use anyhow::Result;
use casework::export::{self, CmfHeader};
use casework::input_error;
use clap::{Subcommand, ValueEnum};

use crate::db::RegistryArg;
use server::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write every person to standard output.
    Persons {
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Write every burial site to standard output (JSON).
    Sites {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Write every family with its members to standard output (JSON; contact details are left out).
    Families {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Write every typed remains sample and reference sample (STR) to standard output as a CODIS
    /// CMF 3.2 file; relatives' categories come from the family tree.
    Cmf {
        #[command(flatten)]
        db: RegistryArg,
        /// The sending laboratory (SOURCELAB).
        #[arg(long, value_name = "ORI")]
        source_lab: String,
        /// The receiving CODIS site (DESTINATIONORI).
        #[arg(long, value_name = "ORI")]
        destination_ori: String,
        /// Who submits (SUBMITBYUSERID and READINGBY).
        #[arg(long, value_name = "ID")]
        user: String,
    },
    /// Write every mission to standard output (JSON).
    Missions {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        #[command(flatten)]
        db: RegistryArg,
    },
}

/// Records other than persons export as JSON only: their nesting (names in several scripts, members,
/// sites of a mission) has no faithful flat form.
fn json_only(format: ExportFormat, what: &str) -> Result<()> {
    if format == ExportFormat::Json {
        Ok(())
    } else {
        Err(input_error!(
            "export {what}: only --format json is available (nested records)"
        ))
    }
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn export(cmd: &ExportCommand) -> Result<()> {
    match cmd {
        ExportCommand::Sites { format, db } => {
            json_only(*format, "sites")?;
            print_json(&db.run_as(&[Permission::ReadSites], |store, _| async move {
                Ok(store.list_sites().await?)
            })?)
        }
        ExportCommand::Families { format, db } => {
            json_only(*format, "families")?;
            print_json(&db.run_as(&[Permission::ReadFamilies], |store, _| async move {
                export::families(&store).await
            })?)
        }
        ExportCommand::Cmf {
            db,
            source_lab,
            destination_ori,
            user,
        } => {
            let header = CmfHeader {
                source_lab: source_lab.clone(),
                destination_ori: destination_ori.clone(),
                user: user.clone(),
            };
            header.check()?;
            let file = db.run_as(&[Permission::ReadProfiles], |store, acting| async move {
                export::cmf(&store, &acting.name, &header).await
            })?;
            print!("{}", formats::write_cmf(&file));
            Ok(())
        }
        ExportCommand::Missions { format, db } => {
            json_only(*format, "missions")?;
            print_json(&db.run_as(&[Permission::ReadMissions], |store, _| async move {
                Ok(store.list_missions().await?)
            })?)
        }
        ExportCommand::Persons { format, db } => match format {
            ExportFormat::Csv => db.run_as(&[Permission::ReadPersons], |store, _| async move {
                export::persons_csv(&store, std::io::stdout().lock()).await
            }),
            ExportFormat::Json => print_json(&db.run_as(&[Permission::ReadPersons], |store, _| async move {
                export::persons(&store).await
            })?),
        },
    }
}
