//! Turns files read by `formats` into the typed values of `kinship`, with errors that name the
//! file, line and field.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::Result;
use formats::{FrequencyDb, PedFile, RawGenotype};
use kinship::{Chromosome, Marker, MemberSpec, MutationModel, Pedigree, PedigreeError, Typing};

use crate::input_error;

/// Reads a whole file, as bad input if it cannot be read.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| input_error!("{}: cannot read: {e}", path.display()))
}

pub fn read_ped(path: &Path) -> Result<PedFile> {
    let text = read_text(path)?;
    formats::read_ped(&text).map_err(|e| input_error!("{}: {e}", path.display()))
}

pub fn read_frequencies(path: &Path) -> Result<FrequencyDb> {
    read_population(path, None)
}

/// Reads a frequency file: a text form, or a STRidER XML export, of which the one population it
/// holds or the one named by `population` is taken.
pub fn read_population(path: &Path, population: Option<&str>) -> Result<FrequencyDb> {
    let text = read_text(path)?;
    let at = path.display();
    if !formats::looks_like_xml(&text) {
        let db = formats::read_frequencies(&text).map_err(|e| input_error!("{at}: {e}"))?;
        return match (population, db.metadata.population.as_deref()) {
            (Some(wanted), Some(has)) if wanted != has => {
                Err(input_error!("--population {wanted}: {at} holds the population '{has}'"))
            }
            (Some(wanted), None) => Err(input_error!(
                "--population {wanted}: {at} names no population (a '# population: …' line)"
            )),
            _ => Ok(db),
        };
    }
    let mut all = formats::read_strider(&text).map_err(|e| input_error!("{at}: {e}"))?;
    let names = || {
        all.iter()
            .filter_map(|db| db.metadata.population.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match population {
        Some(wanted) => match all
            .iter()
            .position(|db| db.metadata.population.as_deref() == Some(wanted))
        {
            Some(i) => Ok(all.swap_remove(i)),
            None => Err(input_error!("--population {wanted}: {at} holds only {}", names())),
        },
        None if all.len() == 1 => Ok(all.remove(0)),
        None => Err(input_error!(
            "{at}: a STRidER file of {} populations ({}); choose one with --population NAME",
            all.len(),
            names()
        )),
    }
}

/// The pedigree of a ped file, with pedigree errors pointed at the offending row.
pub fn pedigree(path: &Path, ped: &PedFile) -> Result<Pedigree> {
    let specs = ped
        .rows
        .iter()
        .map(|r| MemberSpec {
            id: r.id.clone(),
            father: r.father.clone(),
            mother: r.mother.clone(),
            sex: r.sex,
        })
        .collect();
    Pedigree::new(specs).map_err(|e| {
        let (id, field) = match &e {
            PedigreeError::DuplicateId { id } | PedigreeError::OwnParent { id } | PedigreeError::Cycle { id } => {
                (id, "id")
            }
            PedigreeError::EmptyId => return input_error!("{}: {e}", path.display()),
            PedigreeError::UnknownParent { id, parent } | PedigreeError::OneParent { id, parent } => {
                let row = ped.rows.iter().find(|r| &r.id == id);
                let field = if row.and_then(|r| r.father.as_ref()) == Some(parent) {
                    "fid"
                } else {
                    "mid"
                };
                (id, field)
            }
            PedigreeError::FatherNotMale { id, .. } => (id, "fid"),
            PedigreeError::MotherNotFemale { id, .. } => (id, "mid"),
        };
        // The last row with this id: for duplicates, that is the second one.
        let line = ped.rows.iter().rev().find(|r| &r.id == id).map_or(1, |r| r.line);
        input_error!("{}: line {line}, field '{field}': {e}", path.display())
    })
}

/// How the mutation model of each marker is chosen.
#[derive(Debug, Clone, Default)]
pub struct MutationPlan {
    pub female: Option<MutationModel>,
    pub male: Option<MutationModel>,
    /// Per-marker models from a mutation table: (female, male).
    pub per_marker: HashMap<String, (MutationModel, MutationModel)>,
}

impl MutationPlan {
    fn models(&self, marker: &str) -> (MutationModel, MutationModel) {
        if let Some(m) = self.per_marker.get(marker) {
            return m.clone();
        }
        (
            self.female.clone().unwrap_or(MutationModel::Trivial),
            self.male.clone().unwrap_or(MutationModel::Trivial),
        )
    }
}

/// Builds the markers named in `ped_files[0]`'s header, in that order, from the database.
///
/// Alleles seen in the ped files but missing from the database are an error, unless
/// `unknown_allele_freq` is given: then each is added with that frequency and the others are
/// scaled down so the total stays 1.
pub fn markers(
    ped_files: &[(&Path, &PedFile)],
    freqs_path: &Path,
    db: &FrequencyDb,
    plan: &MutationPlan,
    x_markers: &[String],
    unknown_allele_freq: Option<f64>,
) -> Result<Vec<Marker>> {
    let (first_path, first) = ped_files[0];
    let mut out = Vec::with_capacity(first.markers.len());
    for (k, name) in first.markers.iter().enumerate() {
        let Some(entry) = db.get(name) else {
            return Err(input_error!(
                "{}: line 1, field '{name}': marker '{name}' is not in the frequency file {}",
                first_path.display(),
                freqs_path.display()
            ));
        };
        let mut alleles = entry.alleles.clone();
        let known: HashSet<&str> = entry.alleles.iter().map(|(a, _)| a.as_str()).collect();
        let mut added: Vec<String> = Vec::new();
        for &(path, ped) in ped_files {
            let col = if std::ptr::eq(ped, first) {
                Some(k)
            } else {
                ped.markers.iter().position(|m| m == name)
            };
            let Some(col) = col else { continue };
            for row in &ped.rows {
                for label in genotype_labels(&row.genotypes[col]) {
                    if known.contains(label) || added.iter().any(|a| a == label) {
                        continue;
                    }
                    match unknown_allele_freq {
                        Some(_) => added.push(label.to_owned()),
                        None => {
                            return Err(input_error!(
                                "{}: line {}, field '{name}': allele '{label}' of '{}' is not in the frequency file {} \
                                 (use --unknown-allele-freq F to add unseen alleles)",
                                path.display(),
                                row.line,
                                row.id,
                                freqs_path.display()
                            ))
                        }
                    }
                }
            }
        }
        if let (Some(f), false) = (unknown_allele_freq, added.is_empty()) {
            let total_added = f * added.len() as f64;
            if !(f > 0.0 && total_added < 1.0) {
                return Err(input_error!(
                    "--unknown-allele-freq {f}: must be positive, and {} unseen allele(s) of marker '{name}' would take it to 1 or more",
                    added.len()
                ));
            }
            let sum: f64 = alleles.iter().map(|(_, p)| p).sum();
            for (_, p) in &mut alleles {
                *p *= (1.0 - total_added) / sum;
            }
            alleles.extend(added.into_iter().map(|a| (a, f)));
        }
        let chromosome = if x_markers.iter().any(|x| x == name) {
            Chromosome::X
        } else {
            Chromosome::Autosomal
        };
        let (female, male) = plan.models(name);
        let marker = Marker::new(name, alleles, chromosome, female, male)
            .map_err(|e| input_error!("{}: line {}, field '{name}': {e}", freqs_path.display(), entry.line))?;
        out.push(marker);
    }
    Ok(out)
}

fn genotype_labels(g: &RawGenotype) -> Vec<&str> {
    match g {
        RawGenotype::Missing => vec![],
        RawGenotype::Pair(a, b) => vec![a, b],
        RawGenotype::OneAndMissing(a) | RawGenotype::Single(a) => vec![a],
    }
}

/// The typings of a ped file at `markers`, `[marker][member]`, members in file order.
pub fn typings(path: &Path, ped: &PedFile, markers: &[Marker]) -> Result<Vec<Vec<Typing>>> {
    markers
        .iter()
        .map(|marker| {
            let Some(col) = ped.markers.iter().position(|m| m == marker.name()) else {
                return Err(input_error!(
                    "{}: line 1: marker '{}' is missing",
                    path.display(),
                    marker.name()
                ));
            };
            let labels: HashMap<&str, usize> = marker
                .alleles()
                .iter()
                .enumerate()
                .map(|(i, a)| (a.as_str(), i))
                .collect();
            ped.rows
                .iter()
                .map(|row| {
                    let index = |label: &str| {
                        labels.get(label).copied().ok_or_else(|| {
                            input_error!(
                                "{}: line {}, field '{}': allele '{label}' is not in the frequency file",
                                path.display(),
                                row.line,
                                marker.name()
                            )
                        })
                    };
                    Ok(match &row.genotypes[col] {
                        RawGenotype::Missing => Typing::Untyped,
                        RawGenotype::Pair(a, b) => Typing::Pair(index(a)?, index(b)?),
                        RawGenotype::OneAndMissing(a) => Typing::OneAndMissing(index(a)?),
                        RawGenotype::Single(a) => Typing::Single(index(a)?),
                    })
                })
                .collect()
        })
        .collect()
}

/// Parses `ID=D[,ID=D…]`, checking each id with `is_member`.
pub fn dropout_map(spec: &str, is_member: impl Fn(&str) -> bool) -> Result<BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((id, d)) = part.split_once('=') else {
            return Err(input_error!("--dropout: '{part}' is not ID=PROBABILITY"));
        };
        let d: f64 = d
            .trim()
            .parse()
            .map_err(|_| input_error!("--dropout: '{d}' (for '{id}') is not a number"))?;
        if !(0.0..=1.0).contains(&d) {
            return Err(input_error!("--dropout: probability {d} for '{id}' is outside [0, 1]"));
        }
        if !is_member(id.trim()) {
            return Err(input_error!("--dropout: '{id}' is not in the case"));
        }
        out.insert(id.trim().to_owned(), d);
    }
    Ok(out)
}

/// The victims of a PM file: singletons, each with a typing per marker.
pub fn victims(path: &Path, pm: &PedFile, markers: &[Marker]) -> Result<Vec<identify::dvi::Victim>> {
    let ped = pedigree(path, pm)?;
    if let Some(row) = pm.rows.iter().find(|r| r.father.is_some() || r.mother.is_some()) {
        return Err(input_error!(
            "{}: line {}, field 'fid': victim '{}' has parents; list victims as singletons (`homeward match` finds relatives among them)",
            path.display(),
            row.line,
            row.id
        ));
    }
    let typings = typings(path, pm, markers)?;
    Ok(ped
        .members()
        .iter()
        .enumerate()
        .map(|(i, m)| identify::dvi::Victim {
            id: m.id.clone(),
            sex: m.sex,
            typings: typings.iter().map(|t| t[i]).collect(),
        })
        .collect())
}
