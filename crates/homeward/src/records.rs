//! Registry commands: `db migrate`, `import persons`, `export persons`, `audit verify`. The other
//! imports (`import sites|families|profiles`) are in [`crate::imports`], `import cmf` in
//! [`crate::import_cmf`].
//!
//! Persons CSV (import and export), UTF-8 with a header row; `external_id` and `name` are
//! required, the other columns optional and in any order:
//!
//! | column | meaning |
//! |---|---|
//! | `external_id` | the programme's own id, unique |
//! | `name` | the name as recorded (script guessed from the letters unless `name_script` is given) |
//! | `name_script`, `name_lang` | ISO 15924 script code and language tag of `name` |
//! | `name_kana` | reading in kana |
//! | `name_latin` | romanised name |
//! | `sex` | male, female or unknown (also m/f/u, 1/2/0) |
//! | `birth`, `death` | YYYY, YYYY-MM or YYYY-MM-DD |
//! | `death_place`, `death_lat`, `death_lon` | where the person died |
//! | `source` | where these facts come from |

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use registry::model::{Coordinates, FieldError, Name, NameKind, NewPerson, PartialDate, Person, Place, Sex, Source};
use registry::Store;

use formats::{Table, TableSpec};

use crate::input_error;

/// The database to use, and where the settings come from.
#[derive(Debug, Args)]
pub struct DbArg {
    /// sqlite://FILE (created if missing) or postgres://USER@HOST:PORT/DB [default: from the
    /// configuration, else sqlite://homeward.db].
    #[arg(long)]
    pub db: Option<String>,
    /// Configuration file [default: ./homeward.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl DbArg {
    /// The settings in force, the `--db` flag over everything else.
    pub fn settings(&self) -> Result<crate::config::Settings> {
        let mut s = crate::config::load(self.config.as_ref(), |k| std::env::var(k).ok())?;
        if let Some(db) = &self.db {
            s.db = db.clone();
        }
        Ok(s)
    }
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the database if needed and apply the migrations it has not seen.
    Migrate(DbArg),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import persons from a CSV file, in one transaction: every row or none.
    Persons {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Recorded in the audit log as the one who imported.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Import burial sites from a CSV file (columns: see README), in one transaction: every row is
    /// checked first, and then all are written or none. Sites whose external_id exists are skipped.
    Sites {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Recorded in the audit log as the one who imported.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Import families and their members from a CSV file, one row per member (columns: see README).
    /// Every row is checked first, nothing written if one is bad; then the file is written in one
    /// transaction: all of it, or nothing if anything fails. Families already in the registry (by
    /// external_id, with every member of the file by name) are skipped, so a re-run writes nothing.
    Families {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Recorded in the audit log as the one who imported.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Import reference samples (STR profiles with consent) from a CSV file, one column per marker
    /// (columns: see README). Every row is checked first, nothing written if one is bad; then the file
    /// is written in one transaction: all of it, or nothing if anything fails. References whose
    /// external_id exists (for the same donor) are skipped, so a re-run writes nothing.
    Profiles {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Recorded in the audit log as the one who imported.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Import the reference families of a Familias DVI file with their members' profiles, in one
    /// transaction (see `crates/homeward/src/import_fam.rs`).
    Fam(crate::import_fam::ImportFamArgs),
    /// Import the specimens of a CODIS CMF 3.2 XML file: unidentified remains (with their samples)
    /// and relatives' reference samples (see README). Every specimen is checked first; then the
    /// file is written in one transaction.
    Cmf {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Recorded in the audit log as the one who imported.
        #[arg(long, default_value = "cli")]
        actor: String,
        /// External id of the burial site the file's unidentified remains come from.
        #[arg(long, value_name = "SITE_EXTERNAL_ID")]
        site: Option<String>,
        /// Consent of the relatives whose samples the file holds: identification-only or
        /// identification-and-research.
        #[arg(long, value_name = "SCOPE")]
        consent_scope: Option<String>,
        /// Date of that consent: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        consent_date: Option<String>,
    },
    /// Import a family tree (GEDCOM 7.0 or 5.5.1) as one family: biological links make the pedigree,
    /// adoptive and foster links are kept as non-genetic relations. Checked whole first, then written
    /// in one transaction.
    Gedcom(crate::import_gedcom::GedcomArgs),
    /// Record a GeneMapper/GeneMarker allele table on the samples and references its sample names
    /// are, checking amelogenin against the recorded sex. Checked whole first, then written in one
    /// transaction.
    Genemapper(crate::import_genemapper::GenemapperArgs),
}

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
        db: DbArg,
    },
    /// Write every burial site to standard output (JSON).
    Sites {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        #[command(flatten)]
        db: DbArg,
    },
    /// Write every family with its members to standard output (JSON; contact details are left out).
    Families {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        #[command(flatten)]
        db: DbArg,
    },
    /// Write every typed remains sample and reference sample (STR) to standard output as a CODIS
    /// CMF 3.2 file; relatives' categories come from the family tree.
    Cmf {
        #[command(flatten)]
        db: DbArg,
        /// The sending laboratory (SOURCELAB).
        #[arg(long, value_name = "ORI")]
        source_lab: String,
        /// The receiving CODIS site (DESTINATIONORI).
        #[arg(long, value_name = "ORI")]
        destination_ori: String,
        /// Who submits (SUBMITBYUSERID and READINGBY).
        #[arg(long, value_name = "ID")]
        user: String,
        /// Recorded in the audit log as the one who read the profiles.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Write every mission to standard output (JSON).
    Missions {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        #[command(flatten)]
        db: DbArg,
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

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole audit chain; exit 1 and name the first broken entry if it does not hold.
    Verify(DbArg),
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")
}

pub(crate) async fn open(db: &DbArg) -> Result<Store> {
    let url = db.settings()?.db;
    Store::open(&url).await.map_err(|e| match e {
        registry::StoreError::Url(_) => input_error!("--db: {e}"),
        other => anyhow::Error::new(other).context(format!("opening {url}")),
    })
}

pub(crate) fn runtime_for_commands() -> Result<tokio::runtime::Runtime> {
    runtime()
}

pub fn db(cmd: &DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Migrate(db) => runtime()?.block_on(async {
            let store = open(db).await?;
            store.close().await;
            eprintln!("{} is up to date", db.settings()?.db);
            Ok(())
        }),
    }
}

const COLUMNS: [&str; 13] = [
    "external_id",
    "name",
    "name_script",
    "name_lang",
    "name_kana",
    "name_latin",
    "sex",
    "birth",
    "death",
    "death_place",
    "death_lat",
    "death_lon",
    "source",
];

/// Reads a persons CSV; errors name the line and the column.
pub fn read_persons_csv(path: &Path, input: impl Read) -> Result<Vec<NewPerson>> {
    let label = path.display().to_string();
    let text = crate::text_file::utf8_text(&label, input)?;
    let spec = TableSpec {
        header_word: "field",
        ..TableSpec::csv(&label, Some(&COLUMNS), &["external_id", "name"])
    };
    let table = Table::read(&text, &spec)?;
    table
        .rows()
        .map(|row| {
            let get = |name: &str| row.get(name).filter(|v| !v.is_empty());
            person_from_row(&get).map_err(|e| input_error!("{}: line {}, {e}", table.label(), row.line))
        })
        .collect()
}

fn person_from_row<'a>(get: &dyn Fn(&str) -> Option<&'a str>) -> Result<NewPerson, FieldError> {
    let text = get("name").ok_or_else(|| FieldError::new("name", "is empty"))?;
    let script = get("name_script").unwrap_or_else(|| Name::guess_script(text));
    let mut names = vec![Name::new(text, script, get("name_lang"), NameKind::Primary)?];
    if let Some(kana) = get("name_kana") {
        names.push(Name::new(
            kana,
            Name::guess_script(kana),
            Some("ja"),
            NameKind::Transliteration,
        )?);
    }
    if let Some(latin) = get("name_latin") {
        names.push(Name::new(latin, "Latn", None, NameKind::Transliteration)?);
    }
    let date = |field: &str| -> Result<Option<PartialDate>, FieldError> {
        get(field)
            .map(|v| v.parse::<PartialDate>().map_err(|e| FieldError::new(field, e)))
            .transpose()
    };
    let number = |field: &str| -> Result<Option<f64>, FieldError> {
        get(field)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| FieldError::new(field, format!("'{v}' is not a number")))
            })
            .transpose()
    };
    let coordinates = match (number("death_lat")?, number("death_lon")?) {
        (Some(lat), Some(lon)) => Some(Coordinates::new(lat, lon, None).map_err(|e| {
            // Name the CSV column.
            FieldError::new(&format!("death_{}", e.field), e.message)
        })?),
        (None, None) => None,
        (Some(_), None) => return Err(FieldError::new("death_lon", "is needed with death_lat")),
        (None, Some(_)) => return Err(FieldError::new("death_lat", "is needed with death_lon")),
    };
    let place = get("death_place");
    let person = NewPerson {
        external_id: get("external_id")
            .ok_or_else(|| FieldError::new("external_id", "is empty"))?
            .to_owned(),
        names,
        sex: get("sex")
            .unwrap_or("unknown")
            .parse::<Sex>()
            .map_err(|e| FieldError::new("sex", e))?,
        birth: date("birth")?,
        death: date("death")?,
        death_place: (place.is_some() || coordinates.is_some()).then(|| Place {
            name: place.map(str::to_owned),
            coordinates,
        }),
        sources: get("source")
            .map(|s| {
                vec![Source {
                    citation: s.to_owned(),
                    note: None,
                }]
            })
            .unwrap_or_default(),
    };
    person.check()?;
    Ok(person)
}

pub fn import(cmd: &ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Persons { file, db, actor } => {
            let f = std::fs::File::open(file).map_err(|e| input_error!("{}: cannot read: {e}", file.display()))?;
            let persons = read_persons_csv(file, std::io::BufReader::new(f))?;
            runtime()?.block_on(async {
                let store = open(db).await?;
                let result = store.import_persons(actor, &persons).await;
                store.close().await;
                match result {
                    Ok(n) => {
                        eprintln!("{n} persons imported");
                        Ok(())
                    }
                    // Rows are numbered from the header (line 1), one record per line.
                    Err((i, e @ (registry::StoreError::Duplicate { .. } | registry::StoreError::Invalid(_)))) => Err(
                        input_error!("{}: line {}: {e}; nothing was imported", file.display(), i + 2),
                    ),
                    Err((_, e)) => Err(anyhow::Error::new(e).context("importing; nothing was imported")),
                }
            })
        }
        ImportCommand::Sites { file, db, actor } => crate::imports::run(crate::imports::Kind::Sites, file, db, actor),
        ImportCommand::Families { file, db, actor } => {
            crate::imports::run(crate::imports::Kind::Families, file, db, actor)
        }
        ImportCommand::Profiles { file, db, actor } => {
            crate::imports::run(crate::imports::Kind::Profiles, file, db, actor)
        }
        ImportCommand::Fam(args) => crate::import_fam::run(args),
        ImportCommand::Cmf {
            file,
            db,
            actor,
            site,
            consent_scope,
            consent_date,
        } => crate::import_cmf::run(
            file,
            db,
            actor,
            &crate::import_cmf::CmfOptions {
                site: site.clone(),
                consent_scope: consent_scope.clone(),
                consent_date: consent_date.clone(),
            },
        ),
        ImportCommand::Gedcom(args) => crate::import_gedcom::run(args),
        ImportCommand::Genemapper(args) => crate::import_genemapper::run(args),
    }
}

fn csv_row(p: &Person) -> Vec<String> {
    let name = |kind: NameKind, script: Option<&str>| {
        p.data
            .names
            .iter()
            .find(|n| n.kind == kind && script.is_none_or(|s| n.script == s))
            .map(|n| n.text.clone())
            .unwrap_or_default()
    };
    let primary = p
        .data
        .names
        .iter()
        .find(|n| n.kind == NameKind::Primary)
        .or(p.data.names.first());
    let kana = p
        .data
        .names
        .iter()
        .find(|n| n.kind == NameKind::Transliteration && matches!(n.script.as_str(), "Kana" | "Hira"))
        .map(|n| n.text.clone())
        .unwrap_or_default();
    let place = p.data.death_place.as_ref();
    let coords = place.and_then(|pl| pl.coordinates);
    vec![
        p.data.external_id.clone(),
        primary.map(|n| n.text.clone()).unwrap_or_default(),
        primary.map(|n| n.script.clone()).unwrap_or_default(),
        primary.and_then(|n| n.lang.clone()).unwrap_or_default(),
        kana,
        name(NameKind::Transliteration, Some("Latn")),
        p.data.sex.as_str().to_owned(),
        p.data.birth.map(|d| d.to_string()).unwrap_or_default(),
        p.data.death.map(|d| d.to_string()).unwrap_or_default(),
        place.and_then(|pl| pl.name.clone()).unwrap_or_default(),
        coords.map(|c| c.lat.to_string()).unwrap_or_default(),
        coords.map(|c| c.lon.to_string()).unwrap_or_default(),
        p.data.sources.first().map(|s| s.citation.clone()).unwrap_or_default(),
    ]
}

pub fn export(cmd: &ExportCommand) -> Result<()> {
    let print = |v: serde_json::Value| -> Result<()> {
        println!("{}", serde_json::to_string_pretty(&v)?);
        Ok(())
    };
    match cmd {
        ExportCommand::Sites { format, db } => {
            json_only(*format, "sites")?;
            runtime()?.block_on(async {
                let store = open(db).await?;
                let sites = store.list_sites().await?;
                store.close().await;
                print(serde_json::to_value(sites)?)
            })
        }
        ExportCommand::Families { format, db } => {
            json_only(*format, "families")?;
            runtime()?.block_on(async {
                let store = open(db).await?;
                let mut out = Vec::new();
                for f in store.list_families().await? {
                    let members = store.list_members(f.id).await?;
                    out.push(serde_json::json!({ "family": f, "members": members }));
                }
                store.close().await;
                print(serde_json::Value::Array(out))
            })
        }
        ExportCommand::Cmf {
            db,
            source_lab,
            destination_ori,
            user,
            actor,
        } => crate::import_cmf::run_export(
            db,
            actor,
            &crate::import_cmf::CmfHeader {
                source_lab: source_lab.clone(),
                destination_ori: destination_ori.clone(),
                user: user.clone(),
            },
        ),
        ExportCommand::Missions { format, db } => {
            json_only(*format, "missions")?;
            runtime()?.block_on(async {
                let store = open(db).await?;
                let missions = store.list_missions().await?;
                store.close().await;
                print(serde_json::to_value(missions)?)
            })
        }
        ExportCommand::Persons { format, db } => runtime()?.block_on(async {
            let store = open(db).await?;
            let stdout = std::io::stdout();
            let mut csv_out = (*format == ExportFormat::Csv).then(|| csv::Writer::from_writer(stdout.lock()));
            if let Some(w) = csv_out.as_mut() {
                w.write_record(COLUMNS)?;
            }
            let mut all: Vec<Person> = Vec::new();
            let mut offset = 0;
            loop {
                let page = store.search_persons(None, 1000, offset).await?;
                if page.is_empty() {
                    break;
                }
                offset += page.len() as i64;
                match csv_out.as_mut() {
                    Some(w) => {
                        for p in &page {
                            w.write_record(csv_row(p))?;
                        }
                    }
                    None => all.extend(page),
                }
            }
            match csv_out {
                Some(mut w) => w.flush()?,
                None => println!("{}", serde_json::to_string_pretty(&all)?),
            }
            store.close().await;
            Ok(())
        }),
    }
}

pub fn audit(cmd: &AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify(db) => runtime()?.block_on(async {
            let store = open(db).await?;
            let report = store.verify_audit().await?;
            store.close().await;
            match report.first_broken {
                None => {
                    println!("audit chain intact: {} entries", report.entries);
                    Ok(())
                }
                Some((seq, why)) => Err(anyhow::anyhow!(
                    "audit chain broken at entry {seq}: {why} ({} entries before it hold)",
                    report.entries
                )),
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        read_persons_csv(Path::new("persons.csv"), text.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn header_faults_name_the_column() {
        // Found by fuzzing: an empty header cell was reported as the unknown column ''.
        let e = error("external_id,name,\nJP-1,x,\n");
        assert!(
            e.contains("persons.csv: line 1, column 3: the column has no name"),
            "{e}"
        );
        // A column given twice would have had its second cells ignored.
        let e = error("external_id,name,name\nJP-1,x,y\n");
        assert!(e.contains("line 1, field 'name': the column is given twice"), "{e}");
    }
}
