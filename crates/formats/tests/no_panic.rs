//! Every reader answers any input with data or an error naming a line — never a panic.

use proptest::prelude::*;

/// Text that looks like the files: header-ish words, tabs, commas, slashes, digits, newlines.
fn file_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("Sample Name".to_owned()),
        Just("Marker".to_owned()),
        Just("Allele 1".to_owned()),
        Just("Allele 2".to_owned()),
        Just("id\tfid\tmid\tsex".to_owned()),
        Just("marker\tallele\tfreq".to_owned()),
        Just("AMEL".to_owned()),
        Just("0 HEAD\n1 GEDC\n2 VERS 7.0\n".to_owned()),
        Just("2 VERS 5.5.1\n".to_owned()),
        Just("0 @I1@ INDI\n".to_owned()),
        Just("0 @F1@ FAM\n".to_owned()),
        Just("1 HUSB @I1@\n".to_owned()),
        Just("1 CHIL @I2@\n".to_owned()),
        Just("1 FAMC @F1@\n2 PEDI ADOPTED\n".to_owned()),
        Just("1 NAME /山田/ 太郎\n".to_owned()),
        Just("2 DATE BET 1900 AND ".to_owned()),
        Just("@#DJULIAN@ ".to_owned()),
        Just("1 CONT ".to_owned()),
        Just("3 LATI N".to_owned()),
        Just("0 TRLR\n".to_owned()),
        Just("@@".to_owned()),
        "[0-9]{1,3}(\\.[0-9])?".prop_map(|s| s),
        "[A-Za-z/\\-]{0,6}".prop_map(|s| s),
        Just("\t".to_owned()),
        Just(",".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\"".to_owned()),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic(text in file_like()) {
        let _ = formats::read_genemapper(&text);
        let _ = formats::read_ped(&text);
        let _ = formats::read_frequencies(&text);
        let _ = formats::read_mutation_table(&text);
        if let Ok(tree) = formats::read_gedcom(&text) {
            let _ = tree.pedigree();
            let _ = formats::write_gedcom(&tree);
        }
    }
}
