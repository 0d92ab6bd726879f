//! All-against-all screening: every victim against every missing person, fast.
//!
//! For each missing person and marker the engine computes P(references, M = g) for every genotype
//! g once ([`kinship::Engine::genotype_table`]). Divided by P(references) and by g's
//! Hardy–Weinberg probability it is the LR of "a victim with genotype g is M" against "the victim
//! is unrelated to the family", so a pair's LR is a sum of per-marker log terms looked up in a
//! table. Two copies of the tables are kept:
//!
//! * exact `f64` log10 terms per missing person, for the reported pairs and for victims with
//!   partial profiles (dropout), and
//! * `f32` terms in blocks of [`LANES`] missing persons, laid out marker by genotype by lane, so
//!   that scoring one victim against a block is 23 vector additions of a row that sits in cache.
//!
//! Scoring streams the victims past each block; each thread owns a share of the victims and keeps
//! their top K, and its own top K per missing person, merged at the end. Pairs whose `f32` score
//! passes are rescored exactly, so every reported LR equals the pedigree LR to rounding.
//!
//! Not covered here (use the exact path, `dvi`): theta, X-chromosomal markers.

use std::sync::atomic::{AtomicU64, Ordering};

use kinship::{Chromosome, Engine, Marker, Sex, Typing};

use crate::dvi::{hw, sex_compatible, without_mutations, DviCase, DviError};

/// Missing persons scored together: one block row is `LANES` floats (two AVX2 vectors).
pub const LANES: usize = 16;

/// Where each marker's genotype rows start in a missing person's row of log10 terms. Each marker
/// has one row per genotype and a last all-zero row for "untyped".
#[derive(Debug, Clone)]
struct Layout {
    /// Alleles per marker.
    alleles: Vec<usize>,
    /// Start of each marker's rows; the last entry is the total.
    start: Vec<usize>,
}

impl Layout {
    fn new(markers: &[Marker]) -> Layout {
        let alleles: Vec<usize> = markers.iter().map(|m| m.alleles().len()).collect();
        let mut start = Vec::with_capacity(markers.len() + 1);
        let mut acc = 0;
        for &n in &alleles {
            start.push(acc);
            acc += n * (n + 1) / 2 + 1;
        }
        start.push(acc);
        Layout { alleles, start }
    }

    fn row_len(&self) -> usize {
        *self.start.last().expect("one entry per marker and the total")
    }

    fn genotype(&self, marker: usize, a: usize, b: usize) -> usize {
        let n = self.alleles[marker];
        let (a, b) = (a.min(b), a.max(b));
        self.start[marker] + a * n - a * (a + 1) / 2 + b
    }

    fn untyped(&self, marker: usize) -> usize {
        self.start[marker + 1] - 1
    }
}

/// The precomputed tables of every missing person of a case.
#[derive(Debug)]
pub struct ScreenTables {
    layout: Layout,
    /// (family, index into its missing list) of each missing person, in table order.
    missing: Vec<(usize, usize)>,
    /// Exact log10 LR terms, `[missing][row]`.
    exact: Vec<f64>,
    /// Markers impossible without mutations, as 1, `[missing][row]`.
    excluded: Vec<u8>,
    /// `f32` terms in blocks: `[block][row][lane]`.
    blocks: Vec<f32>,
}

/// Screening options.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenOptions {
    /// Best missing persons kept per victim.
    pub top_per_victim: usize,
    /// Best victims kept per missing person.
    pub top_per_missing: usize,
    /// Report only pairs with log10 LR at least this.
    pub min_log10_lr: f64,
    /// Worker threads (at least 1).
    pub threads: usize,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions {
            top_per_victim: 5,
            top_per_missing: 5,
            min_log10_lr: 0.0,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// One reported pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub victim: usize,
    /// Index into [`ScreenTables::missing`].
    pub missing: usize,
    /// Exact log10 LR.
    pub log10_lr: f64,
    /// Markers at which the pair is impossible without mutations.
    pub exclusions: u32,
}

/// The reported pairs: the union of each victim's and each missing person's top K above the
/// threshold, sorted by victim then decreasing LR.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenResult {
    pub hits: Vec<Hit>,
    /// Pairs scored (sex-compatible or not).
    pub pairs: u64,
}

impl ScreenTables {
    /// Computes the tables of every missing person of the case (`threads` at a time).
    pub fn build(case: &DviCase, threads: usize) -> Result<ScreenTables, DviError> {
        let markers = case.markers();
        if let Some(m) = markers.iter().find(|m| m.chromosome() == Chromosome::X) {
            return Err(DviError::Unsupported {
                what: format!("screening with X-chromosomal marker '{}' (use dvi)", m.name()),
            });
        }
        if case.conditions().theta > 0.0 {
            return Err(DviError::Unsupported {
                what: "screening under theta (use dvi)".into(),
            });
        }
        let layout = Layout::new(markers);
        let row = layout.row_len();
        let missing: Vec<(usize, usize)> = case.missing_persons().collect();
        let plain = without_mutations(markers);
        let any_mutation = markers
            .iter()
            .any(|m| !m.female_matrix().is_identity() || !m.male_matrix().is_identity());
        let mut exact = vec![0.0f64; missing.len() * row];
        let mut excluded = vec![0u8; missing.len() * row];
        let threads = threads.max(1);
        let chunk = missing.len().div_ceil(threads).max(1);
        let results: Vec<Result<(), DviError>> = std::thread::scope(|s| {
            let handles: Vec<_> = exact
                .chunks_mut(chunk * row)
                .zip(excluded.chunks_mut(chunk * row))
                .zip(missing.chunks(chunk))
                .map(|((ex, excl), ms)| {
                    let layout = &layout;
                    let plain = &plain;
                    s.spawn(move || {
                        let mut engine = Engine::new();
                        for (i, &(f, k)) in ms.iter().enumerate() {
                            let out = &mut ex[i * row..(i + 1) * row];
                            let bad = &mut excl[i * row..(i + 1) * row];
                            fill_row(&mut engine, case, layout, f, k, markers, out)?;
                            if any_mutation {
                                let mut without = vec![0.0; row];
                                fill_row(&mut engine, case, layout, f, k, plain, &mut without)?;
                                for (b, w) in bad.iter_mut().zip(&without) {
                                    *b = u8::from(*w == f64::NEG_INFINITY);
                                }
                            } else {
                                for (b, w) in bad.iter_mut().zip(out.iter()) {
                                    *b = u8::from(*w == f64::NEG_INFINITY);
                                }
                            }
                        }
                        Ok(())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("table worker panicked"))
                .collect()
        });
        results.into_iter().collect::<Result<(), _>>()?;
        // The blocked f32 copy; lanes past the last missing person stay −∞ (never reported).
        let nblocks = missing.len().div_ceil(LANES);
        let mut blocks = vec![f32::NEG_INFINITY; nblocks * row * LANES];
        for (m, src) in exact.chunks(row).enumerate() {
            let (b, lane) = (m / LANES, m % LANES);
            let base = b * row * LANES;
            for (r, &v) in src.iter().enumerate() {
                blocks[base + r * LANES + lane] = v as f32;
            }
        }
        Ok(ScreenTables {
            layout,
            missing,
            exact,
            excluded,
            blocks,
        })
    }

    pub fn missing(&self) -> &[(usize, usize)] {
        &self.missing
    }

    fn exact_row(&self, m: usize) -> &[f64] {
        let row = self.layout.row_len();
        &self.exact[m * row..(m + 1) * row]
    }
}

/// Fills one missing person's row of log10 LR terms.
fn fill_row(
    engine: &mut Engine,
    case: &DviCase,
    layout: &Layout,
    f: usize,
    k: usize,
    markers: &[Marker],
    out: &mut [f64],
) -> Result<(), DviError> {
    let fam = &case.families()[f];
    let member = fam.missing[k];
    let conditions = case.family_conditions(f);
    for (m, marker) in markers.iter().enumerate() {
        let table = engine.genotype_table(&fam.pedigree, marker, &fam.typings[m], &conditions, member)?;
        let total = table.ln_total();
        if total == f64::NEG_INFINITY {
            return Err(DviError::FamilyImpossible { family: fam.id.clone() });
        }
        let n = marker.alleles().len();
        let freqs = marker.freqs();
        for a in 0..n {
            for b in a..n {
                let v = table.values()[table.index(a, b)];
                let mut numerator = v;
                let mut denominator = hw(freqs, a, b);
                // A typed a/a with a silent allele in the database means a/a or a/silent.
                if let (true, Some(s)) = (a == b, marker.silent()) {
                    if s != a {
                        numerator += table.values()[table.index(a, s)];
                        denominator += hw(freqs, a, s);
                    }
                }
                out[layout.genotype(m, a, b)] = if numerator > 0.0 {
                    (numerator.ln() + table.ln_scale() - total - denominator.ln()) / std::f64::consts::LN_10
                } else {
                    f64::NEG_INFINITY
                };
            }
        }
        out[layout.untyped(m)] = 0.0;
    }
    Ok(())
}

/// How a victim is scored: by table rows, or, with partial or dropout typings at some markers,
/// by weighted sums over the genotypes each of those typings allows.
#[derive(Debug, Clone)]
struct EncodedVictim {
    rows: Vec<u32>,
    /// For partial markers: (marker, weights over the marker's genotypes as (row, P(obs | g) · HW(g))).
    partial: Vec<(usize, Vec<(usize, f64)>)>,
}

fn encode(engine: &mut Engine, case: &DviCase, layout: &Layout, v: usize) -> Result<EncodedVictim, DviError> {
    let victim = &case.victims()[v];
    let dropout = case.conditions().dropout_of(&victim.id);
    let mut rows = Vec::with_capacity(case.markers().len());
    let mut partial = Vec::new();
    let ped = kinship::Pedigree::singletons([(victim.id.clone(), victim.sex)]).expect("one member");
    let conditions = case.victim_conditions(v);
    for (m, marker) in case.markers().iter().enumerate() {
        let t = victim.typings[m];
        match (t, dropout) {
            (Typing::Untyped, _) => rows.push(layout.untyped(m) as u32),
            (Typing::Pair(a, b), None) => rows.push(layout.genotype(m, a, b) as u32),
            _ => {
                // A partial or degraded typing: weigh every genotype g by P(typing | g) HW(g), which
                // is the singleton's genotype table under the engine's own observation model.
                rows.push(layout.untyped(m) as u32);
                let table = engine.genotype_table(&ped, marker, &[t], &conditions, 0)?;
                let scale = table.ln_scale().exp();
                let n = marker.alleles().len();
                let mut weights = Vec::new();
                for a in 0..n {
                    for b in a..n {
                        let w = table.values()[table.index(a, b)] * scale;
                        if w > 0.0 {
                            weights.push((layout.genotype(m, a, b), w));
                        }
                    }
                }
                partial.push((m, weights));
            }
        }
    }
    Ok(EncodedVictim { rows, partial })
}

/// Keeps the K largest (score, id) pairs.
#[derive(Debug, Clone)]
struct TopK {
    k: usize,
    items: Vec<(f32, u32)>,
}

impl TopK {
    fn new(k: usize) -> Self {
        TopK {
            k,
            items: Vec::with_capacity(k),
        }
    }
    /// The score a newcomer must beat.
    #[inline]
    fn floor(&self) -> f32 {
        if self.items.len() < self.k {
            f32::NEG_INFINITY
        } else {
            self.items.last().map_or(f32::NEG_INFINITY, |x| x.0)
        }
    }
    #[inline]
    fn push(&mut self, score: f32, id: u32) {
        if self.k == 0 || (self.items.len() == self.k && score <= self.floor()) {
            return;
        }
        let pos = self.items.partition_point(|x| x.0 >= score);
        self.items.insert(pos, (score, id));
        self.items.truncate(self.k);
    }
}

/// Scores every victim against every sex-compatible missing person.
pub fn screen(
    case: &DviCase,
    tables: &ScreenTables,
    options: &ScreenOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ScreenResult, DviError> {
    let layout = &tables.layout;
    let row = layout.row_len();
    let nv = case.victims().len();
    let nm = tables.missing.len();
    let nblocks = nm.div_ceil(LANES);
    let mut engine = Engine::new();
    let victims: Vec<EncodedVictim> = (0..nv)
        .map(|v| encode(&mut engine, case, layout, v))
        .collect::<Result<_, _>>()?;
    let victim_sex: Vec<Sex> = case.victims().iter().map(|v| v.sex).collect();
    let missing_sex: Vec<Sex> = tables.missing.iter().map(|&(f, k)| case.missing_sex(f, k)).collect();
    let threshold = options.min_log10_lr as f32 - 1e-3;
    let total = (nv as u64) * (nm as u64);
    let done = AtomicU64::new(0);
    let threads = options.threads.max(1);
    let chunk = nv.div_ceil(threads).max(1);
    let per_thread: Vec<(Vec<TopK>, Vec<TopK>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..nv)
            .step_by(chunk)
            .map(|start| {
                let end = (start + chunk).min(nv);
                let victims = &victims[start..end];
                let victim_sex = &victim_sex[start..end];
                let missing_sex = &missing_sex;
                let done = &done;
                s.spawn(move || {
                    let mut by_victim: Vec<TopK> = (start..end).map(|_| TopK::new(options.top_per_victim)).collect();
                    let mut by_missing: Vec<TopK> = (0..nm).map(|_| TopK::new(options.top_per_missing)).collect();
                    let mut acc = [0f32; LANES];
                    for b in 0..nblocks {
                        let block = &tables.blocks[b * row * LANES..(b + 1) * row * LANES];
                        for (i, ev) in victims.iter().enumerate() {
                            acc.fill(0.0);
                            for &r in &ev.rows {
                                let src = &block[r as usize * LANES..r as usize * LANES + LANES];
                                for l in 0..LANES {
                                    acc[l] += src[l];
                                }
                            }
                            for (m, weights) in &ev.partial {
                                let _ = m;
                                for (l, a) in acc.iter_mut().enumerate() {
                                    let miss = b * LANES + l;
                                    if miss >= nm {
                                        break;
                                    }
                                    *a += partial_term(tables, miss, weights) as f32;
                                }
                            }
                            let v = start + i;
                            for (l, &score) in acc.iter().enumerate() {
                                let miss = b * LANES + l;
                                if miss >= nm || score < threshold || !sex_compatible(victim_sex[i], missing_sex[miss])
                                {
                                    continue;
                                }
                                by_victim[i].push(score, miss as u32);
                                by_missing[miss].push(score, v as u32);
                            }
                        }
                        let n = done.fetch_add((victims.len() * LANES.min(nm - b * LANES)) as u64, Ordering::Relaxed);
                        progress(n, total);
                    }
                    (by_victim, by_missing)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("screen worker panicked"))
            .collect()
    });
    // Union of the candidates, rescored exactly.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut merged_missing: Vec<TopK> = (0..nm).map(|_| TopK::new(options.top_per_missing)).collect();
    for (by_victim, by_missing) in &per_thread {
        for (i, top) in by_victim.iter().enumerate() {
            pairs.extend(top.items.iter().map(|&(_, m)| (start + i, m as usize)));
        }
        start += by_victim.len();
        for (m, top) in by_missing.iter().enumerate() {
            for &(s, v) in &top.items {
                merged_missing[m].push(s, v);
            }
        }
    }
    for (m, top) in merged_missing.iter().enumerate() {
        pairs.extend(top.items.iter().map(|&(_, v)| (v as usize, m)));
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut hits: Vec<Hit> = pairs
        .into_iter()
        .map(|(v, m)| {
            let (log10_lr, exclusions) = exact_score(tables, &victims[v], m);
            Hit {
                victim: v,
                missing: m,
                log10_lr,
                exclusions,
            }
        })
        .filter(|h| h.log10_lr >= options.min_log10_lr - 1e-9) // an LR equal to the threshold, to rounding
        .collect();
    hits.sort_by(|a, b| a.victim.cmp(&b.victim).then(b.log10_lr.total_cmp(&a.log10_lr)));
    progress(total, total);
    Ok(ScreenResult { hits, pairs: total })
}

/// log10 of Σ_g P(obs | g) HW(g) LR_M(g) / Σ_g P(obs | g) HW(g): one partial marker's term.
fn partial_term(tables: &ScreenTables, miss: usize, weights: &[(usize, f64)]) -> f64 {
    let row = tables.exact_row(miss);
    let (mut num, mut den) = (0.0, 0.0);
    for &(r, w) in weights {
        den += w;
        let t = row[r];
        if t > f64::NEG_INFINITY {
            num += w * 10f64.powf(t);
        }
    }
    if num > 0.0 {
        (num / den).log10()
    } else {
        f64::NEG_INFINITY
    }
}

impl ScreenTables {
    /// The exact log10 LR of victim `v` being missing person `miss` (an index into
    /// [`Self::missing`]), marker by marker: the evidence behind a reported pair.
    pub fn marker_terms(&self, case: &DviCase, v: usize, miss: usize) -> Result<Vec<f64>, DviError> {
        let encoded = encode(&mut Engine::new(), case, &self.layout, v)?;
        let row = self.exact_row(miss);
        let mut terms: Vec<f64> = encoded.rows.iter().map(|&r| row[r as usize]).collect();
        for (m, weights) in &encoded.partial {
            terms[*m] = partial_term(self, miss, weights);
        }
        Ok(terms)
    }
}

/// The exact log10 LR of a pair and its exclusions, from the `f64` tables.
fn exact_score(tables: &ScreenTables, victim: &EncodedVictim, miss: usize) -> (f64, u32) {
    let row = tables.exact_row(miss);
    let rl = tables.layout.row_len();
    let excl = &tables.excluded[miss * rl..(miss + 1) * rl];
    let mut total = 0.0;
    let mut exclusions = 0;
    for &r in &victim.rows {
        total += row[r as usize];
        exclusions += u32::from(excl[r as usize]);
    }
    for (_, weights) in &victim.partial {
        total += partial_term(tables, miss, weights);
        // Excluded when every genotype the typing allows is.
        exclusions += u32::from(weights.iter().all(|&(r, _)| excl[r] == 1));
    }
    (total, exclusions)
}
