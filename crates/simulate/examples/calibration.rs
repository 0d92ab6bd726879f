//! Calibration run: `cargo run --release -p simulate --example calibration -- PAIRS [SEED]`.
//!
//! For parent–child, full and half siblings and first cousins against unrelated, with the bundled 23-marker frequencies
//! (crates/homeward/tests/data/bench/duo_nomut/freqs.tsv, no mutation): the fraction of simulated
//! unrelated pairs with LR > 10^k (k = 1…6), next to Turing's bound 10^-k, and the rate of
//! identification of simulated true pairs at the same thresholds. Prints Markdown.

mod common;

use std::time::Instant;

use simulate::{calibrate, PairLrTable, PairRelationship, PairTruth};

fn main() {
    let [pairs, seed] = common::whole_number_args("calibration [PAIRS] [SEED]", [1_000_000, 20_261_128]);
    let pairs = pairs as usize;
    let markers = common::str_markers();
    let thresholds = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    println!("{} markers, {pairs} pairs per row, seed {seed}\n", markers.len());
    for relationship in PairRelationship::ALL {
        let started = Instant::now();
        let table = PairLrTable::new(&markers, relationship).expect("tables");
        let table_time = started.elapsed();
        let started = Instant::now();
        let h2 = calibrate(&markers, &table, PairTruth::Unrelated, pairs, seed, &thresholds).expect("unrelated pairs");
        let h2_time = started.elapsed();
        let h1 = calibrate(&markers, &table, PairTruth::Related, pairs, seed + 1, &thresholds).expect("related pairs");
        println!("### {} vs unrelated\n", relationship.name());
        println!("| t | unrelated pairs with LR > t | fraction | bound 1/t | true pairs with LR > t |");
        println!("|---|---|---|---|---|");
        for (&(t, unrelated), &(_, related)) in h2.above.iter().zip(&h1.above) {
            let bound = 10f64.powf(-t);
            let fraction = unrelated as f64 / pairs as f64;
            let mark = if fraction <= bound { "" } else { " (above the bound)" };
            println!(
                "| 10^{t} | {unrelated} | {fraction:.3e}{mark} | {bound:.0e} | {:.4} |",
                related as f64 / pairs as f64
            );
        }
        println!(
            "\nMean LR over unrelated pairs {:.4} (expected 1); largest log10 LR {:.2}. Tables {:.2} s; \
             {:.0} unrelated pairs/s.\n",
            h2.mean_lr,
            h2.max_log10_lr,
            table_time.as_secs_f64(),
            pairs as f64 / h2_time.as_secs_f64()
        );
    }
}
