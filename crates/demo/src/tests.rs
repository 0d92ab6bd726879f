use std::collections::HashSet;

use simulate::Rng;

use super::*;

fn small() -> Scenario {
    Scenario::generate(11, DemoSize::SMALL)
}

#[test]
fn the_same_seed_gives_the_same_scenario() {
    assert_eq!(small(), small());
    assert_ne!(small().persons, Scenario::generate(12, DemoSize::SMALL).persons);
}

#[test]
fn sizes_and_keys_are_as_asked() {
    let s = small();
    assert_eq!(s.sites.len(), KNOWN_SITE_COUNT);
    assert_eq!(s.persons.len(), DemoSize::SMALL.persons);
    assert_eq!(s.families.len(), DemoSize::SMALL.families);
    assert_eq!(s.remains.len(), DemoSize::SMALL.remains);
    let keys: HashSet<_> = s.persons.iter().map(|p| &p.key).collect();
    assert_eq!(keys.len(), s.persons.len());
    let sought: HashSet<_> = s.families.iter().map(|f| f.person).collect();
    assert_eq!(sought.len(), s.families.len(), "one family per missing person");
    let exhumed = s.sites.iter().filter(|x| x.state == SiteState::Exhumed).count();
    assert_eq!(exhumed, DemoSize::SMALL.recovery_sites);
    for r in &s.remains {
        assert_eq!(
            s.sites[r.site].state,
            SiteState::Exhumed,
            "remains come from recovery sites"
        );
        assert_eq!(r.site, s.persons[r.truth].site);
    }
    let with_family = s.remains.iter().filter(|r| sought.contains(&r.truth)).count();
    assert_eq!(with_family, DemoSize::SMALL.remains_with_family);
}

#[test]
fn families_are_pedigrees_with_living_donors_and_one_missing_person() {
    for f in &small().families {
        let names: HashSet<_> = f.members.iter().map(|m| &m.name).collect();
        assert_eq!(names.len(), f.members.len(), "{}: member names unique", f.key);
        assert_eq!(f.members.iter().filter(|m| m.is_missing).count(), 1);
        for (i, m) in f.members.iter().enumerate() {
            for (parent, sex) in [(m.father, Sex::Male), (m.mother, Sex::Female)] {
                if let Some(p) = parent {
                    assert!(p < i, "{}: parents first", f.key);
                    assert_eq!(f.members[p].sex, sex, "{}: parent's sex", f.key);
                }
            }
        }
        assert!(!f.references.is_empty());
        for r in &f.references {
            assert!(f.members[r.donor].alive && !f.members[r.donor].is_missing);
            assert_eq!(r.genotypes.len(), 21);
        }
    }
}

/// A parent and child share an allele at every locus; siblings' and unrelated profiles need not.
#[test]
fn gene_dropping_follows_mendel() {
    let s = small();
    let mut checked = 0;
    for f in s.families.iter().filter(|f| f.shape == FamilyShape::Child) {
        let m = f.missing_member();
        let Some(child) = f.references.first() else { continue };
        let Some(remains) = s.remains.iter().find(|r| r.truth == f.person) else {
            continue;
        };
        for (marker, g) in &remains.genotypes {
            let seen: Vec<&str> = g.split('/').filter(|a| *a != "-").collect();
            let child_alleles: Vec<&str> = child.genotypes[marker].split('/').collect();
            if !g.contains('-') {
                assert!(
                    seen.iter().any(|a| child_alleles.contains(a)),
                    "{} {marker}: {g} vs child",
                    f.key
                );
            }
        }
        assert!(f.members[child.donor].father == Some(m) || f.members[child.donor].mother == Some(m));
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn allele_frequencies_of_founders_follow_the_database() {
    let markers = demo_markers();
    let dropper = simulate::GeneDropper::new(&markers, 0.0).unwrap();
    let mut rng = Rng::seed_from(3);
    let th01 = markers.iter().position(|m| m.name() == "TH01").unwrap();
    let n = 20_000;
    let mut counts = vec![0usize; markers[th01].alleles().len()];
    for _ in 0..n {
        let g = profiles::unrelated(&mut rng, &dropper);
        for a in g["TH01"].split('/') {
            counts[markers[th01].alleles().iter().position(|x| x == a).unwrap()] += 1;
        }
    }
    for (count, p) in counts.iter().zip(markers[th01].freqs()) {
        let expected = p * 2.0 * n as f64;
        let sd = (expected * (1.0 - p)).sqrt();
        assert!(
            (*count as f64 - expected).abs() < 5.0 * sd + 1.0,
            "{count} vs {expected}"
        );
    }
}

#[test]
fn degraded_profiles_keep_at_least_six_loci_and_only_alleles_of_the_source() {
    let markers = demo_markers();
    let dropper = simulate::GeneDropper::new(&markers, 0.0).unwrap();
    let mut rng = Rng::seed_from(5);
    for _ in 0..500 {
        let full = profiles::unrelated(&mut rng, &dropper);
        let quality = rng.uniform();
        let d = profiles::degrade(&mut rng, &full, quality);
        assert!(d.len() >= 6);
        for (marker, g) in &d {
            let (a, b) = g.split_once('/').unwrap();
            let source: Vec<&str> = full[marker].split('/').collect();
            assert!(source.contains(&a));
            assert!(b == "-" || source.contains(&b));
        }
    }
}

#[test]
fn names_appear_in_kanji_kana_and_romaji() {
    let p = &small().persons[0];
    assert!(p
        .name_kanji()
        .chars()
        .any(|c| c > '\u{4e00}' || ('\u{30a0}'..='\u{30ff}').contains(&c)));
    assert!(p
        .name_kana()
        .chars()
        .all(|c| c == ' ' || ('\u{3041}'..='\u{309f}').contains(&c)));
    assert!(p.name_romaji().is_ascii());
}

#[test]
fn visit_requests_are_for_known_graves_at_sites_open_to_visits() {
    let s = Scenario::generate(1945, DemoSize::FULL);
    assert_eq!(s.visit_requests.len(), 30);
    let sites: HashSet<usize> = s.visit_requests.iter().map(|r| r.site).collect();
    assert!(sites.len() <= 12 && sites.len() >= 5, "{} sites", sites.len());
    for r in &s.visit_requests {
        let person = &s.persons[s.families[r.family].person];
        assert_eq!(person.site, r.site);
        assert!(person.burial_known);
        assert!(!matches!(
            s.sites[r.site].state,
            SiteState::Inaccessible | SiteState::Exhumed
        ));
        assert!((1..=4).contains(&r.visitors));
    }
}
