#!/usr/bin/env bash
# Server time of every web page on the bundled demo (20,000 persons, 5,000 families, 2,000 samples,
# the matching job done, identifications proposed, the grave visit planned): the data the issue's
# "≤ 200 ms on the demo data" is about.
#
#   scripts/bench-web-demo.sh [RUNS]   (default 20 runs per page; prints a Markdown table)
#
# Uses the release binary (built here unless HOMEWARD_BIN is set); `homeward demo` builds its
# database in a temporary directory and serves it on a free loopback port. curl's time_total on
# loopback is the server's time plus a negligible local round trip.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"

if [ -z "${HOMEWARD_BIN:-}" ]; then
    cargo build --release --locked -p homeward >&2
    HOMEWARD_BIN="${CARGO_TARGET_DIR:-target}/release/homeward"
fi
bin="$HOMEWARD_BIN"
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

"$bin" demo --data-dir "$work/demo" --listen 127.0.0.1:0 >"$work/demo.out" 2>"$work/demo.err" &
server_pid=$!
base="$(listening_address "$work/demo.out" 1200)"
[ -n "$base" ] || { cat "$work/demo.err" >&2; exit 1; }
password="$(awk -F'\t' '$1 == "admin" { print $3 }' "$work/demo/demo-users.txt")"
jar="$work/cookies"
curl -sf -c "$jar" -o /dev/null --data-urlencode "username=admin" --data-urlencode "password=$password" "$base/signin"
api() { curl -sf -b "$jar" "$base/api/v1/$1"; }
first() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d[0]['id'] if isinstance(d, list) else d['id'])"; }
site="$(api sites | first)"
family="$(api families | first)"
mission="$(api missions | python3 -c "import json,sys; print([m['id'] for m in json.load(sys.stdin) if m['kind'] == 'grave-visit'][0])")"
candidate="$(api "jobs/1/candidates" | first)"
sample="$(python3 -c "import json,sys; print(json.load(sys.stdin)['data']['sample_id'])" <<<"$(api "jobs/1/candidates" | python3 -c 'import json,sys; print(json.dumps({"data": json.load(sys.stdin)[0]}))')")"
person="$(api "persons?q=Sato" | first)"
pages=(
    "/" "/map" "/sites/$site" "/persons" "/persons?q=%E4%BD%90%E8%97%A4" "/persons?q=sato"
    "/persons?q=%E3%81%95%E3%81%A8%E3%81%86" "/persons?q=nobody" "/persons?offset=19950" "/persons/$person"
    "/families" "/families/$family" "/families/$family/report" "/families/$family/advice" "/samples"
    "/samples/$sample" "/jobs" "/jobs/1" "/jobs/1/progress" "/candidates/$candidate" "/missions"
    "/missions/$mission"
)
time_pages "$base" "$jar" "$runs" "${pages[@]}"
