//! All-against-all screening at scale, on simulated data.
//!
//! Builds N reference families (one to three typed relatives of one missing person: parent,
//! sibling, child or half-sibling) and N victim profiles (the missing persons themselves, in
//! shuffled order, 5% of their markers untyped) at the 23 autosomal STRs of PowerPlex Fusion 6C
//! with the norSTR East Asia frequencies, no mutation model; then times the precomputation and the
//! N × N screen, and reports the peak memory of the process.
//!
//! Run: `cargo bench -p identify --bench screen -- N [N…]` (default 1000 10000). With
//! `HOMEWARD_BENCH_WRITE=DIR`, each simulated case is also written to `DIR/N/` as the files
//! `homeward screen` reads (pm.ped, am.ped, missing, freqs.txt).

mod common;

use std::time::Instant;

use common::{drop_genes, markers, Rng};
use identify::dvi::{DviCase, Family, Victim};
use identify::screen::{screen, ScreenOptions, ScreenTables};
use kinship::{Conditions, Marker, MemberSpec, Pedigree, Sex, Typing};

fn family_shape(kind: usize, f: usize) -> (Vec<MemberSpec>, Vec<&'static str>) {
    let id = |s: &str| format!("F{f}-{s}");
    let m = |s: &str, fa: Option<&str>, mo: Option<&str>, sex| MemberSpec {
        id: id(s),
        father: fa.map(id),
        mother: mo.map(id),
        sex,
    };
    match kind {
        // Parent(s): father typed, mother typed in half the families.
        0 => (
            vec![
                m("FA", None, None, Sex::Male),
                m("MO", None, None, Sex::Female),
                m("MP", Some("FA"), Some("MO"), Sex::Male),
            ],
            vec!["FA", "MO"],
        ),
        // Siblings.
        1 => (
            vec![
                m("FA", None, None, Sex::Male),
                m("MO", None, None, Sex::Female),
                m("S1", Some("FA"), Some("MO"), Sex::Female),
                m("S2", Some("FA"), Some("MO"), Sex::Male),
                m("MP", Some("FA"), Some("MO"), Sex::Male),
            ],
            vec!["S1", "S2"],
        ),
        // A child (and the child's mother).
        2 => (
            vec![
                m("MP", None, None, Sex::Male),
                m("W", None, None, Sex::Female),
                m("C", Some("MP"), Some("W"), Sex::Female),
            ],
            vec!["C", "W"],
        ),
        // A paternal half-sibling.
        _ => (
            vec![
                m("FA", None, None, Sex::Male),
                m("M1", None, None, Sex::Female),
                m("M2", None, None, Sex::Female),
                m("HS", Some("FA"), Some("M1"), Sex::Male),
                m("MP", Some("FA"), Some("M2"), Sex::Male),
            ],
            vec!["HS", "M1"],
        ),
    }
}

fn simulate(n: usize, markers: &[Marker], rng: &mut Rng) -> DviCase {
    let mut families = Vec::with_capacity(n);
    let mut victims = Vec::with_capacity(n);
    for f in 0..n {
        let kind = f % 4;
        let (specs, refs) = family_shape(kind, f);
        let ped = Pedigree::new(specs).unwrap();
        let refs_here = 1 + rng.below(refs.len());
        let typed: Vec<usize> = refs[..refs_here]
            .iter()
            .map(|r| ped.index_of(&format!("F{f}-{r}")).unwrap())
            .collect();
        let mp = ped.index_of(&format!("F{f}-MP")).unwrap();
        let mut typings = Vec::with_capacity(markers.len());
        let mut victim = Vec::with_capacity(markers.len());
        for g in drop_genes(rng, &ped, markers) {
            typings.push(
                (0..ped.len())
                    .map(|i| {
                        if typed.contains(&i) {
                            Typing::Pair(g[i].0, g[i].1)
                        } else {
                            Typing::Untyped
                        }
                    })
                    .collect(),
            );
            victim.push(if rng.below(20) == 0 {
                Typing::Untyped
            } else {
                Typing::Pair(g[mp].0, g[mp].1)
            });
        }
        families.push(Family {
            id: format!("F{f}"),
            pedigree: ped,
            typings,
            missing: vec![mp],
            dropout: Default::default(),
        });
        victims.push(Victim {
            id: format!("V{f}"),
            sex: Sex::Male,
            typings: victim,
        });
    }
    // Shuffle the victims so that the true pairs are not on the diagonal.
    for i in (1..victims.len()).rev() {
        let j = rng.below(i + 1);
        victims.swap(i, j);
    }
    DviCase::new(markers.to_vec(), victims, families, Conditions::default()).unwrap()
}

/// Writes a simulated case as the files `homeward screen` reads, to time the whole command.
fn write_case(dir: &std::path::Path, case: &DviCase) {
    use formats::{PedFile, PedRow, RawGenotype};
    std::fs::create_dir_all(dir).unwrap();
    let markers: Vec<String> = case.markers().iter().map(|m| m.name().to_owned()).collect();
    let raw = |m: &Marker, t: Typing| match t {
        Typing::Pair(a, b) => RawGenotype::Pair(m.alleles()[a].clone(), m.alleles()[b].clone()),
        _ => RawGenotype::Missing,
    };
    let pm = PedFile {
        markers: markers.clone(),
        rows: case
            .victims()
            .iter()
            .map(|v| PedRow {
                line: 0,
                famid: None,
                id: v.id.clone(),
                father: None,
                mother: None,
                sex: v.sex,
                genotypes: case.markers().iter().zip(&v.typings).map(|(m, &t)| raw(m, t)).collect(),
            })
            .collect(),
    };
    let mut am = PedFile {
        markers,
        rows: Vec::new(),
    };
    let mut missing = String::new();
    for f in case.families() {
        for (i, member) in f.pedigree.members().iter().enumerate() {
            let parent = |p: Option<usize>| p.map(|p| f.pedigree.member(p).id.clone());
            am.rows.push(PedRow {
                line: 0,
                famid: Some(f.id.clone()),
                id: member.id.clone(),
                father: parent(member.father),
                mother: parent(member.mother),
                sex: member.sex,
                genotypes: case
                    .markers()
                    .iter()
                    .zip(&f.typings)
                    .map(|(m, t)| raw(m, t[i]))
                    .collect(),
            });
        }
        for &m in &f.missing {
            missing.push_str(&f.pedigree.member(m).id);
            missing.push('\n');
        }
    }
    std::fs::write(dir.join("pm.ped"), formats::write_ped(&pm)).unwrap();
    std::fs::write(dir.join("am.ped"), formats::write_ped(&am)).unwrap();
    std::fs::write(dir.join("missing"), missing).unwrap();
    let freqs = formats::FrequencyDb {
        markers: case
            .markers()
            .iter()
            .map(|m| formats::MarkerFreqs {
                name: m.name().to_owned(),
                line: 0,
                alleles: m.alleles().iter().cloned().zip(m.freqs().iter().copied()).collect(),
                sample_size: None,
            })
            .collect(),
        metadata: Default::default(),
    };
    std::fs::write(dir.join("freqs.txt"), formats::write_list(&freqs)).unwrap();
}

fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_owned()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1000, 10_000] } else { sizes };
    let markers = markers();
    for n in sizes {
        let mut rng = Rng::seed_from(42);
        let t0 = Instant::now();
        let case = simulate(n, &markers, &mut rng);
        let simulated = t0.elapsed();
        if let Ok(dir) = std::env::var("HOMEWARD_BENCH_WRITE") {
            // Files for timing `homeward screen` itself; see docs/benchmarks.md.
            write_case(&std::path::Path::new(&dir).join(n.to_string()), &case);
        }
        let options = ScreenOptions {
            top_per_victim: 5,
            top_per_missing: 5,
            min_log10_lr: 0.0,
            ..ScreenOptions::default()
        };
        let t1 = Instant::now();
        let tables = ScreenTables::build(&case, options.threads).unwrap();
        let built = t1.elapsed();
        let t2 = Instant::now();
        let result = screen(&case, &tables, &options, &|_, _| {}).unwrap();
        let scored = t2.elapsed();
        // How many victims have their own missing person first.
        let correct = result
            .hits
            .iter()
            .enumerate()
            .filter(|(i, h)| *i == 0 || result.hits[i - 1].victim != h.victim)
            .filter(|(_, h)| {
                let (f, _) = tables.missing()[h.missing];
                case.families()[f].id[1..] == case.victims()[h.victim].id[1..]
            })
            .count();
        let pairs = (n as f64) * (n as f64);
        println!(
            "N = {n}: simulate {:.2} s, tables {:.2} s, screen {:.2} s ({:.3e} pairs/s), total {:.2} s; {} hits, {correct} victims with their own family first; peak memory {:.0} MiB; {} threads",
            simulated.as_secs_f64(),
            built.as_secs_f64(),
            scored.as_secs_f64(),
            pairs / scored.as_secs_f64(),
            (built + scored).as_secs_f64(),
            result.hits.len(),
            peak_memory_mib(),
            options.threads,
        );
    }
}
