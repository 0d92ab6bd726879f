#!/usr/bin/env bash
# Server time of every web page on a registry of 20,000 persons (kanji, kana and romaji names) and
# 200 burial sites, plus the browser tests' family, samples, mission and a finished matching job.
#
#   scripts/bench-web.sh [RUNS]        (default 20 runs per page; prints a Markdown table)
#
# Uses the release binary (built here unless HOMEWARD_BIN is set) on a fresh SQLite file, curl for the
# timings (time_total on loopback: the server's time plus a negligible local round trip).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"

if [ -z "${HOMEWARD_BIN:-}" ]; then
    HOMEWARD_BIN="$(cargo build --release --locked -p homeward --message-format=json 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    d = json.loads(l)
    if d.get("reason") == "compiler-artifact" and d["target"]["name"] == "homeward" and d.get("executable"):
        print(d["executable"])')"
fi
bin="$HOMEWARD_BIN"
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
db="sqlite://$work/db.sqlite"

# 20,000 persons with names in three scripts, and 200 sites around the western Pacific.
python3 - "$work" <<'EOF'
import csv, random, sys
random.seed(1945)
surnames = [("山田", "やまだ", "Yamada"), ("佐藤", "さとう", "Sato"), ("鈴木", "すずき", "Suzuki"),
            ("高橋", "たかはし", "Takahashi"), ("田中", "たなか", "Tanaka"), ("伊藤", "いとう", "Ito"),
            ("渡辺", "わたなべ", "Watanabe"), ("中村", "なかむら", "Nakamura"), ("小林", "こばやし", "Kobayashi"),
            ("加藤", "かとう", "Kato"), ("吉田", "よしだ", "Yoshida"), ("山本", "やまもと", "Yamamoto")]
given = [("太郎", "たろう", "Taro", "male"), ("一郎", "いちろう", "Ichiro", "male"), ("次郎", "じろう", "Jiro", "male"),
         ("清", "きよし", "Kiyoshi", "male"), ("茂", "しげる", "Shigeru", "male"), ("勇", "いさむ", "Isamu", "male"),
         ("花子", "はなこ", "Hanako", "female"), ("キヨ", "きよ", "Kiyo", "female"), ("正雄", "まさお", "Masao", "male")]
with open(f"{sys.argv[1]}/persons.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["external_id", "name", "name_script", "name_lang", "name_kana", "name_latin", "sex", "birth", "death", "source"])
    for i in range(20000):
        s, g = random.choice(surnames), random.choice(given)
        birth = random.randint(1895, 1928)
        w.writerow([f"BENCH-{i:05d}", s[0] + g[0], "Jpan", "ja", f"{s[1]} {g[1]}", f"{s[2]} {g[2]}", g[3],
                    str(birth), str(random.randint(1937, 1956)), "Bench register"])
with open(f"{sys.argv[1]}/sites.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["external_id", "name", "name_script", "name_lang", "name_latin", "lat", "lon", "status", "estimated_count"])
    statuses = ["known", "surveyed", "inaccessible", "farmland", "exhumed"]
    for i in range(200):
        w.writerow([f"BSITE-{i:03d}", f"埋葬地{i}", "Jpan", "ja", f"Burial site {i}",
                    round(random.uniform(-10, 55), 3), round(random.uniform(110, 170), 3),
                    random.choice(statuses), random.randint(10, 2000)])
EOF

"$bin" db migrate --db "$db" >/dev/null
echo "bench password long enough" | "$bin" user add --username admin --role admin --password-stdin --db "$db" >/dev/null
token="$("$bin" token create --username admin --db "$db" | awk '{print $NF}')"
"$bin" import persons "$work/persons.csv" --db "$db" >/dev/null
"$bin" import sites "$work/sites.csv" --db "$db" >/dev/null

HOMEWARD_FREQUENCIES=tests/browser/fixture/freqs.tsv "$bin" serve --db "$db" --listen 127.0.0.1:0 2>"$work/serve.log" &
server_pid=$!
base="$(listening_address "$work/serve.log" 100)"

# The browser tests' family, samples and mission, then a matching job to completion.
ids="$(cd tests/browser && node --input-type=module -e "
import { seed } from './fixture/seed.mjs';
const f = await seed('$base', '$token');
console.log(JSON.stringify({ family: f.family.id, sample: f.samples[0].id, mission: f.mission.id, person: f.taro.id, site: f.sites[0].id }));
")"
get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$ids" "$1"; }
job="$(curl -sf -X POST -H "Authorization: Bearer $token" "$base/api/v1/jobs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
for _ in $(seq 600); do
    status="$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
    [ "$status" = done ] && break
    sleep 0.1
done
candidate="$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/jobs/$job/candidates" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"

# Sign in as a browser does, then time each page.
jar="$work/cookies"
curl -sf -c "$jar" -o /dev/null --data-urlencode "username=admin" --data-urlencode "password=bench password long enough" "$base/signin"
pages=(
    "/" "/map" "/sites/$(get site)" "/persons" "/persons?q=%E5%B1%B1%E7%94%B0" "/persons?q=yamada%20taro"
    "/persons?q=%E3%82%84%E3%81%BE%E3%81%A0" "/persons?q=nobody" "/persons?offset=19950" "/persons/$(get person)" "/families" "/families/$(get family)"
    "/families/$(get family)/report" "/samples" "/samples/$(get sample)" "/jobs" "/jobs/$job"
    "/jobs/$job/progress" "/candidates/$candidate" "/missions" "/missions/$(get mission)"
)
time_pages "$base" "$jar" "$runs" "${pages[@]}"
