//! `import sites`: burial sites from a CSV file, one row per site:
//!
//! | column | meaning |
//! |---|---|
//! | `external_id` | the programme's id for the site, unique (required) |
//! | `name` | the name as recorded (required; script guessed from the letters unless `name_script` is given) |
//! | `name_script`, `name_lang` | ISO 15924 script code and language tag of `name` |
//! | `name_latin` | romanised name |
//! | `lat`, `lon` | decimal degrees, both or neither |
//! | `precision_m` | how precisely the point is known, in metres (needs `lat`/`lon`) |
//! | `status` | known (default), surveyed, inaccessible, farmland, relocated, exhumed |
//! | `estimated_count` | estimated number of people buried there |
//! | `notes` | free text |
//!
//! Sites whose `external_id` the registry holds already are skipped.

use std::collections::HashMap;
#[cfg(feature = "store")]
use std::collections::HashSet;

use anyhow::Result;
use registry::model::{Coordinates, FieldError, Name, NameKind, NewSite, SiteStatus};
#[cfg(feature = "store")]
use registry::Store;

use super::table::{unique_key, Row, Table};
use super::Import;
#[cfg(feature = "store")]
use super::{batch_write_failure, IntoRegistry, WrittenAndSkipped};

/// The columns of the sites file.
pub const SITE_COLUMNS: [&str; 11] = [
    "external_id",
    "name",
    "name_script",
    "name_lang",
    "name_latin",
    "lat",
    "lon",
    "precision_m",
    "status",
    "estimated_count",
    "notes",
];

fn site_from_row(row: &Row<'_>) -> Result<NewSite> {
    let external_id = row.required("external_id")?;
    let text = row.required("name")?;
    let script = row.get("name_script").unwrap_or_else(|| Name::guess_script(text));
    let fix_field = |e: FieldError| match e.field.as_str() {
        "script" => row.error("name_script", e.message),
        "lang" => row.error("name_lang", e.message),
        _ => row.field_error(e),
    };
    let mut names = vec![Name::new(text, script, row.get("name_lang"), NameKind::Primary).map_err(fix_field)?];
    if let Some(latin) = row.get("name_latin") {
        names.push(
            Name::new(latin, "Latn", None, NameKind::Transliteration)
                .map_err(|e| row.error("name_latin", e.message))?,
        );
    }
    let precision = row.number("precision_m")?;
    let coordinates = match (row.number("lat")?, row.number("lon")?) {
        (Some(lat), Some(lon)) => Some(Coordinates::new(lat, lon, precision).map_err(|e| row.field_error(e))?),
        (None, None) => {
            if precision.is_some() {
                return Err(row.error("precision_m", "is given without lat and lon"));
            }
            None
        }
        (Some(_), None) => return Err(row.error("lon", "is needed with lat")),
        (None, Some(_)) => return Err(row.error("lat", "is needed with lon")),
    };
    let estimated_count = row
        .get("estimated_count")
        .map(|v| {
            v.parse::<u32>()
                .map_err(|_| row.error("estimated_count", format!("'{v}' is not a whole number of people")))
        })
        .transpose()?;
    let site = NewSite {
        external_id: external_id.to_owned(),
        names,
        coordinates,
        status: row.parse::<SiteStatus>("status")?.unwrap_or(SiteStatus::Known),
        estimated_count,
        notes: row.get("notes").map(str::to_owned),
    };
    site.check().map_err(|e| row.field_error(e))?;
    Ok(site)
}

const SITE_REQUIRED: &[&str] = &["external_id", "name"];

/// The sites CSV import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sites;

/// The sites of a file and the line each came from.
pub type CheckedSites = Vec<(u64, NewSite)>;

/// The sites the registry lacks, with their lines, and how many it has already.
#[cfg(feature = "store")]
#[derive(Debug)]
pub struct SitesPlan {
    fresh: Vec<NewSite>,
    lines: Vec<u64>,
    skipped: usize,
}

impl Import for Sites {
    type Checked = CheckedSites;

    fn check(&self, label: &str, text: &str) -> Result<CheckedSites> {
        let table = Table::parse(label, text, Some(&SITE_COLUMNS), SITE_REQUIRED)?;
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for row in table.rows() {
            let site = site_from_row(&row)?;
            unique_key(&mut seen, &row, "external_id", site.external_id.trim())?;
            out.push((row.line, site));
        }
        Ok(out)
    }
}

#[cfg(feature = "store")]
impl IntoRegistry for Sites {
    type Plan = SitesPlan;
    type Written = WrittenAndSkipped;

    async fn plan(&self, store: &Store, _label: &str, sites: CheckedSites) -> Result<SitesPlan> {
        let existing: HashSet<String> = store
            .list_sites()
            .await?
            .into_iter()
            .map(|s| s.data.external_id.trim().to_owned())
            .collect();
        let total = sites.len();
        let (fresh, lines): (Vec<NewSite>, Vec<u64>) = sites
            .into_iter()
            .filter(|(_, site)| !existing.contains(site.external_id.trim()))
            .map(|(line, site)| (site, line))
            .unzip();
        Ok(SitesPlan {
            skipped: total - fresh.len(),
            fresh,
            lines,
        })
    }

    async fn write(&self, store: &Store, label: &str, actor: &str, plan: SitesPlan) -> Result<WrittenAndSkipped> {
        let written = store
            .import_sites(actor, &plan.fresh)
            .await
            .map_err(batch_write_failure(label, &plan.lines))?;
        Ok(WrittenAndSkipped {
            what: "sites",
            written,
            skipped: plan.skipped,
        })
    }
}
