#!/usr/bin/env bash
# Shared by the web benchmarks (bench-web.sh, bench-web-demo.sh); sourced, not run. Defines a
# temporary work directory removed on exit with the server started there, and the page timing table.

# A temporary directory, $work; on exit the server whose pid is in $server_pid (if any) is stopped
# and the directory removed.
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# time_pages BASE JAR RUNS PAGE...: a Markdown table of each page's median and maximum server time
# over RUNS requests with the session cookies in JAR (curl's time_total on loopback: the server's
# time plus a negligible local round trip). A page that does not answer 200 stops the benchmark.
time_pages() {
    local base="$1" jar="$2" runs="$3" page code_time
    shift 3
    echo "| page | p50 (ms) | max (ms) |"
    echo "|---|---:|---:|"
    for page in "$@"; do
        local times=()
        for _ in $(seq "$runs"); do
            code_time="$(curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_total}' "$base$page")"
            [ "${code_time%% *}" = 200 ] || { echo "$page answered ${code_time%% *}" >&2; exit 1; }
            times+=("${code_time#* }")
        done
        printf '%s\n' "${times[@]}" | python3 -c "
import sys, statistics
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f'| \`$page\` | {statistics.median(t):.1f} | {max(t):.1f} |')"
    done
}

# listening_address LOG TRIES: the http://127.0.0.1:PORT the server writes to LOG once it listens,
# waiting up to TRIES tenths of a second; nothing if it never does.
listening_address() {
    local address
    for _ in $(seq "$2"); do
        address="$(grep -o 'http://127.0.0.1:[0-9]*' "$1" || true)"
        [ -n "$address" ] && { echo "$address"; return; }
        sleep 0.1
    done
}
