//! Whole DVI scenarios: reference families with missing persons, and victims who are the
//! missing persons (partial profiles, dropout) or unrelated to every family.

use kinship::{Conditions, Marker, MemberSpec, Pedigree, Sex, Typing};

use crate::drop::GeneDropper;
use crate::genotype::{Genotype, ProfileQuality};
use crate::rng::Rng;
use crate::SimulateError;

/// The shape of a reference family, always around one missing male, `MP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FamilyShape {
    /// Father `FA` and mother `MO` typed.
    Parents,
    /// Both parents and a full sibling `S1` typed.
    ParentsAndSibling,
    /// One full sibling `S1` typed; the parents are untyped.
    Sibling,
    /// Two full siblings `S1`, `S2` typed.
    Siblings,
    /// A child `CH` typed, with the child's mother `SP` untyped.
    Child,
    /// A child `CH` and the child's mother `SP` typed.
    ChildAndSpouse,
    /// A paternal half sibling `HS` typed.
    HalfSibling,
    /// Paternal uncle `UN` typed.
    Uncle,
    /// A first cousin `CO` (son of the paternal uncle) typed.
    Cousin,
    /// Paternal grandparents `GF`, `GM` typed.
    Grandparents,
}

impl FamilyShape {
    pub const ALL: [FamilyShape; 10] = [
        FamilyShape::Parents,
        FamilyShape::ParentsAndSibling,
        FamilyShape::Sibling,
        FamilyShape::Siblings,
        FamilyShape::Child,
        FamilyShape::ChildAndSpouse,
        FamilyShape::HalfSibling,
        FamilyShape::Uncle,
        FamilyShape::Cousin,
        FamilyShape::Grandparents,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            FamilyShape::Parents => "parents",
            FamilyShape::ParentsAndSibling => "parents-and-sibling",
            FamilyShape::Sibling => "sibling",
            FamilyShape::Siblings => "siblings",
            FamilyShape::Child => "child",
            FamilyShape::ChildAndSpouse => "child-and-spouse",
            FamilyShape::HalfSibling => "half-sibling",
            FamilyShape::Uncle => "uncle",
            FamilyShape::Cousin => "cousin",
            FamilyShape::Grandparents => "grandparents",
        }
    }

    /// The shape named by [`FamilyShape::name`].
    pub fn parse(name: &str) -> Option<FamilyShape> {
        FamilyShape::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The family as a template: pedigree, missing person and typed references.
    pub fn template(&self) -> FamilyTemplate {
        use Sex::{Female as F, Male as M};
        let s = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
        let nuclear = || {
            vec![
                s("FA", None, None, M),
                s("MO", None, None, F),
                s("MP", Some("FA"), Some("MO"), M),
            ]
        };
        let paternal_line = || {
            vec![
                s("GF", None, None, M),
                s("GM", None, None, F),
                s("FA", Some("GF"), Some("GM"), M),
                s("MO", None, None, F),
                s("MP", Some("FA"), Some("MO"), M),
            ]
        };
        let (members, references): (Vec<MemberSpec>, &[&str]) = match self {
            FamilyShape::Parents => (nuclear(), &["FA", "MO"]),
            FamilyShape::ParentsAndSibling | FamilyShape::Sibling | FamilyShape::Siblings => {
                let mut v = nuclear();
                v.push(s("S1", Some("FA"), Some("MO"), F));
                if *self == FamilyShape::Siblings {
                    v.push(s("S2", Some("FA"), Some("MO"), M));
                }
                let refs: &[&str] = match self {
                    FamilyShape::ParentsAndSibling => &["FA", "MO", "S1"],
                    FamilyShape::Sibling => &["S1"],
                    _ => &["S1", "S2"],
                };
                (v, refs)
            }
            FamilyShape::Child | FamilyShape::ChildAndSpouse => {
                let mut v = nuclear();
                v.push(s("SP", None, None, F));
                v.push(s("CH", Some("MP"), Some("SP"), F));
                let refs: &[&str] = if *self == FamilyShape::Child {
                    &["CH"]
                } else {
                    &["CH", "SP"]
                };
                (v, refs)
            }
            FamilyShape::HalfSibling => {
                let mut v = nuclear();
                v.push(s("M2", None, None, F));
                v.push(s("HS", Some("FA"), Some("M2"), M));
                (v, &["HS"])
            }
            FamilyShape::Uncle | FamilyShape::Cousin => {
                let mut v = paternal_line();
                v.push(s("UN", Some("GF"), Some("GM"), M));
                if *self == FamilyShape::Uncle {
                    (v, &["UN"])
                } else {
                    v.push(s("AU", None, None, F));
                    v.push(s("CO", Some("UN"), Some("AU"), M));
                    (v, &["CO"])
                }
            }
            FamilyShape::Grandparents => (paternal_line(), &["GF", "GM"]),
        };
        FamilyTemplate {
            name: self.name().to_owned(),
            members,
            missing: vec!["MP".to_owned()],
            references: references.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}

/// A family to simulate: the pedigree, who is missing, and who gives a reference sample.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyTemplate {
    pub name: String,
    pub members: Vec<MemberSpec>,
    pub missing: Vec<String>,
    pub references: Vec<String>,
}

impl FamilyTemplate {
    /// The pedigree and the indices of the missing persons and references, checked.
    pub fn resolve(&self) -> Result<(Pedigree, Vec<usize>, Vec<usize>), SimulateError> {
        let template_error = |problem: String| SimulateError::Template {
            family: self.name.clone(),
            problem,
        };
        let ped = Pedigree::new(self.members.clone()).map_err(|e| template_error(e.to_string()))?;
        let find = |id: &String| {
            ped.index_of(id)
                .ok_or_else(|| template_error(format!("'{id}' is not in the pedigree")))
        };
        let missing = self.missing.iter().map(find).collect::<Result<Vec<_>, _>>()?;
        let references = self.references.iter().map(find).collect::<Result<Vec<_>, _>>()?;
        if missing.is_empty() {
            return Err(template_error("no missing person".to_owned()));
        }
        if let Some(&i) = missing.iter().find(|i| references.contains(i)) {
            return Err(template_error(format!(
                "'{}' is both missing and a reference",
                ped.member(i).id
            )));
        }
        Ok((ped, missing, references))
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSpec {
    pub families: Vec<FamilyTemplate>,
    /// Victims unrelated to every family.
    pub unrelated_victims: usize,
    /// Probability that a missing person's remains are found (and become a victim).
    pub recovered: f64,
    pub victim_quality: ProfileQuality,
    pub reference_quality: ProfileQuality,
    /// θ of the founders; each family and each unrelated victim is its own urn.
    pub theta: f64,
    pub seed: u64,
}

impl ScenarioSpec {
    /// One family of each shape in `shapes`, every missing person recovered, complete profiles.
    pub fn from_shapes(shapes: &[FamilyShape], unrelated_victims: usize, seed: u64) -> ScenarioSpec {
        ScenarioSpec {
            families: shapes.iter().map(FamilyShape::template).collect(),
            unrelated_victims,
            recovered: 1.0,
            victim_quality: ProfileQuality::COMPLETE,
            reference_quality: ProfileQuality::COMPLETE,
            theta: 0.0,
            seed,
        }
    }
}

/// A simulated reference family. Member ids are prefixed with the family id (`F1-FA`) so that
/// ids are unique across the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedFamily {
    pub id: String,
    /// The template's name (`sibling`, …).
    pub shape: String,
    pub pedigree: Pedigree,
    /// `typings[marker][member]`: references typed, everyone else untyped.
    pub typings: Vec<Vec<Typing>>,
    pub missing: Vec<usize>,
    pub references: Vec<usize>,
    /// The true genotypes, `genotypes[marker][member]`.
    pub genotypes: Vec<Vec<Genotype>>,
}

/// Where a victim's remains come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VictimSource {
    /// Member `member` (pedigree index) of family `family` (index into `Scenario::families`).
    Missing {
        family: usize,
        member: usize,
    },
    Unrelated,
}

/// A simulated victim.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedVictim {
    pub id: String,
    pub sex: Sex,
    /// One typing per marker.
    pub typings: Vec<Typing>,
    /// The dropout probability the typings were made with (0: none); the likelihood must use it.
    pub dropout: f64,
    pub source: VictimSource,
    /// The true genotypes, one per marker.
    pub genotypes: Vec<Genotype>,
}

/// A simulated DVI problem with the truth beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub families: Vec<SimulatedFamily>,
    /// In random order, named `V1`, `V2`, …
    pub victims: Vec<SimulatedVictim>,
    pub theta: f64,
}

impl Scenario {
    /// The likelihood conditions the scenario was simulated under: θ and each victim's and
    /// reference's dropout.
    pub fn conditions(&self, reference_dropout: f64) -> Conditions {
        let mut c = Conditions {
            theta: self.theta,
            ..Conditions::default()
        };
        for v in self.victims.iter().filter(|v| v.dropout > 0.0) {
            c.dropout.insert(v.id.clone(), v.dropout);
        }
        if reference_dropout > 0.0 {
            for f in &self.families {
                for &r in &f.references {
                    c.dropout.insert(f.pedigree.member(r).id.clone(), reference_dropout);
                }
            }
        }
        c
    }
}

/// Simulates the scenario; the same spec (seed included) gives the same scenario.
pub fn simulate_scenario(markers: &[Marker], spec: &ScenarioSpec) -> Result<Scenario, SimulateError> {
    spec.victim_quality.check()?;
    spec.reference_quality.check()?;
    crate::check_probability("recovered", spec.recovered)?;
    let dropper = GeneDropper::new(markers, spec.theta)?;
    let mut rng = Rng::seed_from(spec.seed);
    let mut families = Vec::with_capacity(spec.families.len());
    let mut victims = Vec::new();
    for (f, template) in spec.families.iter().enumerate() {
        let (ped, missing, references) = template.resolve()?;
        let id = format!("F{}", f + 1);
        let pedigree = prefixed(&ped, &id)?;
        let genotypes = dropper.drop_pedigree(&pedigree, &mut rng)?;
        let mut typings = vec![vec![Typing::Untyped; pedigree.len()]; markers.len()];
        for &r in &references {
            let profile: Vec<Genotype> = genotypes.iter().map(|g| g[r]).collect();
            let observed = spec.reference_quality.observe(markers, &profile, &mut rng);
            for (k, t) in observed.into_iter().enumerate() {
                typings[k][r] = t;
            }
        }
        for &m in &missing {
            if rng.bernoulli(spec.recovered) {
                let profile: Vec<Genotype> = genotypes.iter().map(|g| g[m]).collect();
                victims.push(SimulatedVictim {
                    id: String::new(),
                    sex: pedigree.member(m).sex,
                    typings: spec.victim_quality.observe(markers, &profile, &mut rng),
                    dropout: spec.victim_quality.dropout,
                    source: VictimSource::Missing { family: f, member: m },
                    genotypes: profile,
                });
            }
        }
        families.push(SimulatedFamily {
            id,
            shape: template.name.clone(),
            pedigree,
            typings,
            missing,
            references,
            genotypes,
        });
    }
    for _ in 0..spec.unrelated_victims {
        let sex = if rng.bernoulli(0.5) { Sex::Male } else { Sex::Female };
        let single = Pedigree::singletons([("U".to_owned(), sex)]).expect("one member");
        let profile: Vec<Genotype> = dropper
            .drop_pedigree(&single, &mut rng)?
            .into_iter()
            .map(|g| g[0])
            .collect();
        victims.push(SimulatedVictim {
            id: String::new(),
            sex,
            typings: spec.victim_quality.observe(markers, &profile, &mut rng),
            dropout: spec.victim_quality.dropout,
            source: VictimSource::Unrelated,
            genotypes: profile,
        });
    }
    // Shuffle (Fisher–Yates) so that a victim's position says nothing about its source.
    rng.shuffle(&mut victims);
    for (i, v) in victims.iter_mut().enumerate() {
        v.id = format!("V{}", i + 1);
    }
    Ok(Scenario {
        families,
        victims,
        theta: spec.theta,
    })
}

/// The pedigree with every id written `{prefix}-{id}`.
fn prefixed(ped: &Pedigree, prefix: &str) -> Result<Pedigree, SimulateError> {
    let name = |i: usize| format!("{prefix}-{}", ped.member(i).id);
    let specs = ped
        .members()
        .iter()
        .enumerate()
        .map(|(i, m)| MemberSpec {
            id: name(i),
            father: m.father.map(name),
            mother: m.mother.map(name),
            sex: m.sex,
        })
        .collect();
    Pedigree::new(specs).map_err(|e| SimulateError::Template {
        family: prefix.to_owned(),
        problem: e.to_string(),
    })
}
