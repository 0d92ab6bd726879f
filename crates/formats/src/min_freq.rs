//! The minimum allele frequency rule `K/2N`: no allele of a marker typed in N individuals (2N
//! alleles) is given a frequency below K/2N.
//!
//! NRC II (*The Evaluation of Forensic DNA Evidence*, National Research Council, 1996) recommends a
//! minimum frequency of 5/2N for alleles that are rare or unseen in a database, so that a small
//! sample does not make a rare allele look rarer than it is; K = 5 is the usual choice.
//!
//! Raising some alleles leaves the marker summing to more than 1. A likelihood needs a probability
//! distribution, so the alleles above the minimum are scaled down together, keeping their ratios,
//! until the total is 1 again; an allele that scaling would take below the minimum is held at the
//! minimum too. Every allele ends at or above K/2N and the marker sums to 1, as with
//! `--unknown-allele-freq`, which adds unseen alleles the same way. (Leaving the total above 1, as
//! some single-source match statistics do, is not an option for pedigree likelihoods.)

use std::fmt;
use std::str::FromStr;

use crate::freqs::FrequencyDb;

/// A rule `K/2N`, written as such (`5/2N`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinFreqRule {
    /// K, a positive number.
    pub k: f64,
}

impl FromStr for MinFreqRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a minimum-frequency rule; write K/2N, such as 5/2N");
        let t = s.trim();
        let k = t
            .strip_suffix("/2N")
            .or_else(|| t.strip_suffix("/2n"))
            .ok_or_else(bad)?;
        match k.trim().parse::<f64>() {
            Ok(k) if k.is_finite() && k > 0.0 => Ok(MinFreqRule { k }),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for MinFreqRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/2N", self.k)
    }
}

/// Why the rule cannot be applied to a marker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, marker '{marker}': {message}")]
pub struct MinFreqError {
    /// The line where the marker is named in its file.
    pub line: usize,
    pub marker: String,
    pub message: String,
}

impl MinFreqRule {
    /// The minimum for a marker typed in `n` individuals.
    pub fn minimum(&self, n: u64) -> f64 {
        self.k / (2.0 * n as f64)
    }

    /// The database with the rule applied to every marker; each needs its sample size N.
    pub fn apply(&self, db: &FrequencyDb) -> Result<FrequencyDb, MinFreqError> {
        let mut out = db.clone();
        for m in &mut out.markers {
            let error = |message: String| MinFreqError {
                line: m.line,
                marker: m.name.clone(),
                message,
            };
            let Some(n) = m.sample_size else {
                return Err(error(format!(
                    "the rule {self} needs the marker's sample size N, which the frequency file does not give \
                     (add a line '# N: 1043' or '# N {}: 1043' at its top)",
                    m.name
                )));
            };
            let min = self.minimum(n);
            let mut freqs: Vec<f64> = m.alleles.iter().map(|(_, p)| *p).collect();
            raise_to_minimum(&mut freqs, min).map_err(error)?;
            for ((_, p), q) in m.alleles.iter_mut().zip(freqs) {
                *p = q;
            }
        }
        Ok(out)
    }
}

/// Raises every frequency below `min` to `min` and scales the others so that the total is 1,
/// holding at `min` any that scaling takes below it.
fn raise_to_minimum(freqs: &mut [f64], min: f64) -> Result<(), String> {
    let count = freqs.len() as f64;
    if min * count >= 1.0 {
        return Err(format!(
            "{} alleles at the minimum {min} already make 1 or more; the sample is too small for this rule",
            freqs.len()
        ));
    }
    let original: Vec<f64> = freqs.to_vec();
    let mut held: Vec<bool> = original.iter().map(|&p| p < min).collect();
    loop {
        let n_held = held.iter().filter(|&&h| h).count() as f64;
        let free: f64 = original.iter().zip(&held).filter(|(_, &h)| !h).map(|(p, _)| p).sum();
        if free <= 0.0 {
            return Err("every allele is below the minimum; the frequencies cannot sum to 1".into());
        }
        let scale = (1.0 - n_held * min) / free;
        let mut changed = false;
        for (i, p) in original.iter().enumerate() {
            if !held[i] && p * scale < min {
                held[i] = true;
                changed = true;
            }
        }
        if !changed {
            for (i, p) in original.iter().enumerate() {
                freqs[i] = if held[i] { min } else { p * scale };
            }
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freqs::{FreqMetadata, MarkerFreqs};
    use proptest::prelude::*;

    fn db(alleles: &[f64], n: Option<u64>) -> FrequencyDb {
        FrequencyDb {
            markers: vec![MarkerFreqs {
                name: "M".into(),
                line: 3,
                alleles: alleles.iter().enumerate().map(|(i, p)| (i.to_string(), *p)).collect(),
                sample_size: n,
            }],
            metadata: FreqMetadata::default(),
        }
    }

    fn freqs(db: &FrequencyDb) -> Vec<f64> {
        db.markers[0].alleles.iter().map(|(_, p)| *p).collect()
    }

    #[test]
    fn parses_k_over_2n() {
        assert_eq!("5/2N".parse::<MinFreqRule>(), Ok(MinFreqRule { k: 5.0 }));
        assert_eq!(" 2.5/2n ".parse::<MinFreqRule>(), Ok(MinFreqRule { k: 2.5 }));
        for bad in ["5", "5/N", "0/2N", "-1/2N", "x/2N", "inf/2N", ""] {
            assert!(bad.parse::<MinFreqRule>().is_err(), "{bad}");
        }
        assert_eq!(MinFreqRule { k: 5.0 }.to_string(), "5/2N");
    }

    #[test]
    fn worked_example() {
        // N = 100: minimum 5/200 = 0.025. Alleles 0.005 and 0 are raised; the other two share
        // 1 - 0.05 = 0.95 in their ratio 0.595 : 0.4.
        let out = MinFreqRule { k: 5.0 }
            .apply(&db(&[0.595, 0.4, 0.005, 0.0], Some(100)))
            .unwrap();
        let f = freqs(&out);
        let expected = [0.95 * 0.595 / 0.995, 0.95 * 0.4 / 0.995, 0.025, 0.025];
        for (a, b) in f.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{f:?}");
        }
        // Scaling (by 0.975) takes 0.0255 below 0.025: it is held at the minimum too.
        let f = freqs(
            &MinFreqRule { k: 5.0 }
                .apply(&db(&[0.8745, 0.1, 0.0255, 0.0], Some(100)))
                .unwrap(),
        );
        assert_eq!(&f[2..], [0.025, 0.025]);
        assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn refusals_name_the_marker() {
        let e = MinFreqRule { k: 5.0 }.apply(&db(&[0.5, 0.5], None)).unwrap_err();
        assert_eq!((e.line, e.marker.as_str()), (3, "M"));
        assert!(e.message.contains("# N"), "{e}");
        // N = 2: minimum 1.25 for two alleles.
        let e = MinFreqRule { k: 5.0 }.apply(&db(&[0.5, 0.5], Some(2))).unwrap_err();
        assert!(e.message.contains("too small"), "{e}");
    }

    proptest! {
        #[test]
        fn every_allele_at_least_the_minimum_sum_one_ratios_kept(
            raw in prop::collection::vec(0.0f64..1.0, 1..12),
            n in 1u64..5000,
            k in 0.5f64..10.0,
        ) {
            let total: f64 = raw.iter().sum();
            prop_assume!(total > 0.0);
            let input: Vec<f64> = raw.iter().map(|p| p / total).collect();
            let rule = MinFreqRule { k };
            let min = rule.minimum(n);
            match rule.apply(&db(&input, Some(n))) {
                Err(e) => prop_assert!(min * input.len() as f64 >= 1.0, "{e}"),
                Ok(out) => {
                    let f = freqs(&out);
                    prop_assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                    for (p, q) in input.iter().zip(&f) {
                        prop_assert!(*q >= min * (1.0 - 1e-12), "{q} < {min}");
                        // Nothing that was above the minimum is raised.
                        if *p >= min {
                            prop_assert!(*q <= p * (1.0 + 1e-12));
                        }
                    }
                    // Alleles left above the minimum keep their ratios.
                    let free: Vec<(f64, f64)> = input.iter().zip(&f).filter(|(_, q)| **q > min).map(|(p, q)| (*p, *q)).collect();
                    if let Some(&(p0, q0)) = free.first() {
                        for (p, q) in &free {
                            prop_assert!((q / q0 - p / p0).abs() <= 1e-9 * (p / p0));
                        }
                    }
                    // Already at or above the minimum everywhere: unchanged.
                    if input.iter().all(|p| *p >= min) {
                        for (p, q) in input.iter().zip(&f) {
                            prop_assert!((p - q).abs() < 1e-12);
                        }
                    }
                }
            }
        }
    }
}
