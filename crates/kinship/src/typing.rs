//! What was observed of a member at a marker, and the conditions of observation.

use std::collections::BTreeMap;

/// A member's typing at one marker, as written in the input. Alleles are indices into the
/// marker's allele list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Typing {
    /// Not typed (`-/-` or empty).
    Untyped,
    /// Two alleles (`14/15`, `14/14`).
    Pair(usize, usize),
    /// One allele with the other unknown (`14/-`).
    OneAndMissing(usize),
    /// A single allele (`14`): a male's X allele, or a partial profile read with dropout.
    Single(usize),
}

impl Typing {
    pub fn is_typed(&self) -> bool {
        !matches!(self, Typing::Untyped)
    }

    /// The alleles written, without repeats.
    pub fn alleles(&self) -> impl Iterator<Item = usize> {
        let (a, b) = match *self {
            Typing::Untyped => (None, None),
            Typing::Pair(a, b) if a != b => (Some(a), Some(b)),
            Typing::Pair(a, _) | Typing::OneAndMissing(a) | Typing::Single(a) => (Some(a), None),
        };
        a.into_iter().chain(b)
    }
}

/// Conditions of one likelihood computation besides the pedigree and the typings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    /// Balding–Nichols subpopulation correction θ (0 for none).
    pub theta: f64,
    /// Dropout probability per member id; members not listed have none.
    pub dropout: BTreeMap<String, f64>,
    /// Drop-in probability for the members with a dropout probability.
    pub dropin: f64,
}

impl Conditions {
    pub fn dropout_of(&self, id: &str) -> Option<f64> {
        self.dropout.get(id).copied()
    }
}
