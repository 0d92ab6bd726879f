#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 600) on nightly with cargo-fuzz, starting from the seeds
# in fuzz/seeds/TARGET plus whatever earlier runs left in fuzz/corpus/TARGET; the log goes to
# fuzz/logs/TARGET.log and ends with libFuzzer's "Done N runs in S second(s)" line.
# Usage: scripts/fuzz.sh TARGET [SECONDS]      (targets: cargo +nightly fuzz list)
set -euo pipefail
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-600}
cd "$(dirname "$0")/../fuzz"
# The fuzz crate builds into fuzz/target, never into a shared CARGO_TARGET_DIR.
unset CARGO_TARGET_DIR
mkdir -p "corpus/$target" "seeds/$target" logs
start=$(date -u +%FT%TZ)
# A dictionary of the format's keywords (fuzz/TARGET.dict), if there is one.
dict=()
if [[ -f "$target.dict" ]]; then dict=(-dict="$target.dict"); fi
# New inputs go to the first corpus directory; the seeds are only read. A crash must not stop the
# script before it reports the corpus size, hence set +e.
set +e
cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "${dict[@]}" 2>&1 |
    tee "logs/$target.log"
status=${PIPESTATUS[0]}
files=$(find "corpus/$target" -type f | wc -l)
bytes=$(find "corpus/$target" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "fuzz.sh: $target started $start, exit $status, corpus/$target: $files files, $bytes bytes" | tee -a "logs/$target.log"
exit "$status"
