//! Likelihood ratios of two hypotheses, total and per marker.

use crate::marker::Marker;
use crate::pedigree::Pedigree;
use crate::typing::{Conditions, Typing};
use crate::{Engine, LikelihoodError};

/// One hypothesis: a pedigree and what was typed in it, per marker then per member.
#[derive(Debug, Clone, Copy)]
pub struct Hypothesis<'a> {
    pub pedigree: &'a Pedigree,
    /// `typings[marker][member]`, markers in the order of the marker list.
    pub typings: &'a [Vec<Typing>],
}

/// The likelihoods of both hypotheses at one marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkerLr {
    pub ln_h1: f64,
    pub ln_h2: f64,
}

impl MarkerLr {
    pub fn lr(&self) -> f64 {
        if self.ln_h1 == f64::NEG_INFINITY {
            0.0
        } else {
            (self.ln_h1 - self.ln_h2).exp()
        }
    }
}

/// The likelihood ratio over all markers.
#[derive(Debug, Clone, PartialEq)]
pub struct LrReport {
    pub markers: Vec<MarkerLr>,
}

impl LrReport {
    /// ln L(H1), summed over markers; −∞ when H1 is impossible.
    pub fn ln_h1(&self) -> f64 {
        self.markers.iter().map(|m| m.ln_h1).sum()
    }
    pub fn ln_h2(&self) -> f64 {
        self.markers.iter().map(|m| m.ln_h2).sum()
    }
    /// log10 LR; −∞ when H1 is impossible.
    pub fn log10_lr(&self) -> f64 {
        (self.ln_h1() - self.ln_h2()) / std::f64::consts::LN_10
    }
    pub fn lr(&self) -> f64 {
        let ln1 = self.ln_h1();
        if ln1 == f64::NEG_INFINITY {
            0.0
        } else {
            (ln1 - self.ln_h2()).exp()
        }
    }
}

/// L(H1) / L(H2) at every marker. H2 impossible at any marker is an error.
pub fn likelihood_ratio(
    markers: &[Marker],
    h1: Hypothesis<'_>,
    h2: Hypothesis<'_>,
    cond: &Conditions,
) -> Result<LrReport, LikelihoodError> {
    let mut out = Vec::with_capacity(markers.len());
    let mut engine = Engine::new();
    for (k, marker) in markers.iter().enumerate() {
        let ln_h2 = engine.ln_likelihood(h2.pedigree, marker, &h2.typings[k], cond)?;
        if ln_h2 == f64::NEG_INFINITY {
            return Err(LikelihoodError::H2Impossible {
                marker: marker.name().to_owned(),
            });
        }
        let ln_h1 = engine.ln_likelihood(h1.pedigree, marker, &h1.typings[k], cond)?;
        out.push(MarkerLr { ln_h1, ln_h2 });
    }
    Ok(LrReport { markers: out })
}

/// The default alternative: every member typed at some marker, unrelated to all others.
///
/// Returns the pedigree of singletons and the typings restricted to them.
pub fn unrelated_alternative(h1: Hypothesis<'_>) -> (Pedigree, Vec<Vec<Typing>>) {
    let typed: Vec<usize> = (0..h1.pedigree.len())
        .filter(|&i| h1.typings.iter().any(|t| t[i].is_typed()))
        .collect();
    let ped = Pedigree::singletons(typed.iter().map(|&i| {
        let m = h1.pedigree.member(i);
        (m.id.clone(), m.sex)
    }))
    .expect("members of a valid pedigree have unique ids");
    let typings = h1
        .typings
        .iter()
        .map(|t| typed.iter().map(|&i| t[i]).collect())
        .collect();
    (ped, typings)
}
