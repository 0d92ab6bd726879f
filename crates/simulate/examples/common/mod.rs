//! What the examples share: their optional whole-number arguments and the bundled STR markers.

use kinship::{Chromosome, Marker};

/// The 23 STRs of the bundled benchmark frequencies
/// (crates/homeward/tests/data/bench/duo_nomut/freqs.tsv), without mutation.
const STR_FREQS: &str = include_str!("../../../homeward/tests/data/bench/duo_nomut/freqs.tsv");

/// The example's optional whole-number arguments, in order, each `defaults`' entry when not given;
/// anything that is no whole number ends the program with `usage` (exit code 2).
pub fn whole_number_args<const N: usize>(usage: &str, defaults: [u64; N]) -> [u64; N] {
    let mut args = std::env::args().skip(1);
    defaults.map(|default| match args.next() {
        None => default,
        Some(s) => s.parse().unwrap_or_else(|_| {
            eprintln!("usage: {usage}  ('{s}' is not a whole number)");
            std::process::exit(2)
        }),
    })
}

/// The bundled STR markers, autosomal, without mutation.
pub fn str_markers() -> Vec<Marker> {
    formats::read_frequencies(STR_FREQS)
        .expect("the bundled frequency file parses")
        .markers
        .into_iter()
        .map(|m| Marker::without_mutation(&m.name, m.alleles, Chromosome::Autosomal).expect("valid frequencies"))
        .collect()
}
