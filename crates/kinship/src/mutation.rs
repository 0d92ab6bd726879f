//! Mutation models: the probability that a parent's allele `i` is passed on as allele `j`.
//!
//! The definitions follow the R package pedmut (the pedsuite), so that likelihoods agree with
//! pedprobr and forrel to rounding error.

/// A mutation model for one sex at one marker, before it is turned into a matrix.
#[derive(Debug, Clone, PartialEq)]
pub enum MutationModel {
    /// No mutations: the identity.
    Trivial,
    /// `1 - rate` on the diagonal, `rate / (n - 1)` elsewhere.
    Equal { rate: f64 },
    /// `(1 - a) I + a 1 p'`, with `a = rate / sum p_k (1 - p_k)`.
    Proportional { rate: f64 },
    /// Stepwise with microvariant groups: within a group the weights `range^|x_i - x_j|` are scaled
    /// to sum to `rate`; each allele outside the group gets `rate2 / (alleles outside the group)`.
    Stepwise { rate: f64, rate2: f64, range: f64 },
    /// Integer alleles only: `rate` split evenly over the neighbours `x - 1` and `x + 1` present.
    OneStep { rate: f64 },
    /// A matrix given in full, rows in the marker's allele order; each row must sum to 1.
    Custom { matrix: Vec<Vec<f64>> },
}

impl MutationModel {
    pub fn name(&self) -> &'static str {
        match self {
            MutationModel::Trivial => "trivial",
            MutationModel::Equal { .. } => "equal",
            MutationModel::Proportional { .. } => "proportional",
            MutationModel::Stepwise { .. } => "stepwise",
            MutationModel::OneStep { .. } => "onestep",
            MutationModel::Custom { .. } => "custom",
        }
    }
}

/// Why a mutation model cannot be built for a marker.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MutationError {
    #[error("{what} {value} is outside [0, 1]")]
    RateOutOfRange { what: &'static str, value: f64 },
    #[error("range {value} must be positive")]
    BadRange { value: f64 },
    #[error("proportional rate {rate} is above the largest possible for these frequencies, {max}")]
    ProportionalTooHigh { rate: f64, max: f64 },
    #[error("the {model} model needs numeric alleles, and allele '{allele}' is not a number")]
    NonNumericAllele { model: &'static str, allele: String },
    #[error("the onestep model needs integer alleles, and allele '{allele}' is not an integer")]
    NonIntegerAllele { allele: String },
    #[error("custom matrix is {rows}x{cols}, but the marker has {n} alleles")]
    CustomShape { rows: usize, cols: usize, n: usize },
    #[error("custom matrix row {row} sums to {sum}, not 1")]
    CustomRowSum { row: usize, sum: f64 },
    #[error("custom matrix entry ({row}, {col}) = {value} is not a probability")]
    CustomEntry { row: usize, col: usize, value: f64 },
}

/// A square row-stochastic matrix over a marker's alleles.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationMatrix {
    n: usize,
    data: Vec<f64>,
    /// True when unobserved alleles may be merged into one without changing any likelihood
    /// (the model is strongly lumpable for every partition: trivial, equal and proportional).
    lumpable: bool,
    identity: bool,
}

fn check_rate(what: &'static str, value: f64) -> Result<(), MutationError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(MutationError::RateOutOfRange { what, value })
    }
}

/// R's `round()`: half to even.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

fn numeric_alleles(model: &'static str, alleles: &[String]) -> Result<Vec<f64>, MutationError> {
    alleles
        .iter()
        .map(|a| match a.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(MutationError::NonNumericAllele {
                model,
                allele: a.clone(),
            }),
        })
        .collect()
}

impl MutationMatrix {
    /// Builds the matrix of `model` for alleles with these labels and frequencies.
    pub fn build(model: &MutationModel, alleles: &[String], freqs: &[f64]) -> Result<Self, MutationError> {
        let n = alleles.len();
        debug_assert_eq!(n, freqs.len());
        let mut data = vec![0.0; n * n];
        let mut lumpable = true;
        // Check parameters even for a one-allele marker, whose matrix is the identity anyway.
        match model {
            MutationModel::Trivial => {}
            MutationModel::Equal { rate } | MutationModel::OneStep { rate } => check_rate("rate", *rate)?,
            MutationModel::Proportional { rate } => check_rate("rate", *rate)?,
            MutationModel::Stepwise { rate, rate2, range } => {
                check_rate("rate", *rate)?;
                check_rate("rate2", *rate2)?;
                if !(*range > 0.0 && range.is_finite()) {
                    return Err(MutationError::BadRange { value: *range });
                }
            }
            MutationModel::Custom { .. } => {}
        }
        match model {
            MutationModel::Trivial => set_identity(&mut data, n),
            _ if n == 1 && !matches!(model, MutationModel::Custom { .. }) => set_identity(&mut data, n),
            MutationModel::Equal { rate } => {
                let off = rate / (n as f64 - 1.0);
                for i in 0..n {
                    for j in 0..n {
                        data[i * n + j] = if i == j { 1.0 - rate } else { off };
                    }
                }
            }
            MutationModel::Proportional { rate } => {
                let sum_het: f64 = freqs.iter().map(|p| p * (1.0 - p)).sum();
                let min_p = freqs.iter().copied().fold(f64::INFINITY, f64::min);
                let max = sum_het / (1.0 - min_p);
                if *rate > max * (1.0 + 1e-12) {
                    return Err(MutationError::ProportionalTooHigh { rate: *rate, max });
                }
                let a = if sum_het > 0.0 { rate / sum_het } else { 0.0 };
                for i in 0..n {
                    for j in 0..n {
                        data[i * n + j] = a * freqs[j] + if i == j { 1.0 - a } else { 0.0 };
                    }
                }
            }
            MutationModel::Stepwise { rate, rate2, range } => {
                lumpable = false;
                let x = numeric_alleles("stepwise", alleles)?;
                let group: Vec<i64> = x
                    .iter()
                    .map(|&v| round_half_even(10.0 * (v - round_half_even(v))) as i64)
                    .collect();
                for i in 0..n {
                    let same: Vec<usize> = (0..n).filter(|&j| j != i && group[j] == group[i]).collect();
                    let others = (0..n).filter(|&j| group[j] != group[i]).count();
                    let weight_sum: f64 = same.iter().map(|&j| range.powf((x[i] - x[j]).abs())).sum();
                    for &j in &same {
                        data[i * n + j] = rate * range.powf((x[i] - x[j]).abs()) / weight_sum;
                    }
                    for j in 0..n {
                        if group[j] != group[i] {
                            data[i * n + j] = rate2 / others as f64;
                        }
                    }
                    data[i * n + i] = match (same.is_empty(), others == 0) {
                        (false, true) => 1.0 - rate,
                        (true, false) => 1.0 - rate2,
                        (true, true) => 1.0,
                        (false, false) => 1.0 - rate - rate2,
                    };
                }
            }
            MutationModel::OneStep { rate } => {
                lumpable = false;
                let x = numeric_alleles("onestep", alleles)?;
                for (a, &v) in alleles.iter().zip(&x) {
                    if v.fract() != 0.0 {
                        return Err(MutationError::NonIntegerAllele { allele: a.clone() });
                    }
                }
                for i in 0..n {
                    let neighbours: Vec<usize> = (0..n).filter(|&j| (x[j] - x[i]).abs() == 1.0).collect();
                    if neighbours.is_empty() {
                        data[i * n + i] = 1.0;
                    } else {
                        data[i * n + i] = 1.0 - rate;
                        for &j in &neighbours {
                            data[i * n + j] = rate / neighbours.len() as f64;
                        }
                    }
                }
            }
            MutationModel::Custom { matrix } => {
                lumpable = false;
                if matrix.len() != n || matrix.iter().any(|r| r.len() != n) {
                    let cols = matrix.iter().map(Vec::len).find(|&c| c != n).unwrap_or(n);
                    return Err(MutationError::CustomShape {
                        rows: matrix.len(),
                        cols,
                        n,
                    });
                }
                for (i, row) in matrix.iter().enumerate() {
                    for (j, &v) in row.iter().enumerate() {
                        if !(0.0..=1.0).contains(&v) {
                            return Err(MutationError::CustomEntry {
                                row: i,
                                col: j,
                                value: v,
                            });
                        }
                        data[i * n + j] = v;
                    }
                    let sum: f64 = row.iter().sum();
                    if (sum - 1.0).abs() > 1e-9 {
                        return Err(MutationError::CustomRowSum { row: i, sum });
                    }
                }
            }
        }
        let identity = (0..n).all(|i| (0..n).all(|j| data[i * n + j] == if i == j { 1.0 } else { 0.0 }));
        Ok(MutationMatrix {
            n,
            data,
            lumpable: lumpable || identity,
            identity,
        })
    }

    pub fn identity(n: usize) -> Self {
        let mut data = vec![0.0; n * n];
        set_identity(&mut data, n);
        MutationMatrix {
            n,
            data,
            lumpable: true,
            identity: true,
        }
    }

    pub fn size(&self) -> usize {
        self.n
    }

    /// P(transmitted allele `to` | parent's allele `from`).
    #[inline]
    pub fn get(&self, from: usize, to: usize) -> f64 {
        self.data[from * self.n + to]
    }

    pub fn row(&self, from: usize) -> &[f64] {
        &self.data[from * self.n..(from + 1) * self.n]
    }

    pub fn is_lumpable(&self) -> bool {
        self.lumpable
    }

    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// The matrix over `keep` alleles plus one lump of all the others (last index).
    ///
    /// Only exact when [`Self::is_lumpable`]; the lump's row is that of its first member.
    pub fn lumped(&self, keep: &[usize], lump: &[usize]) -> MutationMatrix {
        let mut out = MutationMatrix::identity(0);
        self.lump_into(keep, lump, &mut out);
        out
    }

    /// [`Self::lumped`] into an existing matrix, reusing its storage.
    pub fn lump_into(&self, keep: &[usize], lump: &[usize], out: &mut MutationMatrix) {
        let m = keep.len() + usize::from(!lump.is_empty());
        let mut data = std::mem::take(&mut out.data);
        data.clear();
        data.resize(m * m, 0.0);
        for (r, i) in keep.iter().copied().chain(lump.first().copied()).enumerate() {
            for (c, &j) in keep.iter().enumerate() {
                data[r * m + c] = self.get(i, j);
            }
            if !lump.is_empty() {
                data[r * m + m - 1] = lump.iter().map(|&j| self.get(i, j)).sum();
            }
        }
        *out = MutationMatrix {
            n: m,
            data,
            lumpable: true,
            identity: self.identity,
        };
    }
}

impl Default for MutationMatrix {
    /// The empty matrix (no alleles).
    fn default() -> Self {
        MutationMatrix::identity(0)
    }
}

fn set_identity(data: &mut [f64], n: usize) {
    for i in 0..n {
        data[i * n + i] = 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn assert_rows_sum_to_one(m: &MutationMatrix) {
        for i in 0..m.size() {
            let s: f64 = m.row(i).iter().sum();
            assert!((s - 1.0).abs() < 1e-12, "row {i} sums to {s}");
        }
    }

    #[test]
    fn equal_model() {
        let m = MutationMatrix::build(
            &MutationModel::Equal { rate: 0.1 },
            &labels(&["1", "2", "3", "4"]),
            &[0.25; 4],
        )
        .unwrap();
        assert!((m.get(0, 0) - 0.9).abs() < 1e-15);
        assert!((m.get(0, 3) - 0.1 / 3.0).abs() < 1e-15);
        assert_rows_sum_to_one(&m);
    }

    #[test]
    fn stepwise_microvariants_follow_pedmut() {
        // Alleles 9, 9.3, 10, 11: group 0 = {9, 10, 11}, group 3 = {9.3}.
        let a = labels(&["9", "9.3", "10", "11"]);
        let m = MutationMatrix::build(
            &MutationModel::Stepwise {
                rate: 0.005,
                rate2: 0.002,
                range: 0.5,
            },
            &a,
            &[0.25; 4],
        )
        .unwrap();
        assert_rows_sum_to_one(&m);
        // From 9: weights 0.5 (to 10) and 0.25 (to 11), scaled to 0.005; 9.3 gets all of rate2.
        assert!((m.get(0, 2) - 0.005 * 0.5 / 0.75).abs() < 1e-15);
        assert!((m.get(0, 3) - 0.005 * 0.25 / 0.75).abs() < 1e-15);
        assert!((m.get(0, 1) - 0.002).abs() < 1e-15);
        assert!((m.get(0, 0) - (1.0 - 0.007)).abs() < 1e-15);
        // 9.3 is alone in its group: 1 - rate2 on the diagonal, rate2 / 3 to each other allele.
        assert!((m.get(1, 1) - 0.998).abs() < 1e-15);
        assert!((m.get(1, 0) - 0.002 / 3.0).abs() < 1e-15);
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(-0.5), 0.0);
    }

    #[test]
    fn proportional_rejects_rates_above_its_maximum() {
        let e = MutationMatrix::build(
            &MutationModel::Proportional { rate: 0.9 },
            &labels(&["1", "2"]),
            &[0.9, 0.1],
        );
        assert!(matches!(e, Err(MutationError::ProportionalTooHigh { .. })));
    }

    #[test]
    fn onestep_needs_integers_and_splits_rate() {
        let m = MutationMatrix::build(
            &MutationModel::OneStep { rate: 0.2 },
            &labels(&["9", "10", "11", "14"]),
            &[0.25; 4],
        )
        .unwrap();
        assert!((m.get(1, 0) - 0.1).abs() < 1e-15 && (m.get(1, 2) - 0.1).abs() < 1e-15);
        assert!((m.get(0, 1) - 0.2).abs() < 1e-15);
        assert_eq!(m.get(3, 3), 1.0);
        let e = MutationMatrix::build(&MutationModel::OneStep { rate: 0.2 }, &labels(&["9", "9.3"]), &[0.5; 2]);
        assert!(matches!(e, Err(MutationError::NonIntegerAllele { .. })));
    }
}
