//! A synthetic scenario in the spirit of Homeward's flagship case: the Japanese who died in northern
//! Korea in 1945–46. The 71 known burial sites (the eleven named in public reports at their towns'
//! coordinates, the rest synthetic), 20,000 deceased persons with Japanese names in kanji, kana and
//! romaji and their home prefectures, 5,000 bereaved families whose living relatives gave reference
//! samples, and 2,000 recovered remains with degraded DNA profiles.
//!
//! Everything is drawn from a seed: the same seed gives the same scenario. No real person's data is
//! used — names are random combinations of common surnames and given names, and the profiles are
//! simulated by gene dropping through each family's pedigree with the bundled East-Asian allele
//! frequencies (norSTR, MIT licence, `data/LICENSE-norSTR.md`).
//!
//! Architecture invariant: this crate does no I/O; it returns plain records that the `homeward demo`
//! command writes to the registry.

mod names;
mod profiles;
mod sites;
mod snps;

pub use names::{JapaneseName, Prefecture, FEMALE_GIVEN, MALE_GIVEN, PREFECTURES, SURNAMES};
pub use profiles::{demo_markers, Genotypes, DEMO_KIT, EAST_ASIA_FREQUENCIES};
pub use sites::{Composition, DemoSite, SiteState, KNOWN_SITE_COUNT};
pub use snps::{snp_profiles, DemoSnpProfile, SnpHolder, FORCE_PANEL, FORCE_PANEL_NAME};

use simulate::{GeneDropper, Rng};

/// How big a scenario to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSize {
    pub persons: usize,
    pub families: usize,
    pub remains: usize,
    /// How many of the remains belong to a missing person some family is looking for.
    pub remains_with_family: usize,
    /// Sites where recovery missions have exhumed remains.
    pub recovery_sites: usize,
}

impl DemoSize {
    /// The scale: 20,000 persons, 5,000 families, 2,000 recovered samples.
    pub const FULL: DemoSize = DemoSize {
        persons: 20_000,
        families: 5_000,
        remains: 2_000,
        remains_with_family: 1_200,
        recovery_sites: 8,
    };

    /// A small scenario for tests.
    pub const SMALL: DemoSize = DemoSize {
        persons: 400,
        families: 100,
        remains: 60,
        remains_with_family: 40,
        recovery_sites: 3,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// A date that may be known only to the year or month: the registry's own, so that the
/// demo's dates are written as the registry reads them.
pub use registry::model::PartialDate;

/// One of the dead, as a death register would list them.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPerson {
    pub key: String,
    pub surname: JapaneseName,
    pub given: JapaneseName,
    pub sex: Sex,
    pub birth: PartialDate,
    pub death: PartialDate,
    /// Index into [`Scenario::sites`]: where they are buried.
    pub site: usize,
    /// Whether the burial site is known to the programme (else only the town of death).
    pub burial_known: bool,
    pub prefecture: Prefecture,
}

impl DemoPerson {
    pub fn name_kanji(&self) -> String {
        format!("{} {}", self.surname.kanji, self.given.kanji)
    }
    pub fn name_kana(&self) -> String {
        format!("{} {}", self.surname.kana, self.given.kana)
    }
    pub fn name_romaji(&self) -> String {
        format!("{} {}", self.surname.romaji, self.given.romaji)
    }
}

/// A member of a bereaved family's pedigree.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoMember {
    /// Unique within the family.
    pub name: String,
    pub sex: Sex,
    /// Indices of earlier members.
    pub father: Option<usize>,
    pub mother: Option<usize>,
    pub alive: bool,
    pub is_missing: bool,
    /// The relationship to the missing person, for people reading the demo ("brother", "son").
    pub relation: &'static str,
}

/// A reference sample given by a living relative.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReference {
    pub key: String,
    /// Index into the family's members.
    pub donor: usize,
    pub consent_year: i32,
    pub genotypes: Genotypes,
}

/// Which relatives gave samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyShape {
    Sibling,
    TwoSiblings,
    Child,
    ChildAndSibling,
    NephewOrNiece,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoFamily {
    pub key: String,
    /// The family name, as the liaison officers call it ("佐藤家 (Sato)").
    pub name: String,
    pub shape: FamilyShape,
    /// Index into [`Scenario::persons`]: the missing person.
    pub person: usize,
    /// Parents before children; the missing person is the one with `is_missing`.
    pub members: Vec<DemoMember>,
    pub references: Vec<DemoReference>,
}

impl DemoFamily {
    pub fn missing_member(&self) -> usize {
        self.members
            .iter()
            .position(|m| m.is_missing)
            .expect("every demo family has its missing person")
    }
}

/// Remains recovered from a site, with the profile the laboratory obtained from a bone sample.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoRemains {
    pub key: String,
    pub sample_key: String,
    /// Index into [`Scenario::sites`].
    pub site: usize,
    pub element: &'static str,
    pub recovery: PartialDate,
    /// Degraded: some markers failed, some heterozygotes show one allele (`14/-`).
    pub genotypes: Genotypes,
    /// Index into [`Scenario::persons`]: whose remains these are. Known only to the simulation; the
    /// registry learns it by identification. Used to check the demo's matching.
    pub truth: usize,
}

/// How well a visiting party walks (the registry's mobility values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mobility {
    Walks,
    Limited,
    Wheelchair,
}

impl Mobility {
    pub fn as_str(self) -> &'static str {
        match self {
            Mobility::Walks => "walks",
            Mobility::Limited => "limited",
            Mobility::Wheelchair => "wheelchair",
        }
    }
}

/// A family's request to visit the grave of their missing relative.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoVisitRequest {
    /// Index into [`Scenario::families`].
    pub family: usize,
    /// Index into [`Scenario::sites`].
    pub site: usize,
    pub visitors: u32,
    pub mobility: Mobility,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub seed: u64,
    pub sites: Vec<DemoSite>,
    pub persons: Vec<DemoPerson>,
    pub families: Vec<DemoFamily>,
    pub remains: Vec<DemoRemains>,
    /// Requests to visit graves at the sites open to visits, for the next grave-visit mission.
    pub visit_requests: Vec<DemoVisitRequest>,
}

/// How many families ask to visit graves in the demo (the itinerary case: 30 requests).
const VISIT_REQUESTS: usize = 30;

/// Families whose relative's grave is known, at a site open to visits, ask to visit it: at most
/// [`VISIT_REQUESTS`], spread over at most 12 sites.
fn visit_requests(
    rng: &mut Rng,
    sites: &[DemoSite],
    persons: &[DemoPerson],
    families: &[DemoFamily],
) -> Vec<DemoVisitRequest> {
    let visitable = |s: &DemoSite| s.state != SiteState::Inaccessible && s.state != SiteState::Exhumed;
    let mut chosen_sites: Vec<usize> = Vec::new();
    let mut requests = Vec::new();
    for (f, family) in families.iter().enumerate() {
        let person = &persons[family.person];
        if !person.burial_known || !visitable(&sites[person.site]) {
            continue;
        }
        if !chosen_sites.contains(&person.site) {
            if chosen_sites.len() == 12 {
                continue;
            }
            chosen_sites.push(person.site);
        }
        let mobility = match rng.below(10) {
            0..=3 => Mobility::Walks,
            4..=8 => Mobility::Limited,
            _ => Mobility::Wheelchair,
        };
        requests.push(DemoVisitRequest {
            family: f,
            site: person.site,
            visitors: 1 + rng.below(4) as u32,
            mobility,
        });
        if requests.len() == VISIT_REQUESTS {
            break;
        }
    }
    requests
}

const ELEMENTS: &[&str] = &[
    "left femur",
    "right femur",
    "petrous bone",
    "tooth (molar)",
    "right humerus",
    "skull and mandible",
    "left tibia",
];

impl Scenario {
    /// Draws a whole scenario from `seed`.
    pub fn generate(seed: u64, size: DemoSize) -> Scenario {
        let mut rng = Rng::seed_from(seed);
        let mut sites = sites::sites(&mut rng);
        let recovery_sites = choose_recovery_sites(&mut sites, size.recovery_sites);
        // Recovery sites hold about twice as many persons as there are remains to recover.
        let mut weights: Vec<f64> = sites
            .iter()
            .map(|s| s.reported_count.map_or_else(|| rng.between(100.0, 600.0), f64::from))
            .collect();
        let others: f64 = (0..sites.len())
            .filter(|i| !recovery_sites.contains(i))
            .map(|i| weights[i])
            .sum();
        let share = (2.0 * size.remains as f64 / size.persons as f64).min(0.9);
        for &i in &recovery_sites {
            weights[i] = share / (1.0 - share) * others / recovery_sites.len() as f64 * rng.between(0.8, 1.2);
        }
        let persons: Vec<DemoPerson> = (0..size.persons)
            .map(|i| {
                let site = rng.weighted(&weights);
                person(&mut rng, i, site, sites[site].composition)
            })
            .collect();

        // The families look for persons buried at the recovery sites (some of whose remains are
        // recovered) and elsewhere; the remains come from both family-linked and unlinked persons.
        let (mut at_recovery, mut elsewhere): (Vec<usize>, Vec<usize>) =
            (0..persons.len()).partition(|&p| recovery_sites.contains(&persons[p].site));
        rng.shuffle(&mut at_recovery);
        rng.shuffle(&mut elsewhere);
        let linked_at_recovery = size.remains_with_family.min(at_recovery.len()).min(size.families);
        let mut sought: Vec<usize> = at_recovery[..linked_at_recovery].to_vec();
        let unlinked_at_recovery = &at_recovery[linked_at_recovery..];
        sought.extend(elsewhere.iter().take(size.families - linked_at_recovery));
        let markers = demo_markers();
        let dropper = GeneDropper::new(&markers, 0.0).expect("theta 0 is valid");
        let families: Vec<DemoFamily> = sought
            .iter()
            .enumerate()
            .map(|(f, &p)| family(&mut rng, f, p, &persons[p]))
            .collect();
        let mut truths: Vec<(usize, Option<usize>)> = (0..linked_at_recovery).map(|f| (sought[f], Some(f))).collect();
        truths.extend(
            unlinked_at_recovery
                .iter()
                .take(size.remains - linked_at_recovery.min(size.remains))
                .map(|&p| (p, None)),
        );
        truths.truncate(size.remains);
        rng.shuffle(&mut truths);

        // Profiles: each family's pedigree gene-dropped once; the missing member's genotypes become
        // the remains' (degraded) profile when they are recovered.
        let mut families = families;
        let mut missing_profiles: Vec<Option<Genotypes>> = vec![None; families.len()];
        for (f, family) in families.iter_mut().enumerate() {
            let dropped = profiles::drop_through_family(&mut rng, &dropper, &family.members);
            for reference in family.references.iter_mut() {
                reference.genotypes = dropped[reference.donor].clone();
            }
            missing_profiles[f] = Some(dropped[family.missing_member()].clone());
        }
        let remains = truths
            .iter()
            .enumerate()
            .map(|(i, &(p, family))| {
                let full = match family {
                    Some(f) => missing_profiles[f].clone().expect("filled above"),
                    None => profiles::unrelated(&mut rng, &dropper),
                };
                let quality = rng.uniform();
                DemoRemains {
                    key: format!("R{:05}", i + 1),
                    sample_key: format!("S{:05}", i + 1),
                    site: persons[p].site,
                    element: ELEMENTS[rng.below(ELEMENTS.len())],
                    recovery: PartialDate {
                        year: 2016 + rng.below(10) as i32,
                        month: Some(4 + rng.below(7) as u8),
                        day: Some(1 + rng.below(28) as u8),
                    },
                    genotypes: profiles::degrade(&mut rng, &full, quality),
                    truth: p,
                }
            })
            .collect();
        let visit_requests = visit_requests(&mut rng, &sites, &persons, &families);
        Scenario {
            seed,
            sites,
            persons,
            families,
            remains,
            visit_requests,
        }
    }
}

/// The synthetic sites with the most graves become the sites of recovery missions (exhumed).
fn choose_recovery_sites(sites: &mut [DemoSite], count: usize) -> Vec<usize> {
    let chosen: Vec<usize> = sites
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.public && s.state == SiteState::Known)
        .map(|(i, _)| i)
        .take(count)
        .collect();
    for &i in &chosen {
        sites[i].state = SiteState::Exhumed;
    }
    chosen
}

fn person(rng: &mut Rng, index: usize, site: usize, composition: Composition) -> DemoPerson {
    // Age at death and sex by who is buried at the site.
    let (male_share, child_share) = match composition {
        Composition::Soldiers => (0.97, 0.0),
        Composition::Refugees => (0.3, 0.55),
        Composition::Mixed => (0.5, 0.3),
    };
    let child = rng.bernoulli(child_share);
    let sex = if child {
        if rng.bernoulli(0.5) {
            Sex::Male
        } else {
            Sex::Female
        }
    } else if rng.bernoulli(male_share) {
        Sex::Male
    } else {
        Sex::Female
    };
    let age = if child {
        rng.below(15) as i32
    } else if composition == Composition::Soldiers {
        18 + rng.below(28) as i32
    } else {
        16 + rng.below(60) as i32
    };
    // Deaths from August 1945 to October 1946, most in the winter of typhus and hunger.
    const MONTH_WEIGHTS: [(i32, u8, f64); 15] = [
        (1945, 8, 2.0),
        (1945, 9, 4.0),
        (1945, 10, 6.0),
        (1945, 11, 9.0),
        (1945, 12, 12.0),
        (1946, 1, 13.0),
        (1946, 2, 12.0),
        (1946, 3, 10.0),
        (1946, 4, 8.0),
        (1946, 5, 6.0),
        (1946, 6, 4.0),
        (1946, 7, 3.0),
        (1946, 8, 2.0),
        (1946, 9, 2.0),
        (1946, 10, 1.0),
    ];
    let weights: Vec<f64> = MONTH_WEIGHTS.iter().map(|w| w.2).collect();
    let (year, month, _) = MONTH_WEIGHTS[rng.weighted(&weights)];
    let death = PartialDate {
        year,
        month: Some(month),
        day: rng.bernoulli(0.8).then(|| 1 + rng.below(28) as u8),
    };
    let birth_year = year - age - i32::from(rng.bernoulli(0.5));
    let birth = PartialDate {
        year: birth_year,
        month: rng.bernoulli(0.7).then(|| 1 + rng.below(12) as u8),
        day: None,
    };
    let birth = PartialDate {
        day: birth
            .month
            .and_then(|_| rng.bernoulli(0.7).then(|| 1 + rng.below(28) as u8)),
        ..birth
    };
    let weights: Vec<f64> = PREFECTURES.iter().map(|p| f64::from(p.weight)).collect();
    DemoPerson {
        key: format!("P{:05}", index + 1),
        surname: *rng.pick(SURNAMES),
        given: *rng.pick(if sex == Sex::Male { MALE_GIVEN } else { FEMALE_GIVEN }),
        sex,
        birth,
        death,
        site,
        burial_known: rng.bernoulli(0.85),
        prefecture: PREFECTURES[rng.weighted(&weights)],
    }
}

/// A bereaved family looking for `person`: the pedigree linking the missing person to the living
/// relatives who gave samples. Which relatives depends on the missing person's age: a child who died
/// in 1945 has siblings alive today; an adult more often a son or daughter.
fn family(rng: &mut Rng, index: usize, person_index: usize, person: &DemoPerson) -> DemoFamily {
    let was_child = person.death.year - person.birth.year < 16;
    let shape = if was_child {
        match rng.below(10) {
            0..=4 => FamilyShape::Sibling,
            5..=6 => FamilyShape::TwoSiblings,
            _ => FamilyShape::NephewOrNiece,
        }
    } else {
        match rng.below(20) {
            0..=8 => FamilyShape::Child,
            9..=11 => FamilyShape::ChildAndSibling,
            12..=14 => FamilyShape::Sibling,
            _ => FamilyShape::NephewOrNiece,
        }
    };
    let surname = person.surname;
    let mut p = PedigreeBuilder::default();
    let maiden = *rng.pick(SURNAMES);
    p.names.taken.insert(person.given.kanji);
    let father = p.add(rng, "father", Sex::Male, [None, None], false, surname);
    let mother = p.add(rng, "mother", Sex::Female, [None, None], false, maiden);
    p.members.push(DemoMember {
        name: person.name_kanji(),
        sex: person.sex,
        father: Some(father),
        mother: Some(mother),
        alive: false,
        is_missing: true,
        relation: "missing",
    });
    let missing = p.members.len() - 1;
    let mut donors = Vec::new();
    let random_sex = |rng: &mut Rng| if rng.bernoulli(0.5) { Sex::Male } else { Sex::Female };
    let sibling_count = match shape {
        FamilyShape::Sibling | FamilyShape::ChildAndSibling => 1,
        FamilyShape::TwoSiblings => 2,
        _ => 0,
    };
    for _ in 0..sibling_count {
        let sex = random_sex(rng);
        let relation = if sex == Sex::Male { "brother" } else { "sister" };
        donors.push(p.add(rng, relation, sex, [Some(father), Some(mother)], true, surname));
    }
    if matches!(shape, FamilyShape::Child | FamilyShape::ChildAndSibling) {
        let spouse_sex = if person.sex == Sex::Male {
            Sex::Female
        } else {
            Sex::Male
        };
        let spouse_surname = if person.sex == Sex::Male {
            *rng.pick(SURNAMES)
        } else {
            surname
        };
        let child_surname = if person.sex == Sex::Male {
            surname
        } else {
            spouse_surname
        };
        let spouse = p.add(rng, "spouse", spouse_sex, [None, None], false, spouse_surname);
        let parents = if person.sex == Sex::Male {
            [Some(missing), Some(spouse)]
        } else {
            [Some(spouse), Some(missing)]
        };
        let sex = random_sex(rng);
        let relation = if sex == Sex::Male { "son" } else { "daughter" };
        donors.push(p.add(rng, relation, sex, parents, true, child_surname));
    }
    if shape == FamilyShape::NephewOrNiece {
        let brother = p.add(rng, "brother", Sex::Male, [Some(father), Some(mother)], false, surname);
        let in_law = *rng.pick(SURNAMES);
        let sister_in_law = p.add(rng, "sister-in-law", Sex::Female, [None, None], false, in_law);
        let sex = random_sex(rng);
        let relation = if sex == Sex::Male { "nephew" } else { "niece" };
        donors.push(p.add(rng, relation, sex, [Some(brother), Some(sister_in_law)], true, surname));
    }
    let members = p.members;
    let references = donors
        .into_iter()
        .enumerate()
        .map(|(k, donor)| DemoReference {
            key: format!("K{:05}-{}", index + 1, k + 1),
            donor,
            consent_year: 2005 + rng.below(21) as i32,
            genotypes: Genotypes::default(),
        })
        .collect();
    DemoFamily {
        key: format!("F{:05}", index + 1),
        name: format!("{}家 ({})", surname.kanji, surname.romaji),
        shape,
        person: person_index,
        members,
        references,
    }
}

/// A family's members as they are added, with names unique within the family.
#[derive(Debug, Default)]
struct PedigreeBuilder {
    members: Vec<DemoMember>,
    names: MemberNames,
}

impl PedigreeBuilder {
    fn add(
        &mut self,
        rng: &mut Rng,
        relation: &'static str,
        sex: Sex,
        [father, mother]: [Option<usize>; 2],
        alive: bool,
        surname: JapaneseName,
    ) -> usize {
        let name = self.names.fresh(rng, surname, sex);
        self.members.push(DemoMember {
            name,
            sex,
            father,
            mother,
            alive,
            is_missing: false,
            relation,
        });
        self.members.len() - 1
    }
}

/// Member names unique within a family.
#[derive(Debug, Default)]
struct MemberNames {
    taken: std::collections::HashSet<&'static str>,
}

impl MemberNames {
    fn fresh(&mut self, rng: &mut Rng, surname: JapaneseName, sex: Sex) -> String {
        let pool = if sex == Sex::Male { MALE_GIVEN } else { FEMALE_GIVEN };
        loop {
            let given = rng.pick(pool);
            if self.taken.insert(given.kanji) {
                return format!("{} {}", surname.kanji, given.kanji);
            }
        }
    }
}

#[cfg(test)]
mod tests;
