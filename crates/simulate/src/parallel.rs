//! Runs split over threads, each run with its own random stream, so that the results are the
//! same whatever the number of threads.

use kinship::Engine;

use crate::rng::Rng;
use crate::SimulateError;

/// `f(engine, rng, run)` for `run` in `0..runs`, results in run order. Run `i` draws from
/// `Rng::stream(seed, i)`; each thread has its own engine.
pub(crate) fn map_runs<T, F>(runs: usize, seed: u64, f: F) -> Result<Vec<T>, SimulateError>
where
    T: Send,
    F: Fn(&mut Engine, &mut Rng, usize) -> Result<T, SimulateError> + Sync,
{
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(runs.div_ceil(64))
        .max(1);
    let chunk = runs.div_ceil(threads).max(1);
    let f = &f;
    let parts: Vec<Result<Vec<T>, SimulateError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..runs)
            .step_by(chunk)
            .map(|start| {
                scope.spawn(move || {
                    let mut engine = Engine::new();
                    (start..(start + chunk).min(runs))
                        .map(|run| f(&mut engine, &mut Rng::stream(seed, run as u64), run))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a simulation thread panicked"))
            .collect()
    });
    let mut out = Vec::with_capacity(runs);
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}
