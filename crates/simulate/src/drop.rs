//! Gene dropping: founders' alleles drawn from the population (with θ, one Pólya urn per
//! pedigree and marker), passed down Mendelian with each parent's sex-specific mutation matrix.

use kinship::{Chromosome, Marker, MutationMatrix, Pedigree, Sex};

use crate::genotype::Genotype;
use crate::rng::Rng;
use crate::SimulateError;

/// Cumulative tables of one marker, built once and used for every draw.
#[derive(Debug, Clone)]
struct MarkerTables {
    freqs: Vec<f64>,
    /// `None` when the sex's matrix is the identity (no mutation).
    female: Option<Vec<Vec<f64>>>,
    male: Option<Vec<Vec<f64>>>,
}

fn cumulative(values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .scan(0.0, |s, &x| {
            *s += x;
            Some(*s)
        })
        .collect()
}

fn mutation_rows(m: &MutationMatrix) -> Option<Vec<Vec<f64>>> {
    (!m.is_identity()).then(|| (0..m.size()).map(|i| cumulative(m.row(i))).collect())
}

/// Simulates genotypes at a fixed list of markers. Holds only the markers' prepared tables, so
/// one dropper serves any number of pedigrees and threads.
#[derive(Debug, Clone)]
pub struct GeneDropper<'m> {
    markers: &'m [Marker],
    tables: Vec<MarkerTables>,
    theta: f64,
}

impl<'m> GeneDropper<'m> {
    /// A dropper for these markers with the Balding–Nichols θ of the founders' subpopulation.
    pub fn new(markers: &'m [Marker], theta: f64) -> Result<Self, SimulateError> {
        if !(0.0..1.0).contains(&theta) {
            return Err(SimulateError::Theta { value: theta });
        }
        let tables = markers
            .iter()
            .map(|m| MarkerTables {
                freqs: cumulative(m.freqs()),
                female: mutation_rows(m.female_matrix()),
                male: mutation_rows(m.male_matrix()),
            })
            .collect();
        Ok(GeneDropper { markers, tables, theta })
    }

    pub fn markers(&self) -> &'m [Marker] {
        self.markers
    }

    pub fn theta(&self) -> f64 {
        self.theta
    }

    /// Every member's genotype at every marker, `genotypes[marker][member]`: the layout of
    /// `kinship::Hypothesis::typings`.
    pub fn drop_pedigree(&self, ped: &Pedigree, rng: &mut Rng) -> Result<Vec<Vec<Genotype>>, SimulateError> {
        self.check_sexes(ped)?;
        let mut out = Vec::with_capacity(self.markers.len());
        let mut urn = Vec::new();
        for k in 0..self.markers.len() {
            let mut genotypes = Vec::with_capacity(ped.len());
            self.drop_marker(k, ped, rng, &mut urn, &mut genotypes);
            out.push(genotypes);
        }
        Ok(out)
    }

    /// Refuses members of unknown sex when there are X markers: their copy number is unknown.
    pub(crate) fn check_sexes(&self, ped: &Pedigree) -> Result<(), SimulateError> {
        if let Some(marker) = self.markers.iter().find(|m| m.chromosome() == Chromosome::X) {
            if let Some(m) = ped.members().iter().find(|m| m.sex == Sex::Unknown) {
                return Err(SimulateError::UnknownSexOnX {
                    marker: marker.name().to_owned(),
                    member: m.id.clone(),
                });
            }
        }
        Ok(())
    }

    /// One marker for the whole pedigree into `out` (cleared first). `urn` is scratch space.
    pub(crate) fn drop_marker(
        &self,
        k: usize,
        ped: &Pedigree,
        rng: &mut Rng,
        urn: &mut Vec<usize>,
        out: &mut Vec<Genotype>,
    ) {
        let tables = &self.tables[k];
        let x = self.markers[k].chromosome() == Chromosome::X;
        urn.clear();
        out.clear();
        out.resize(ped.len(), Genotype::Hemizygous(0));
        let mut founder_allele = |rng: &mut Rng| self.founder_allele(tables, urn, rng);
        for &i in ped.topological_order() {
            let m = ped.member(i);
            let hemizygous = x && m.sex == Sex::Male;
            out[i] = match (m.father, m.mother) {
                (Some(f), Some(mo)) => {
                    let maternal = transmit(out[mo], tables.female.as_deref(), rng);
                    if hemizygous {
                        Genotype::Hemizygous(maternal)
                    } else {
                        let paternal = transmit(out[f], tables.male.as_deref(), rng);
                        Genotype::Diploid { paternal, maternal }
                    }
                }
                _ if hemizygous => Genotype::Hemizygous(founder_allele(rng)),
                _ => {
                    let paternal = founder_allele(rng);
                    let maternal = founder_allele(rng);
                    Genotype::Diploid { paternal, maternal }
                }
            };
        }
    }

    /// The next founder allele of the pedigree. With θ > 0 this is the Pólya urn of the
    /// Balding–Nichols model: after n alleles, allele a comes with probability
    /// (θ n_a + (1 − θ) p_a) / (1 + (n − 1) θ), drawn here as "copy one of the n alleles already
    /// drawn, with probability nθ / (1 + (n − 1) θ), else a fresh draw from p".
    fn founder_allele(&self, tables: &MarkerTables, urn: &mut Vec<usize>, rng: &mut Rng) -> usize {
        let n = urn.len() as f64;
        let allele =
            if self.theta > 0.0 && !urn.is_empty() && rng.bernoulli(n * self.theta / (1.0 + (n - 1.0) * self.theta)) {
                urn[rng.below(urn.len())]
            } else {
                rng.from_cumulative(&tables.freqs)
            };
        if self.theta > 0.0 {
            urn.push(allele);
        }
        allele
    }
}

/// One of the parent's copies, chosen with probability 1/2, then mutated by the parent's matrix.
fn transmit(parent: Genotype, mutation: Option<&[Vec<f64>]>, rng: &mut Rng) -> usize {
    let allele = match parent {
        Genotype::Diploid { paternal, maternal } => {
            if rng.next_u64() >> 63 == 0 {
                paternal
            } else {
                maternal
            }
        }
        Genotype::Hemizygous(a) => a,
    };
    match mutation {
        Some(rows) => rng.from_cumulative(&rows[allele]),
        None => allele,
    }
}
