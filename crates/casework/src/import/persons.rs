//! `import persons` and `export persons`: the persons CSV, UTF-8 with a header row; `external_id`
//! and `name` are required, the other columns optional and in any order:
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
//!
//! The file is written in one transaction; a person whose `external_id` the registry holds already
//! is refused (naming the line), and then nothing is written.

#[cfg(feature = "store")]
use std::fmt;

use anyhow::Result;
use registry::model::{Coordinates, FieldError, Name, NameKind, NewPerson, PartialDate, Person, Place, Sex, Source};
#[cfg(feature = "store")]
use registry::Store;

use super::table::Table;
use super::Import;
#[cfg(feature = "store")]
use super::IntoRegistry;
use crate::input_error;

/// The columns of the persons file, in the order `export persons` writes them.
pub const COLUMNS: [&str; 13] = [
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

/// The persons CSV import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Persons;

/// How many persons were written.
#[cfg(feature = "store")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonsWritten(pub usize);

#[cfg(feature = "store")]
impl fmt::Display for PersonsWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} persons imported", self.0)
    }
}

impl Import for Persons {
    /// The persons and the label of their file (for the line of a refused row).
    type Checked = Vec<NewPerson>;

    /// Reads a persons CSV; errors name the line and the column.
    fn check(&self, label: &str, text: &str) -> Result<Vec<NewPerson>> {
        let table = Table::parse_naming(label, text, Some(&COLUMNS), &["external_id", "name"], "field")?;
        table
            .rows()
            .map(|row| {
                let get = |name: &str| row.get(name).filter(|v| !v.is_empty());
                person_from_row(&get).map_err(|e| input_error!("{}: line {}, {e}", table.path, row.line))
            })
            .collect()
    }
}

#[cfg(feature = "store")]
impl IntoRegistry for Persons {
    type Plan = Vec<NewPerson>;
    type Written = PersonsWritten;

    /// The registry refuses a person it holds already when the file is written.
    async fn plan(&self, _store: &Store, _label: &str, persons: Vec<NewPerson>) -> Result<Vec<NewPerson>> {
        Ok(persons)
    }

    async fn write(&self, store: &Store, label: &str, actor: &str, persons: Vec<NewPerson>) -> Result<PersonsWritten> {
        match store.import_persons(actor, &persons).await {
            Ok(n) => Ok(PersonsWritten(n)),
            // Rows are numbered from the header (line 1), one record per line.
            Err((i, e @ (registry::StoreError::Duplicate { .. } | registry::StoreError::Invalid(_)))) => {
                Err(input_error!("{label}: line {}: {e}; nothing was imported", i + 2))
            }
            Err((_, e)) => Err(anyhow::Error::new(e).context("importing; nothing was imported")),
        }
    }
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

/// The cells of one person in `export persons`, in the order of [`COLUMNS`].
pub fn person_record(p: &Person) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Persons.check("persons.csv", text).unwrap_err().to_string()
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
