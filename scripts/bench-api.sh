#!/usr/bin/env bash
# API read latency under load: 100,000 persons imported, then 64 concurrent clients on loopback
# (wrk, from Debian) reading random persons by id and searching by name, for 20 s each.
# Usage: scripts/bench-api.sh [DB_URL]   (default: a fresh SQLite file)
# Results go to docs/benchmarks.md by hand, with the date and the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p homeward >/dev/null 2>&1
bin=target/release/homeward
work="$(mktemp -d /tmp/homeward-bench.XXXXXX)"
db="${1:-sqlite://$work/bench.db}"
python3 - "$work/persons.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("external_id,name,name_kana,name_latin,sex,birth,death,source\n")
    for i in range(100000):
        f.write(f"P-{i},山田{i}郎,やまだ{i},Yamada {i},m,1921,1946,register\n")
PY
/usr/bin/time -f "import: %e s, peak %M KiB" "$bin" import persons "$work/persons.csv" --db "$db"
# The registry's first user must be an admin; the token is the admin's own.
echo "a long enough password" | "$bin" user add --username bench --role admin --password-stdin --db "$db" 2>/dev/null
token="$("$bin" token create --username bench --db "$db" --as bench)"
port=$(( 40000 + RANDOM % 10000 ))
"$bin" serve --db "$db" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
cat > "$work/by_id.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
request = function() return wrk.format("GET", "/api/v1/persons/" .. math.random(1, 100000)) end
LUA
cat > "$work/search.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
request = function() return wrk.format("GET", "/api/v1/persons?limit=20&q=yamada%20" .. math.random(1, 99999)) end
LUA
for script in by_id search; do
    echo "== $script"
    wrk -t2 -c64 -d20s --latency -s "$work/$script.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
done
