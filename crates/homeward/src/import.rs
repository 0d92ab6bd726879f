//! `homeward import …`: the arguments of each import and the closing line it prints. The importers
//! themselves are `casework::import`'s, the same for the command line and the server: each file is
//! read, checked whole, planned against the registry and written in one transaction.

use std::path::{Path, PathBuf};

use anyhow::Result;
use casework::import::vcf::{SnpPanelImport, VcfImport};
use casework::import::{self, cmf::Cmf, cmf::CmfOptions, fam::Fam, families::Families, gedcom::Gedcom};
use casework::import::{genemapper::GeneMapper, persons::Persons, profiles::Profiles, sites::Sites, IntoRegistry};
use clap::{Args, Subcommand};

use crate::db::RegistryArg;
use server::Permission::{self, *};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import persons from a CSV file, in one transaction: every row or none.
    Persons {
        file: PathBuf,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Import burial sites from a CSV file (columns: see README), in one transaction: every row is
    /// checked first, and then all are written or none. Sites whose external_id exists are skipped.
    Sites {
        file: PathBuf,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Import families and their members from a CSV file, one row per member (columns: see README).
    /// Every row is checked first, nothing written if one is bad; then the file is written in one
    /// transaction: all of it, or nothing if anything fails. Families already in the registry (by
    /// external_id, with every member of the file by name) are skipped, so a re-run writes nothing.
    Families {
        file: PathBuf,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Import reference samples (STR profiles with consent) from a CSV file, one column per marker
    /// (columns: see README). Every row is checked first, nothing written if one is bad; then the file
    /// is written in one transaction: all of it, or nothing if anything fails. References whose
    /// external_id exists (for the same donor) are skipped, so a re-run writes nothing.
    Profiles {
        file: PathBuf,
        #[command(flatten)]
        db: RegistryArg,
    },
    /// Import the reference families of a Familias DVI file with their members' profiles, in one
    /// transaction (see `crates/casework/src/import/fam.rs`).
    Fam(FamArgs),
    /// Import the specimens of a CODIS CMF 3.2 XML file: unidentified remains (with their samples)
    /// and relatives' reference samples (see README). Every specimen is checked first; then the
    /// file is written in one transaction.
    Cmf {
        file: PathBuf,
        #[command(flatten)]
        db: RegistryArg,
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
    Gedcom(GedcomArgs),
    /// Record a GeneMapper/GeneMarker allele table on the samples and references its sample names
    /// are, checking amelogenin against the recorded sex. Checked whole first, then written in one
    /// transaction.
    Genemapper(GenemapperArgs),
    /// Keep a SNP panel file (marker, chrom, pos_bp, cm, ref, alt, freq_alt; optional cm_female,
    /// cm_male, freq_alt:POP) in the registry under a name, for `import vcf` and matching jobs
    /// (the FORCE panel: crates/homeward/data/snp/force-autosomal.tsv).
    SnpPanel(SnpPanelArgs),
    /// Record a VCF file's SNP profiles (GT, PL, GL or AD) on the samples and references its sample
    /// columns name, typed on a registry panel. Checked whole first, then written in one transaction.
    Vcf(VcfArgs),
}

#[derive(Debug, Args)]
pub struct SnpPanelArgs {
    /// The panel file (tab-separated).
    pub file: PathBuf,
    /// The name to keep it under, such as FORCE.
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub db: RegistryArg,
}

#[derive(Debug, Args)]
pub struct VcfArgs {
    /// The VCF 4.x text file; one column per sample or reference, named by its external id.
    pub file: PathBuf,
    /// The registry panel (see `import snp-panel`) the file was typed on.
    #[arg(long, value_name = "NAME")]
    pub panel: String,
    /// Use the AD read counts, where a column has them, with this per-read error rate.
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub sequencing_error: Option<f64>,
    #[command(flatten)]
    pub db: RegistryArg,
}

#[derive(Debug, Args)]
pub struct FamArgs {
    /// A Familias file with a [DVI] section.
    file: PathBuf,
    #[command(flatten)]
    db: RegistryArg,
    /// The typing kit of the reference samples, such as GlobalFiler.
    #[arg(long)]
    kit: String,
    /// identification-only or identification-and-research, for every reference sample of the file.
    #[arg(long, value_name = "SCOPE")]
    consent_scope: String,
    /// YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    consent_date: String,
    /// Prefix of the families' external ids [default: the file's name and '/'].
    #[arg(long, value_name = "PREFIX")]
    id_prefix: Option<String>,
}

#[derive(Debug, Args)]
pub struct GedcomArgs {
    /// The GEDCOM file (UTF-8).
    pub file: PathBuf,
    /// The registry key (external id) of the new family.
    #[arg(long)]
    pub family: String,
    /// The family's name [default: the surname most members share, else the key].
    #[arg(long)]
    pub name: Option<String>,
    /// XREF=PERSON: the individual @XREF@ is the missing registry person PERSON (external id).
    #[arg(long, value_name = "XREF=PERSON")]
    pub missing: Vec<String>,
    /// XREF=PERSON: the individual @XREF@ is the registry person PERSON (external id).
    #[arg(long, value_name = "XREF=PERSON")]
    pub person: Vec<String>,
    #[command(flatten)]
    pub db: RegistryArg,
}

#[derive(Debug, Args)]
pub struct GenemapperArgs {
    /// The allele table, tab- or comma-separated, as GeneMapper or GeneMarker export it.
    pub file: PathBuf,
    #[command(flatten)]
    pub db: RegistryArg,
}

/// Reads `file` (UTF-8), checks it with `importer` (printing its warnings), then, as the user of
/// `--as` if their role may do each of `needs`, plans and writes it in the registry and prints what
/// was written.
fn run<I: IntoRegistry + Sync>(importer: I, file: &Path, db: &RegistryArg, needs: &[Permission]) -> Result<()> {
    let label = file.display().to_string();
    let text = casework::text_file::read_utf8(file)?;
    let checked = importer.check(&label, &text)?;
    for w in importer.warnings(&checked) {
        eprintln!("warning: {label}: {w}");
    }
    let written = db.run_as(needs, |store, acting| async move {
        import::plan_and_write(&importer, &store, &label, &acting.name, checked).await
    })?;
    eprintln!("{written}");
    Ok(())
}

pub fn import(cmd: &ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Persons { file, db } => run(Persons, file, db, &[WritePersons]),
        ImportCommand::Sites { file, db } => run(Sites, file, db, &[WriteSites]),
        ImportCommand::Families { file, db } => run(Families, file, db, &[WriteFamilies]),
        ImportCommand::Profiles { file, db } => run(Profiles, file, db, &[WriteReferences]),
        ImportCommand::Fam(a) => run(
            Fam {
                kit: a.kit.clone(),
                consent_scope: a.consent_scope.clone(),
                consent_date: a.consent_date.clone(),
                id_prefix: a.id_prefix.clone(),
            },
            &a.file,
            &a.db,
            &[WriteFamilies, WriteReferences],
        ),
        ImportCommand::Cmf {
            file,
            db,
            site,
            consent_scope,
            consent_date,
        } => run(
            Cmf {
                options: CmfOptions {
                    site: site.clone(),
                    consent_scope: consent_scope.clone(),
                    consent_date: consent_date.clone(),
                },
            },
            file,
            db,
            &[WriteRemains, WriteSamples, WriteReferences],
        ),
        ImportCommand::Gedcom(a) => run(
            Gedcom {
                family: a.family.clone(),
                name: a.name.clone(),
                missing: a.missing.clone(),
                person: a.person.clone(),
            },
            &a.file,
            &a.db,
            &[WriteFamilies],
        ),
        ImportCommand::Genemapper(a) => run(GeneMapper, &a.file, &a.db, &[WriteProfiles]),
        ImportCommand::SnpPanel(a) => run(
            SnpPanelImport { name: a.name.clone() },
            &a.file,
            &a.db,
            &[WriteProfiles],
        ),
        ImportCommand::Vcf(a) => run(
            VcfImport {
                panel: a.panel.clone(),
                sequencing_error: a.sequencing_error,
            },
            &a.file,
            &a.db,
            &[WriteProfiles],
        ),
    }
}
