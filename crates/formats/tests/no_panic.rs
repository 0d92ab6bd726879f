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
        Just("id\tDYS19\tDYS385".to_owned()),
        Just("id\trange\tvariants".to_owned()),
        Just("#".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("marker\tallele\tfreq".to_owned()),
        Just("AMEL".to_owned()),
        Just("#TRUE#".to_owned()),
        Just("\"Known relations\"".to_owned()),
        Just("[DVI]".to_owned()),
        Just("[[[Person 1 ]]]".to_owned()),
        Just("nPersons= ".to_owned()),
        Just("<CODISImportFile>".to_owned()),
        Just("<HEADERVERSION>3.2</HEADERVERSION>".to_owned()),
        Just("<SPECIMEN CASEID=\"F\">".to_owned()),
        Just("<SPECIMENID>S</SPECIMENID>".to_owned()),
        Just("<LOCUS>".to_owned()),
        Just("</LOCUS>".to_owned()),
        Just("<ALLELE><ALLELEVALUE>".to_owned()),
        Just("</ALLELEVALUE></ALLELE>".to_owned()),
        Just("&lt;".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("<frequencies>".to_owned()),
        Just("<marker><name>".to_owned()),
        Just("<origin name=\"P\" n=\"10\">".to_owned()),
        Just("<frequency allele=\"9.3\">".to_owned()),
        Just("</frequency>".to_owned()),
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("/>".to_owned()),
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
        Just("marker\tchrom\tpos_bp\tcm\tref\talt\tfreq_alt\tcm_female\tcm_male\tfreq_alt:EAS\n".to_owned()),
        Just("##fileformat=VCFv4.2\n".to_owned()),
        Just("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\n".to_owned()),
        Just("\tGT:PL:GL:AD\t".to_owned()),
        Just("0/1:".to_owned()),
        Just("./.".to_owned()),
        Just("|".to_owned()),
        Just(":".to_owned()),
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
        let _ = formats::read_fam(&text);
        let _ = formats::read_cmf(&text);
        let _ = formats::read_strider(&text);
        let _ = formats::read_snp_panel(&text);
        let _ = formats::read_vcf(&text);
        let _ = formats::read_y_database(&text);
        let _ = formats::read_mt_database(&text);
        let _ = formats::read_y_database(&format!("id\tDYS19\tDYS385\n{text}"));
        let _ = formats::read_mt_database(&format!("id\trange\tvariants\n{text}"));
        if let Ok(tree) = formats::read_gedcom(&text) {
            let _ = tree.pedigree();
            let _ = formats::write_gedcom(&tree);
        }
    }
}
