//! STRidER XML frequency exports (the STRs for Identity ENFSI Reference Database,
//! strider.online): allele frequencies of several populations, marker by marker.
//!
//! ```text
//! <frequencies>
//!   <marker>
//!     <name>D3S1358</name>
//!     <alleles>12, 13, 14</alleles>            (optional: every allele of the marker)
//!     <origin name="Austria" n="1000">         (one per population; n: the sample size N)
//!       <frequency allele="12">0.0015</frequency>
//!       …
//! ```
//!
//! The layout is the one that EuroForMix's `freqImport` and other public readers take from STRidER
//! (`/frequencies/marker/name`, `origin[@name]/frequency[@allele]`). The sample size is read from an
//! `n` attribute of `<origin>` (any case) when there is one. Each origin becomes one
//! [`FrequencyDb`] with its name as the population and `STRidER` as the source, or
//! `STRidER, validity 2020-10-19T08:50:05+02:00` when the root carries that `validity` attribute:
//! which release of the database a computation used is part of its record.
//!
//! Three independent public readers agree on this layout: EuroForMix's `freqImport` walks
//! `/frequencies/marker[i]/origin[@name]/frequency` (allele in the attribute, frequency as the
//! text); the Go library forge (`STRiderFreqs`) also reads `n` on `<origin>` and the root's
//! `created_timestamp` and `validity` attributes (the first is accepted and not kept); and the
//! Python sibling simulator "sibulator" reads `STRidER_frequencies_2019-08-02.xml` through
//! `marker/name`, the comma-separated `marker/alleles` and `origin[@name]/frequency[@allele]`.
//!
//! No STRidER export could be obtained to test against: they are downloaded from strider.online,
//! which this project's build machines cannot reach, and none is in a public repository we could
//! find. The tests use small files written by hand to this layout. Elements other than `name`,
//! `alleles` and `origin` in a marker are refused, so a layout that differs is reported, naming the
//! element, rather than read wrongly.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::freqs::{parse_freq, FreqMetadata, FrequencyDb, MarkerFreqs};
use crate::xml::{self, escape, Element, Problem};

/// The source of populations read from a STRidER file.
const SOURCE: &str = "STRidER";
/// … and of those from a file whose root gives its `validity`, followed by the value.
const SOURCE_WITH_VALIDITY: &str = "STRidER, validity ";
const VALIDITY: &str = "validity";

/// Why a STRidER file cannot be read: the line and the element at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, element <{element}>: {message}")]
pub struct StriderError {
    pub line: usize,
    pub element: String,
    pub message: String,
}

impl From<Problem> for StriderError {
    fn from(p: Problem) -> Self {
        StriderError {
            line: p.line,
            element: p.element,
            message: p.message,
        }
    }
}

/// Whether `text` looks like XML (its first non-blank character is `<`), for telling STRidER files
/// from the text forms.
pub fn looks_like_xml(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').trim_start().starts_with('<')
}

fn sample_size(origin: &Element) -> Result<Option<u64>, Problem> {
    let Some((key, value)) = origin.attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case("n")) else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(Problem::at(
            origin,
            format!("attribute {key}: sample size '{value}' is not a positive whole number"),
        )),
    }
}

/// Reads every population of a STRidER export, in the order each first appears; markers and
/// alleles in file order.
pub fn read_strider(text: &str) -> Result<Vec<FrequencyDb>, StriderError> {
    let root = xml::parse(text)?;
    if root.name != "frequencies" {
        return Err(Problem::at(&root, "not a STRidER export (the root element should be <frequencies>)").into());
    }
    root.only_children(&["marker"])?;
    let source = match root.attribute(VALIDITY).filter(|v| !v.is_empty()) {
        Some(validity) => format!("{SOURCE_WITH_VALIDITY}{validity}"),
        None => SOURCE.to_owned(),
    };
    let mut populations: Vec<FrequencyDb> = Vec::new();
    let mut marker_names = HashSet::new();
    for marker in &root.children {
        marker.only_children(&["name", "alleles", "origin"])?;
        let name = marker.required_text("name")?.text.clone();
        if !marker_names.insert(name.clone()) {
            return Err(Problem::at(marker, format!("marker {name} is given twice")).into());
        }
        let mut origins_seen = HashSet::new();
        for origin in marker.children.iter().filter(|c| c.name == "origin") {
            origin.only_children(&["frequency"])?;
            let population = origin
                .attribute("name")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| Problem::at(origin, "attribute name (the population) is missing"))?;
            if !origins_seen.insert(population) {
                return Err(Problem::at(origin, format!("population '{population}' is given twice for {name}")).into());
            }
            let mut alleles = Vec::new();
            let mut seen = HashSet::new();
            for f in &origin.children {
                f.only_attributes(&["allele"])?;
                if let Some(inner) = f.children.first() {
                    return Err(Problem::at(inner, "<frequency> holds a number, not elements").into());
                }
                let allele = f
                    .attribute("allele")
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| Problem::at(f, "attribute allele is missing"))?;
                if !seen.insert(allele) {
                    return Err(Problem::at(
                        f,
                        format!("allele {allele} is given twice for {name} in '{population}'"),
                    )
                    .into());
                }
                let p = parse_freq(&f.text).map_err(|m| Problem::at(f, format!("allele {allele}: {m}")))?;
                alleles.push((allele.to_owned(), p));
            }
            if alleles.is_empty() {
                continue;
            }
            let db = match populations
                .iter_mut()
                .position(|db| db.metadata.population.as_deref() == Some(population))
            {
                Some(i) => &mut populations[i],
                None => {
                    populations.push(FrequencyDb {
                        markers: Vec::new(),
                        metadata: FreqMetadata {
                            population: Some(population.to_owned()),
                            source: Some(source.clone()),
                            licence: None,
                        },
                    });
                    populations.last_mut().expect("just pushed")
                }
            };
            db.markers.push(MarkerFreqs {
                name: name.clone(),
                line: origin.line,
                alleles,
                sample_size: sample_size(origin)?,
            });
        }
    }
    if populations.is_empty() {
        return Err(Problem::at(&root, "no frequencies in the file").into());
    }
    Ok(populations)
}

/// Writes populations as a STRidER export that [`read_strider`] reads back to the same numbers,
/// names and sample sizes, in the same order. The source is not part of the format, except for the
/// release's `validity`, written when every population has the same one (as when they were read
/// from one STRidER file); a licence is not written.
pub fn write_strider(populations: &[FrequencyDb]) -> String {
    fn validity(db: &FrequencyDb) -> Option<&str> {
        db.metadata.source.as_deref()?.strip_prefix(SOURCE_WITH_VALIDITY)
    }
    let shared = populations.first().and_then(validity).filter(|v| {
        let v = Some(*v);
        populations.iter().all(|db| validity(db) == v)
    });
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<frequencies");
    if let Some(v) = shared {
        out.push_str(&format!(" {VALIDITY}=\"{}\"", escape(v)));
    }
    out.push_str(">\n");
    for name in merged_marker_order(populations) {
        out.push_str(&format!("  <marker>\n    <name>{}</name>\n", escape(name)));
        let mut alleles: Vec<&str> = Vec::new();
        let entries: Vec<(&FrequencyDb, &MarkerFreqs)> = populations
            .iter()
            .filter_map(|db| db.markers.iter().find(|m| m.name == name).map(|m| (db, m)))
            .collect();
        for (_, m) in &entries {
            for (a, _) in &m.alleles {
                if !alleles.contains(&a.as_str()) {
                    alleles.push(a);
                }
            }
        }
        out.push_str(&format!("    <alleles>{}</alleles>\n", escape(&alleles.join(", "))));
        for (db, m) in entries {
            let population = db.metadata.population.as_deref().unwrap_or("unknown");
            out.push_str(&format!("    <origin name=\"{}\"", escape(population)));
            if let Some(n) = m.sample_size {
                out.push_str(&format!(" n=\"{n}\""));
            }
            out.push_str(">\n");
            for (a, p) in &m.alleles {
                out.push_str(&format!("      <frequency allele=\"{}\">{p}</frequency>\n", escape(a)));
            }
            out.push_str("    </origin>\n");
        }
        out.push_str("  </marker>\n");
    }
    out.push_str("</frequencies>\n");
    out
}

/// The order to write the markers in, so that [`read_strider`] reads back every population with
/// its markers in the same order, and the populations themselves in the same order.
///
/// A STRidER file lists each marker once with every population under it, and the reader orders
/// populations by where each first appears. So the written order must keep (a) each population's
/// own marker order and (b) the populations' order: population k's first marker may not come before
/// population k-1's (they may be the same marker, under which populations are written in order).
/// Both are edges of a graph over the markers, and the order is a topological sort of it, taking
/// markers as they first occur (population by population) among those that are free. For what
/// [`read_strider`] read the graph has no cycle (the file's own order satisfies it); populations
/// from elsewhere may disagree (a before b in one, b before a in another), which no file can keep:
/// then the first marker left is taken, and nothing is lost.
fn merged_marker_order(populations: &[FrequencyDb]) -> Vec<&str> {
    // Markers numbered as they first occur; each population's markers as those numbers, first
    // occurrence only (the writer takes a population's first marker of a name).
    let mut id: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    let lists: Vec<Vec<usize>> = populations
        .iter()
        .map(|db| {
            let mut seen = HashSet::new();
            db.markers
                .iter()
                .filter_map(|m| {
                    let n = *id.entry(m.name.as_str()).or_insert_with(|| {
                        names.push(m.name.as_str());
                        names.len() - 1
                    });
                    seen.insert(n).then_some(n)
                })
                .collect()
        })
        .collect();
    let mut after: Vec<HashSet<usize>> = vec![HashSet::new(); names.len()];
    for list in &lists {
        for pair in list.windows(2) {
            after[pair[0]].insert(pair[1]);
        }
    }
    let heads: Vec<usize> = lists.iter().filter_map(|l| l.first().copied()).collect();
    for pair in heads.windows(2) {
        if pair[0] != pair[1] {
            after[pair[0]].insert(pair[1]);
        }
    }
    let mut waiting_on = vec![0usize; names.len()];
    for next in after.iter().flatten() {
        waiting_on[*next] += 1;
    }
    let mut free: BTreeSet<usize> = (0..names.len()).filter(|&n| waiting_on[n] == 0).collect();
    let mut left: BTreeSet<usize> = (0..names.len()).collect();
    let mut order = Vec::with_capacity(names.len());
    while let Some(&n) = free.first().or_else(|| left.first()) {
        free.remove(&n);
        left.remove(&n);
        order.push(names[n]);
        for &next in &after[n] {
            if left.contains(&next) {
                waiting_on[next] = waiting_on[next].saturating_sub(1);
                if waiting_on[next] == 0 {
                    free.insert(next);
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "<?xml version=\"1.0\"?>\n<frequencies>\n  <marker>\n    <name>TH01</name>\n\
        <alleles>6, 9.3</alleles>\n    <origin name=\"Austria\" n=\"500\">\n\
        <frequency allele=\"6\">0.25</frequency>\n      <frequency allele=\"9.3\">0.75</frequency>\n\
        </origin>\n    <origin name=\"Norway\">\n      <frequency allele=\"9.3\">1</frequency>\n    </origin>\n\
        </marker>\n  <marker>\n    <name>Penta E</name>\n    <origin name=\"Norway\" N=\"300\">\n\
        <frequency allele=\"5\">0.1</frequency>\n      <frequency allele=\"&gt;24\">0.9</frequency>\n\
        </origin>\n  </marker>\n</frequencies>\n";

    #[test]
    fn populations_markers_and_sample_sizes() {
        let pops = read_strider(SAMPLE).unwrap();
        assert_eq!(pops.len(), 2);
        let (at, no) = (&pops[0], &pops[1]);
        assert_eq!(at.metadata.population.as_deref(), Some("Austria"));
        assert_eq!(at.metadata.source.as_deref(), Some("STRidER"));
        assert_eq!(at.markers.len(), 1);
        assert_eq!(
            at.markers[0].alleles,
            [("6".to_owned(), 0.25), ("9.3".to_owned(), 0.75)]
        );
        assert_eq!((at.markers[0].sample_size, at.markers[0].line), (Some(500), 6));
        let names: Vec<&str> = no.markers.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["TH01", "Penta E"]);
        assert_eq!(no.markers[0].sample_size, None);
        assert_eq!(no.markers[1].sample_size, Some(300));
        assert_eq!(no.markers[1].alleles[1].0, ">24");
        let again = read_strider(&write_strider(&pops)).unwrap();
        assert_eq!(again.len(), 2);
        for (a, b) in again.iter().zip(&pops) {
            assert_eq!(a.metadata, b.metadata);
            let strip = |db: &FrequencyDb| {
                db.markers
                    .iter()
                    .map(|m| (m.name.clone(), m.alleles.clone(), m.sample_size))
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(a), strip(b));
        }
        assert!(looks_like_xml("\u{feff}  \n<frequencies/>"));
        assert!(!looks_like_xml("M\n1\t1\n"));
    }

    #[test]
    fn errors_name_line_and_element() {
        let err = |text: &str| read_strider(text).unwrap_err();
        let e = err(&SAMPLE.replace(">0.25<", ">1.5<"));
        assert_eq!((e.line, e.element.as_str()), (7, "frequency"), "{e}");
        let e = err(&SAMPLE.replace("allele=\"9.3\">0.75", "allele=\"6\">0.75"));
        assert_eq!((e.line, e.element.as_str()), (8, "frequency"), "{e}");
        let e = err(&SAMPLE.replace("n=\"500\"", "n=\"lots\""));
        assert_eq!((e.line, e.element.as_str()), (6, "origin"), "{e}");
        let e = err(&SAMPLE.replace("<origin name=\"Norway\">", "<origin>"));
        assert_eq!((e.line, e.element.as_str()), (10, "origin"), "{e}");
        let e = err(&SAMPLE.replace("<name>Penta E</name>", "<name>TH01</name>"));
        assert_eq!((e.line, e.element.as_str()), (14, "marker"), "{e}");
        let e = err("<frequencies>\n<marker><name>M</name></marker>\n</frequencies>");
        assert_eq!((e.line, e.element.as_str()), (1, "frequencies"), "{e}");
        let e = err("<freqs/>");
        assert_eq!(e.element, "freqs");
        let e = err(&SAMPLE.replace("<frequency allele=\"5\">", "<frequency>"));
        assert_eq!((e.line, e.element.as_str()), (17, "frequency"), "{e}");
        let e = err(&SAMPLE.replace(">0.25<", ">0.25<x/><"));
        assert_eq!((e.line, e.element.as_str()), (7, "x"), "{e}");
        let e = err(&SAMPLE.replace("</origin>\n  </marker>", "</origin>\n  <note/></marker>"));
        assert_eq!(e.element, "note", "{e}");
    }

    #[test]
    fn every_population_keeps_its_marker_order_on_writing_back() {
        // Found by fuzzing: markers were written population by population, so with A listed first but
        // only Norway having M1, Austria's M1 … M3 went out as M2, M3, M1 … and Norway's M1 came back
        // after M2.
        let origin = |pop: &str| format!("<origin name=\"{pop}\"><frequency allele=\"1\">1</frequency></origin>");
        let marker = |name: &str, pops: &[&str]| {
            let origins: String = pops.iter().map(|p| origin(p)).collect();
            format!("<marker><name>{name}</name>{origins}</marker>\n")
        };
        let text = format!(
            "<frequencies>\n{}{}{}{}</frequencies>\n",
            marker("M0", &["Austria"]),
            marker("M1", &["Norway"]),
            marker("M2", &["Austria", "Norway"]),
            marker("M3", &["Norway", "Austria"]),
        );
        let names = |pops: &[FrequencyDb]| -> Vec<Vec<String>> {
            pops.iter()
                .map(|db| db.markers.iter().map(|m| m.name.clone()).collect())
                .collect()
        };
        let pops = read_strider(&text).unwrap();
        assert_eq!(names(&pops), [vec!["M0", "M2", "M3"], vec!["M1", "M2", "M3"]]);
        let again = read_strider(&write_strider(&pops)).unwrap();
        assert_eq!(names(&again), names(&pops));

        // Found by fuzzing next: the populations' order must hold too. Here Norway's M3 may come
        // before or after Denmark's M2 as far as Norway's own order goes, but written first it
        // would bring Sweden (which also has M3) in before Denmark.
        let text = format!(
            "<frequencies>\n{}{}{}</frequencies>\n",
            marker("M1", &["Norway"]),
            marker("M2", &["Denmark"]),
            marker("M3", &["Norway", "Sweden"]),
        );
        let three = read_strider(&text).unwrap();
        let again = read_strider(&write_strider(&three)).unwrap();
        let populations = |pops: &[FrequencyDb]| -> Vec<String> {
            pops.iter().map(|db| db.metadata.population.clone().unwrap()).collect()
        };
        assert_eq!(populations(&three), ["Norway", "Denmark", "Sweden"]);
        assert_eq!(populations(&again), populations(&three));
        assert_eq!(names(&again), names(&three));

        // Orders that cannot both hold: the first population's wins, and nothing is lost.
        let mut swapped = pops.clone();
        swapped[1].markers.reverse();
        let again = read_strider(&write_strider(&swapped)).unwrap();
        assert_eq!(names(&again)[0], names(&pops)[0]);
        let mut norway = names(&again)[1].clone();
        norway.sort();
        assert_eq!(norway, ["M1", "M2", "M3"]);
    }

    #[test]
    fn an_export_with_its_timestamps_on_the_root_reads() {
        let text = SAMPLE.replace(
            "<frequencies>",
            "<frequencies created_timestamp=\"2020-10-19T08:50:05+02:00\" validity=\"2020-10-19T08:50:05+02:00\">",
        );
        let pops = read_strider(&text).unwrap();
        for db in &pops {
            assert_eq!(
                db.metadata.source.as_deref(),
                Some("STRidER, validity 2020-10-19T08:50:05+02:00")
            );
        }
        let again = read_strider(&write_strider(&pops)).unwrap();
        let meta = |pops: &[FrequencyDb]| pops.iter().map(|db| db.metadata.clone()).collect::<Vec<_>>();
        assert_eq!(meta(&again), meta(&pops));
        // Populations of different releases: none is written, and each reads back as plain STRidER.
        let mut mixed = pops.clone();
        mixed[1].metadata.source = Some("STRidER".to_owned());
        let again = read_strider(&write_strider(&mixed)).unwrap();
        assert!(again.iter().all(|db| db.metadata.source.as_deref() == Some("STRidER")));
    }
}
