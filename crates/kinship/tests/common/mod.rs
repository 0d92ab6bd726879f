//! What the property tests share: random pedigrees from drawn numbers.

use kinship::{MemberSpec, Pedigree, Sex};

/// A pedigree from one drawn tuple per member, in birth order: `(father pick, mother pick, sex,
/// founder)`. A member who is not a founder gets parents among the earlier members (picked by the
/// numbers), so loops (children of relatives) and several components both occur; one who cannot
/// (no earlier man or woman) is a founder. Unknown sex is turned into female for members who
/// became parents.
pub fn pedigree_from(raw: &[(u32, u32, Sex, bool)]) -> Pedigree {
    let mut specs: Vec<MemberSpec> = Vec::new();
    for (i, &(fa, mo, sex, founder)) in raw.iter().enumerate() {
        let males: Vec<usize> = (0..i).filter(|&j| specs[j].sex == Sex::Male).collect();
        let females: Vec<usize> = (0..i).filter(|&j| specs[j].sex == Sex::Female).collect();
        let (father, mother) = if founder || males.is_empty() || females.is_empty() {
            (None, None)
        } else {
            let f = males[fa as usize % males.len()];
            let m = females[mo as usize % females.len()];
            (Some(specs[f].id.clone()), Some(specs[m].id.clone()))
        };
        specs.push(MemberSpec {
            id: format!("p{i}"),
            father,
            mother,
            sex,
        });
    }
    let parents: Vec<String> = specs
        .iter()
        .flat_map(|s| s.father.iter().chain(s.mother.iter()).cloned())
        .collect();
    for s in &mut specs {
        if s.sex == Sex::Unknown && parents.contains(&s.id) {
            s.sex = Sex::Female;
        }
    }
    Pedigree::new(specs).expect("generated pedigrees are valid")
}
