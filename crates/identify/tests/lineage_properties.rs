//! Properties of the lineage module: text round trips, comparison laws, the Clopper–Pearson bound, and no
//! panics on any input; reference databases read as the callers read them (`formats` reads the table,
//! `from_rows` the values).

use std::collections::BTreeMap;

use identify::lineage::*;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------------------
// Reading databases as a caller does

/// A Y-STR database from text: the table by `formats`, the alleles by `YDatabase::from_rows`.
fn read_y_database(text: &str) -> Result<YDatabase, String> {
    let file = formats::read_y_database(text).map_err(|e| e.to_string())?;
    let rows = file.records.iter().map(|r| YRow {
        id: &r.id,
        line: r.line,
        values: &r.values,
    });
    YDatabase::from_rows(file.header_line, &file.loci, rows).map_err(|e| e.to_string())
}

/// An mtDNA database from text: the table by `formats`, the profiles by `MtDatabase::from_rows`.
fn read_mt_database(text: &str) -> Result<MtDatabase, String> {
    let file = formats::read_mt_database(text).map_err(|e| e.to_string())?;
    let rows = file.records.iter().map(|r| MtRow {
        id: &r.id,
        line: r.line,
        range: &r.range,
        variants: &r.variants,
    });
    MtDatabase::from_rows(&file.range_column, &file.variants_column, rows).map_err(|e| e.to_string())
}

/// The values' notations (the table itself is `formats`'s, tested there): multi-copy loci either way,
/// microvariants, off-ladder labels, and the three ways of writing "not typed".
const Y_DB: &str = "id\tDYS19\tDYS385\tDYS390\nH1\t14\t14-11\tNA\n\nH2\t13.2\t11,14\t-\nH3\tOL\t\t24\n";

#[test]
fn y_database_reads() {
    let db = read_y_database(Y_DB).unwrap();
    assert_eq!(db.loci, ["DYS19", "DYS385", "DYS390"]);
    let texts: Vec<String> = db.haplotypes().map(|h| h.to_string()).collect();
    assert_eq!(
        texts,
        [
            "DYS19=14; DYS385=11,14",
            "DYS19=13.2; DYS385=11,14",
            "DYS19=OL; DYS390=24"
        ]
    );
    assert_eq!((db.entries[1].id.as_str(), db.entries[1].line), ("H2", 4));
}

#[test]
fn y_database_errors_name_line_and_field() {
    // The table's faults are `formats`'s (tested there); these are the values'.
    let e = read_y_database("id\tDYS19\tDYS390\nA\t14\t2x4\n").unwrap_err();
    assert!(e.starts_with("line 2, field 'DYS390': allele '2x4': "), "{e}");
    let e = read_y_database("id\tDYS19\tDY=S\n").unwrap_err();
    assert_eq!(
        e,
        "line 1, field 'DY=S': a locus name cannot hold control characters, '=' or ';'"
    );
    let e = read_y_database("id\tDYS19\tDYS19\n").unwrap_err();
    assert_eq!(e, "line 1, field 'DYS19': locus named twice in the header");
}

/// Coverage across the origin, reference bases written in front, a run of deletions, and `rCRS`.
const MT_DB: &str = "ID\tCoverage\tVariants\nE1\t16024-576\tC16270T A73G 522-523del\nE2\t73-340\trCRS\n";

#[test]
fn mt_database_reads() {
    let db = read_mt_database(MT_DB).unwrap();
    assert_eq!(db.entries.len(), 2);
    assert_eq!((db.entries[0].id.as_str(), db.entries[0].line), ("E1", 2));
    assert_eq!(
        db.entries[0].profile.to_string(),
        "73G 522del 523del 16270T (coverage 1-576 16024-16569)"
    );
    assert!(db.entries[1].profile.variants().is_empty());
}

#[test]
fn mt_database_errors_name_line_and_field() {
    let cases = [
        (
            "id\trange\tvariants\nA\t1-100\t73X\n",
            "line 2, field 'variants': variant '73X': 'X' is not a base or an IUPAC code",
        ),
        (
            "id\tCoverage\tvariants\nA\t1-100x\t73G\n",
            "line 2, field 'Coverage': coverage '1-100x': expected a range of positions such as 16024-16365",
        ),
        (
            "ID\trange\tvariants\nA\t1-100\t\nA\t1-100\t\n",
            "line 3, field 'ID': id 'A' is already on line 2",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(read_mt_database(text).unwrap_err(), message);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Generators

/// An allele label: one to three copies, repeat numbers with or without a microvariant part, or `OL`.
fn allele_text() -> impl Strategy<Value = String> {
    let copy = prop_oneof![
        4 => (0_u32..40).prop_map(|r| r.to_string()),
        2 => (0_u32..40, 1_u32..4).prop_map(|(r, p)| format!("{r}.{p}")),
        1 => Just("OL".to_owned()),
    ];
    prop::collection::vec(copy, 1..=3).prop_map(|copies| copies.join(","))
}

fn locus_name() -> impl Strategy<Value = String> {
    "DYS[0-9]{1,3}[a-c]?"
}

fn y_haplotype() -> impl Strategy<Value = YHaplotype> {
    prop::collection::btree_map(locus_name(), allele_text(), 0..12).prop_map(|loci: BTreeMap<String, String>| {
        let pairs: Vec<(&str, &str)> = loci.iter().map(|(l, a)| (l.as_str(), a.as_str())).collect();
        YHaplotype::parse(&pairs).unwrap()
    })
}

/// Two haplotypes over a small pool of loci and alleles, so that they share loci and sometimes alleles.
fn y_pair() -> impl Strategy<Value = (YHaplotype, YHaplotype)> {
    let small_allele = prop_oneof![
        (12_u32..16).prop_map(|r| r.to_string()),
        Just("13.2".to_owned()),
        Just("11,14".to_owned()),
        Just("11,15".to_owned()),
    ];
    let loci = ["A", "B", "C", "D", "E", "F"];
    let hap = prop::collection::vec(prop::option::of(small_allele), loci.len()).prop_map(move |alleles| {
        let pairs: Vec<(&str, String)> = loci
            .iter()
            .zip(alleles)
            .filter_map(|(l, a)| a.map(|a| (*l, a)))
            .collect();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(l, a)| (*l, a.as_str())).collect();
        YHaplotype::parse(&pairs).unwrap()
    });
    (hap.clone(), hap)
}

fn tolerance() -> impl Strategy<Value = LineageTolerance> {
    (0_usize..3, 0_u32..3, 0_usize..5).prop_map(|(max_mismatches, max_step, min_shared_loci)| LineageTolerance {
        max_mismatches,
        max_step,
        min_shared_loci,
    })
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => prop::sample::select("ACGTRYSWKMBHVN".chars().collect::<Vec<_>>())
            .prop_map(|c| Change::Base(Bases::from_code(c).unwrap())),
        1 => Just(Change::Deletion),
    ]
}

fn variant(positions: impl Strategy<Value = u32>) -> impl Strategy<Value = Variant> {
    (positions, prop_oneof![3 => Just(0_u32), 1 => 1_u32..3], change()).prop_map(|(position, insertion, change)| {
        let change = if insertion > 0 && change == Change::Deletion {
            Change::Base(Bases::C)
        } else {
            change
        };
        Variant::new(Site { position, insertion }, change).unwrap()
    })
}

/// Variants with distinct sites, anywhere on the rCRS.
fn variants_anywhere() -> impl Strategy<Value = Vec<Variant>> {
    prop::collection::vec(variant(1_u32..=RCRS_LENGTH), 0..20).prop_map(|vs| {
        let by_site: BTreeMap<Site, Variant> = vs.into_iter().map(|v| (v.site(), v)).collect();
        by_site.into_values().collect()
    })
}

fn coverage() -> impl Strategy<Value = Coverage> {
    prop::collection::vec((1_u32..=RCRS_LENGTH, 1_u32..=RCRS_LENGTH), 1..4).prop_map(|ranges| {
        let text: Vec<String> = ranges.iter().map(|(s, e)| format!("{s}-{e}")).collect();
        Coverage::parse(&text.join(" ")).unwrap()
    })
}

/// Profiles over a small pool of sites (in and around the C-stretches) and a few coverages, so that pairs
/// overlap and share sites.
fn mt_profile() -> impl Strategy<Value = MtProfile> {
    let positions = prop::sample::select(vec![
        73_u32, 263, 303, 309, 310, 315, 316, 523, 16093, 16184, 16189, 16193, 16223,
    ]);
    let coverages = prop::sample::select(vec![
        "16024-16365 73-340",
        "16024-576",
        "1-16569",
        "16024-16300 200-600",
    ]);
    (prop::collection::vec(variant(positions), 0..8), coverages).prop_map(|(vs, coverage)| {
        let coverage = Coverage::parse(coverage).unwrap();
        let by_site: BTreeMap<Site, Variant> = vs
            .into_iter()
            .filter(|v| coverage.contains(v.site().position))
            .map(|v| (v.site(), v))
            .collect();
        MtProfile::new(by_site.into_values(), coverage).unwrap()
    })
}

fn mt_options() -> impl Strategy<Value = MtOptions> {
    (any::<bool>(), 0_usize..3, 0_u32..400).prop_map(|(ignore_c_stretch, max_differences, min_shared_length)| {
        MtOptions {
            ignore_c_stretch,
            max_differences,
            min_shared_length,
        }
    })
}

// ---------------------------------------------------------------------------------------------------------
// Round trips

proptest! {
    #[test]
    fn y_haplotype_text_round_trip(h in y_haplotype()) {
        let text = h.to_string();
        prop_assert_eq!(text.parse::<YHaplotype>().unwrap(), h.clone());
        // And through pairs of displayed alleles.
        let pairs: Vec<(String, String)> = h.iter().map(|(l, a)| (l.to_owned(), a.to_string())).collect();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(l, a)| (l.as_str(), a.as_str())).collect();
        prop_assert_eq!(YHaplotype::parse(&pairs).unwrap(), h);
    }

    #[test]
    fn y_allele_text_round_trip(text in allele_text()) {
        let allele = YAllele::parse(&text).unwrap();
        prop_assert_eq!(allele.to_string().parse::<YAllele>().unwrap(), allele);
    }

    #[test]
    fn mt_variant_text_round_trip(variants in variants_anywhere()) {
        let profile = MtProfile::new(variants.clone(), Coverage::full()).unwrap();
        let text = profile.variants_text();
        let reparsed = MtProfile::parse(&text, &profile.coverage().to_string()).unwrap();
        prop_assert_eq!(reparsed.variants(), variants.as_slice());
        prop_assert_eq!(reparsed, profile);
        for v in &variants {
            prop_assert_eq!(v.to_string().parse::<Variant>().unwrap(), *v);
        }
    }

    #[test]
    fn coverage_text_round_trip(c in coverage()) {
        prop_assert_eq!(c.to_string().parse::<Coverage>().unwrap(), c);
    }

    #[test]
    fn y_database_round_trip(haps in prop::collection::vec(y_haplotype(), 0..6)) {
        let mut loci: Vec<&str> = haps.iter().flat_map(|h| h.loci()).collect();
        loci.sort_unstable();
        loci.dedup();
        let mut text = format!("id\t{}\n", loci.join("\t"));
        for (i, h) in haps.iter().enumerate() {
            let cells: Vec<String> = loci.iter().map(|l| h.get(l).map_or("-".to_owned(), |a| a.to_string())).collect();
            text.push_str(&format!("H{i}\t{}\n", cells.join("\t")));
        }
        if loci.is_empty() {
            prop_assert!(read_y_database(&text).is_err());
        } else {
            let db = read_y_database(&text).unwrap();
            prop_assert_eq!(db.haplotypes().cloned().collect::<Vec<_>>(), haps);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Comparison laws

proptest! {
    #[test]
    fn y_compare_with_itself_is_a_match(h in y_haplotype(), tol in tolerance()) {
        let c = compare_y(&h, &h, tol);
        prop_assert_eq!(c.shared_loci, h.len());
        prop_assert_eq!(c.mismatching_loci, 0);
        let expected = if h.is_empty() || h.len() < tol.min_shared_loci {
            LineageVerdict::Inconclusive
        } else {
            LineageVerdict::Match
        };
        prop_assert_eq!(c.verdict, expected);
    }

    #[test]
    fn y_compare_is_symmetric((a, b) in y_pair(), tol in tolerance()) {
        let ab = compare_y(&a, &b, tol);
        let ba = compare_y(&b, &a, tol);
        prop_assert_eq!(ab.verdict, ba.verdict);
        prop_assert_eq!(
            (ab.shared_loci, ab.matching_loci, ab.mismatching_loci),
            (ba.shared_loci, ba.matching_loci, ba.mismatching_loci)
        );
        prop_assert_eq!(&ab.only_in_a, &ba.only_in_b);
        for (x, y) in ab.loci.iter().zip(&ba.loci) {
            prop_assert_eq!(&x.locus, &y.locus);
            prop_assert_eq!((&x.a, &x.b, x.step), (&y.b, &y.a, y.step));
        }
    }

    #[test]
    fn mt_compare_with_itself_is_a_match(p in mt_profile(), options in mt_options()) {
        let c = compare_mt(&p, &p, options);
        prop_assert!(c.differences.is_empty() && c.ignored.is_empty());
        prop_assert_eq!(c.shared_length, p.coverage().len());
        let expected = if p.coverage().len() < options.min_shared_length.max(1) {
            LineageVerdict::Inconclusive
        } else {
            LineageVerdict::Match
        };
        prop_assert_eq!(c.verdict, expected);
    }

    #[test]
    fn mt_compare_is_symmetric(a in mt_profile(), b in mt_profile(), options in mt_options()) {
        let ab = compare_mt(&a, &b, options);
        let ba = compare_mt(&b, &a, options);
        prop_assert_eq!(ab.verdict, ba.verdict);
        prop_assert_eq!(&ab.shared, &ba.shared);
        prop_assert_eq!(ab.differences.len(), ba.differences.len());
        prop_assert_eq!(ab.ignored.len(), ba.ignored.len());
        for (x, y) in ab.differences.iter().zip(&ba.differences) {
            prop_assert_eq!((x.site, x.a, x.b), (y.site, y.b, y.a));
        }
    }

    /// Counting a haplotype in a database that holds it finds it (x ≥ 1), and x ≤ N ≤ size.
    #[test]
    fn counts_are_consistent(query in mt_profile(), db in prop::collection::vec(mt_profile(), 0..8)) {
        let mut with_query = db.clone();
        with_query.push(query.clone());
        let counts = count_mt(&query, &with_query, MtOptions::default());
        prop_assert!(counts.matching >= 1);
        prop_assert!(counts.matching <= counts.considered && counts.considered <= counts.database_size);
        prop_assert_eq!(counts.database_size, with_query.len() as u64);
    }

    #[test]
    fn y_counts_are_consistent((query, other) in y_pair(), n in 0_usize..5) {
        let mut db = vec![other; n];
        db.push(query.clone());
        let counts = count_y(&query, &db);
        prop_assert!(counts.matching >= 1);
        prop_assert!(counts.matching <= counts.considered && counts.considered <= counts.database_size);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Clopper–Pearson

proptest! {
    #[test]
    fn clopper_pearson_is_at_least_the_point_estimate(n in 1_u64..5000, x_frac in 0.0_f64..=1.0) {
        let x = ((n as f64) * x_frac).floor() as u64;
        let upper = clopper_pearson_upper(x, n).unwrap();
        prop_assert!(upper >= x as f64 / n as f64, "x={} n={} upper={}", x, n, upper);
        prop_assert!(upper <= 1.0);
        if x < n {
            prop_assert!(upper < 1.0);
        }
    }

    #[test]
    fn clopper_pearson_decreases_in_n(x in 0_u64..200, extra in 0_u64..3000) {
        let n = x + extra;
        let here = clopper_pearson_upper(x, n).unwrap();
        let next = clopper_pearson_upper(x, n + 1).unwrap();
        prop_assert!(next < here, "x={} n={}: {} then {}", x, n, here, next);
    }

    #[test]
    fn clopper_pearson_increases_in_x(n in 1_u64..3000, x_frac in 0.0_f64..1.0) {
        let x = ((n as f64) * x_frac).floor() as u64;
        prop_assume!(x < n);
        prop_assert!(clopper_pearson_upper(x, n).unwrap() < clopper_pearson_upper(x + 1, n).unwrap());
    }
}

// ---------------------------------------------------------------------------------------------------------
// No panics on any input

proptest! {
    #[test]
    fn parsers_never_panic(text in "\\PC*", tabbed in "[a-zA-Z0-9 .,;=#\\-\t\n\r]{0,80}") {
        for t in [&text, &tabbed] {
            let _ = read_y_database(t);
            let _ = read_y_database(&format!("id\tDYS19\tDYS385\n{t}"));
            let _ = read_mt_database(t);
            let _ = read_mt_database(&format!("id\trange\tvariants\n{t}"));
            let _ = MtProfile::parse(t, "1-16569");
            let _ = MtProfile::parse("16223T", t);
            let _ = Coverage::parse(t);
            let _ = t.parse::<Variant>();
            let _ = t.parse::<YHaplotype>();
            let _ = YAllele::parse(t);
            let _ = YHaplotype::parse(&[("DYS19", t.as_str())]);
        }
    }

    #[test]
    fn variant_like_tokens_never_panic(token in "[ACGTacgtdD]?[0-9]{0,7}([.-][0-9]{0,6})?[A-Za-z\\-]{0,4}") {
        if let Ok(p) = MtProfile::parse(&token, "1-16569") {
            // Whatever parses, prints back to itself.
            prop_assert_eq!(MtProfile::parse(&p.variants_text(), "1-16569").unwrap(), p);
        }
    }
}
