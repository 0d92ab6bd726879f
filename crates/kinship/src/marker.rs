//! Markers: allele labels, frequencies, chromosome and the mutation model of each sex.

use crate::mutation::{MutationError, MutationMatrix, MutationModel};

/// The label of the silent (null) allele in a frequency database.
pub const SILENT_ALLELE: &str = "Silent";

/// Where a marker lies: autosomes (two copies in everyone) or the X chromosome (one copy in males).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chromosome {
    Autosomal,
    X,
}

/// Why a marker definition is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarkerError {
    #[error("marker '{marker}' has no alleles")]
    NoAlleles { marker: String },
    #[error("marker '{marker}': allele '{allele}' is listed twice")]
    DuplicateAllele { marker: String, allele: String },
    #[error("marker '{marker}': allele '{allele}' has frequency {freq}; frequencies must be positive")]
    BadFrequency { marker: String, allele: String, freq: f64 },
    #[error("marker '{marker}': frequencies sum to {sum}, not 1 (tolerance 0.001)")]
    FrequencySum { marker: String, sum: f64 },
    #[error("marker '{marker}', {sex} mutation model ({model}): {source}")]
    Mutation {
        marker: String,
        sex: &'static str,
        model: &'static str,
        #[source]
        source: MutationError,
    },
}

/// A marker ready for likelihood computation.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    name: String,
    alleles: Vec<String>,
    freqs: Vec<f64>,
    chromosome: Chromosome,
    female: MutationMatrix,
    male: MutationMatrix,
    female_model: MutationModel,
    male_model: MutationModel,
    silent: Option<usize>,
}

impl Marker {
    /// Builds a marker. Frequencies within 0.001 of summing to 1 are rescaled to sum to 1 exactly.
    pub fn new(
        name: &str,
        alleles: Vec<(String, f64)>,
        chromosome: Chromosome,
        female_model: MutationModel,
        male_model: MutationModel,
    ) -> Result<Marker, MarkerError> {
        if alleles.is_empty() {
            return Err(MarkerError::NoAlleles {
                marker: name.to_owned(),
            });
        }
        let mut labels = Vec::with_capacity(alleles.len());
        let mut freqs = Vec::with_capacity(alleles.len());
        for (label, freq) in alleles {
            if labels.contains(&label) {
                return Err(MarkerError::DuplicateAllele {
                    marker: name.to_owned(),
                    allele: label,
                });
            }
            if !(freq > 0.0 && freq <= 1.0) {
                return Err(MarkerError::BadFrequency {
                    marker: name.to_owned(),
                    allele: label,
                    freq,
                });
            }
            labels.push(label);
            freqs.push(freq);
        }
        let sum: f64 = freqs.iter().sum();
        if (sum - 1.0).abs() > 0.001 {
            return Err(MarkerError::FrequencySum {
                marker: name.to_owned(),
                sum,
            });
        }
        if sum != 1.0 {
            freqs.iter_mut().for_each(|f| *f /= sum);
        }
        let build = |model: &MutationModel, sex: &'static str| {
            MutationMatrix::build(model, &labels, &freqs).map_err(|source| MarkerError::Mutation {
                marker: name.to_owned(),
                sex,
                model: model.name(),
                source,
            })
        };
        let female = build(&female_model, "female")?;
        let male = build(&male_model, "male")?;
        let silent = labels.iter().position(|l| l == SILENT_ALLELE);
        Ok(Marker {
            name: name.to_owned(),
            alleles: labels,
            freqs,
            chromosome,
            female,
            male,
            female_model,
            male_model,
            silent,
        })
    }

    /// A marker without mutations.
    pub fn without_mutation(
        name: &str,
        alleles: Vec<(String, f64)>,
        chromosome: Chromosome,
    ) -> Result<Marker, MarkerError> {
        Marker::new(
            name,
            alleles,
            chromosome,
            MutationModel::Trivial,
            MutationModel::Trivial,
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn alleles(&self) -> &[String] {
        &self.alleles
    }
    pub fn freqs(&self) -> &[f64] {
        &self.freqs
    }
    pub fn chromosome(&self) -> Chromosome {
        self.chromosome
    }
    pub fn female_matrix(&self) -> &MutationMatrix {
        &self.female
    }
    pub fn male_matrix(&self) -> &MutationMatrix {
        &self.male
    }
    pub fn female_model(&self) -> &MutationModel {
        &self.female_model
    }
    pub fn male_model(&self) -> &MutationModel {
        &self.male_model
    }
    /// Index of the silent allele, if the database has one.
    pub fn silent(&self) -> Option<usize> {
        self.silent
    }
    pub fn allele_index(&self, label: &str) -> Option<usize> {
        self.alleles.iter().position(|a| a == label)
    }
}
