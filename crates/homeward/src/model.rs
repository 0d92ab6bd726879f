//! Flags shared by the commands that compute likelihoods: frequencies, mutation models, theta,
//! X markers, dropout; and the markers and conditions they define.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use formats::PedFile;
use kinship::{Conditions, Marker, MutationModel};

use casework::case::{self, MutationPlan};
use casework::input_error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    Trivial,
    Equal,
    Proportional,
    Stepwise,
    Onestep,
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Allele frequencies: Familias list, ladder (CSV/TSV), long form or STRidER XML, detected
    /// automatically. (Required unless the case comes from a `.fam` file, which carries its own
    /// database.)
    #[arg(long, value_name = "FILE")]
    pub freqs: Option<PathBuf>,
    /// The population to take from a STRidER file of several.
    #[arg(long, value_name = "NAME")]
    pub population: Option<String>,
    /// Minimum allele frequency K/2N (NRC II: 5/2N), N the marker's sample size from the frequency
    /// file; alleles below are raised to it and the others scaled down so each marker sums to 1.
    #[arg(long, value_name = "K/2N")]
    pub min_freq_rule: Option<formats::MinFreqRule>,
    /// Mutation model for every marker (overridden per marker by --mutation-table).
    #[arg(long, value_enum)]
    pub mutation: Option<ModelName>,
    /// Mutation rate for both sexes.
    #[arg(long, allow_negative_numbers = true, value_name = "R", conflicts_with_all = ["rate_female", "rate_male"])]
    pub rate: Option<f64>,
    /// Female mutation rate.
    #[arg(long, allow_negative_numbers = true, value_name = "RF", requires = "rate_male")]
    pub rate_female: Option<f64>,
    /// Male mutation rate.
    #[arg(long, allow_negative_numbers = true, value_name = "RM", requires = "rate_female")]
    pub rate_male: Option<f64>,
    /// Stepwise: rate of mutations to other microvariant groups.
    #[arg(long, allow_negative_numbers = true, value_name = "R2", default_value_t = 0.0)]
    pub rate2: f64,
    /// Stepwise: relative probability of each further step.
    #[arg(long, allow_negative_numbers = true, value_name = "K", default_value_t = 0.5)]
    pub range: f64,
    /// Balding–Nichols subpopulation correction.
    #[arg(long, allow_negative_numbers = true, value_name = "T", default_value_t = 0.0)]
    pub theta: f64,
    /// Markers on the X chromosome, comma-separated.
    #[arg(long, value_name = "M1,M2", value_delimiter = ',')]
    pub x_markers: Vec<String>,
    /// Dropout probabilities of degraded samples.
    #[arg(long, value_name = "ID=D[,ID=D…]")]
    pub dropout: Option<String>,
    /// Drop-in probability for the samples given a dropout probability.
    #[arg(long, allow_negative_numbers = true, value_name = "C", default_value_t = 0.0)]
    pub dropin: f64,
    /// Per-marker mutation models: marker, model, rate_female, rate_male, rate2, range (tab-separated).
    #[arg(long, value_name = "FILE")]
    pub mutation_table: Option<PathBuf>,
    /// Frequency given to alleles missing from the frequency file (the others are rescaled).
    #[arg(long, allow_negative_numbers = true, value_name = "F")]
    pub unknown_allele_freq: Option<f64>,
}

impl ModelArgs {
    fn plan(&self) -> Result<MutationPlan> {
        let Some(name) = self.mutation else {
            if self.rate.is_some() || self.rate_female.is_some() {
                return Err(input_error!("--rate needs --mutation MODEL"));
            }
            return Ok(MutationPlan::default());
        };
        let (rf, rm) = match (self.rate, self.rate_female, self.rate_male) {
            (Some(r), _, _) => (r, r),
            (None, Some(f), Some(m)) => (f, m),
            _ if name == ModelName::Trivial => (0.0, 0.0),
            _ => {
                return Err(input_error!(
                    "--mutation {name:?}: give --rate R, or --rate-female RF and --rate-male RM"
                ))
            }
        };
        for (flag, r) in [
            ("--rate/--rate-female", rf),
            ("--rate/--rate-male", rm),
            ("--rate2", self.rate2),
        ] {
            if !(0.0..=1.0).contains(&r) {
                return Err(input_error!("{flag}: rate {r} is outside [0, 1]"));
            }
        }
        let model = |rate: f64| match name {
            ModelName::Trivial => MutationModel::Trivial,
            ModelName::Equal => MutationModel::Equal { rate },
            ModelName::Proportional => MutationModel::Proportional { rate },
            ModelName::Stepwise => MutationModel::Stepwise {
                rate,
                rate2: self.rate2,
                range: self.range,
            },
            ModelName::Onestep => MutationModel::OneStep { rate },
        };
        Ok(MutationPlan {
            female: Some(model(rf)),
            male: Some(model(rm)),
            per_marker: Default::default(),
        })
    }

    /// The markers of the first ped file's header, in its order, with their models. Every ped file
    /// is checked for alleles missing from the frequency file.
    pub fn markers(&self, ped_files: &[(&Path, &PedFile)]) -> Result<Vec<Marker>> {
        if !(0.0..1.0).contains(&self.theta) {
            return Err(input_error!("--theta {}: must be in [0, 1)", self.theta));
        }
        if !(0.0..=1.0).contains(&self.dropin) {
            return Err(input_error!("--dropin {}: must be in [0, 1]", self.dropin));
        }
        let mut plan = self.plan()?;
        if let Some(path) = &self.mutation_table {
            let text = case::read_text(path)?;
            let rows = formats::read_mutation_table(&text).map_err(|e| input_error!("{}: {e}", path.display()))?;
            for row in rows {
                plan.per_marker.insert(row.marker, (row.female, row.male));
            }
        }
        let Some(freqs) = &self.freqs else {
            return Err(input_error!("--freqs FILE is required"));
        };
        let mut db = case::read_population(freqs, self.population.as_deref())?;
        if let Some(rule) = self.min_freq_rule {
            db = rule
                .apply(&db)
                .map_err(|e| input_error!("{}: {e} (--min-freq-rule {rule})", freqs.display()))?;
        }
        let (first_path, first) = ped_files[0];
        for x in &self.x_markers {
            if !first.markers.contains(x) {
                return Err(input_error!(
                    "--x-markers: '{x}' is not a marker of {}",
                    first_path.display()
                ));
            }
        }
        if let Some(path) = &self.mutation_table {
            for m in plan.per_marker.keys() {
                if db.get(m).is_none() && !first.markers.contains(m) {
                    return Err(input_error!(
                        "{}: marker '{m}' is neither in the ped file nor the frequency file",
                        path.display()
                    ));
                }
            }
        }
        case::markers(ped_files, freqs, &db, &plan, &self.x_markers, self.unknown_allele_freq)
    }

    /// Theta, dropout and drop-in; dropout ids are checked with `is_member`.
    pub fn conditions(&self, is_member: impl Fn(&str) -> bool) -> Result<Conditions> {
        Ok(Conditions {
            theta: self.theta,
            dropout: match &self.dropout {
                Some(spec) => case::dropout_map(spec, is_member)?,
                None => Default::default(),
            },
            dropin: self.dropin,
        })
    }
}
