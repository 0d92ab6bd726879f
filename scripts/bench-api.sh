#!/usr/bin/env bash
# API read latency under load: PERSONS persons (default 1,000,000) imported in files of 100,000, then 64
# concurrent clients on loopback (wrk, from Debian) reading random persons by id and finding persons by
# name (GET /api/v1/search/persons: kanji with and without the space, hiragana, katakana, romaji given name
# first, a family name alone, a variant kanji, long vowels written out), for 20 s each.
# Usage: [PERSONS=N] [HOMEWARD_BIN=…] scripts/bench-api.sh [DB_URL]   (default: a fresh SQLite file)
# Results go to docs/benchmarks.md by hand, with the date and the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
persons="${PERSONS:-1000000}"
# HOMEWARD_BIN: a release binary built already (else this builds one).
bin="${HOMEWARD_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --release -p homeward >/dev/null 2>&1
    bin="${CARGO_TARGET_DIR:-target}/release/homeward"
fi
work="$(mktemp -d /tmp/homeward-bench.XXXXXX)"
db="${1:-sqlite://$work/bench.db}"
# Names: 40 family names × 40 given names (kanji, hiragana, Hepburn romaji), so that a full name has
# about PERSONS/1600 namesakes and a family name PERSONS/40, as in a real register.
python3 - "$work" "$persons" <<'PY'
import sys, random
work, n = sys.argv[1], int(sys.argv[2])
family = [("山田","やまだ","Yamada"),("佐藤","さとう","Satō"),("鈴木","すずき","Suzuki"),("高橋","たかはし","Takahashi"),
  ("田中","たなか","Tanaka"),("渡辺","わたなべ","Watanabe"),("伊藤","いとう","Itō"),("中村","なかむら","Nakamura"),
  ("小林","こばやし","Kobayashi"),("加藤","かとう","Katō"),("吉田","よしだ","Yoshida"),("山本","やまもと","Yamamoto"),
  ("斎藤","さいとう","Saitō"),("松本","まつもと","Matsumoto"),("井上","いのうえ","Inoue"),("木村","きむら","Kimura"),
  ("林","はやし","Hayashi"),("清水","しみず","Shimizu"),("山崎","やまざき","Yamazaki"),("森","もり","Mori"),
  ("池田","いけだ","Ikeda"),("橋本","はしもと","Hashimoto"),("阿部","あべ","Abe"),("石川","いしかわ","Ishikawa"),
  ("山下","やました","Yamashita"),("中島","なかじま","Nakajima"),("石井","いしい","Ishii"),("小川","おがわ","Ogawa"),
  ("前田","まえだ","Maeda"),("岡田","おかだ","Okada"),("長谷川","はせがわ","Hasegawa"),("藤田","ふじた","Fujita"),
  ("後藤","ごとう","Gotō"),("近藤","こんどう","Kondō"),("村上","むらかみ","Murakami"),("遠藤","えんどう","Endō"),
  ("青木","あおき","Aoki"),("坂本","さかもと","Sakamoto"),("大野","おおの","Ōno"),("福田","ふくだ","Fukuda")]
given = [("太郎","たろう","Tarō"),("次郎","じろう","Jirō"),("一郎","いちろう","Ichirō"),("清","きよし","Kiyoshi"),
  ("正雄","まさお","Masao"),("茂","しげる","Shigeru"),("勇","いさむ","Isamu"),("進","すすむ","Susumu"),
  ("実","みのる","Minoru"),("博","ひろし","Hiroshi"),("信子","のぶこ","Nobuko"),("花子","はなこ","Hanako"),
  ("幸子","さちこ","Sachiko"),("節子","せつこ","Setsuko"),("和子","かずこ","Kazuko"),("文子","ふみこ","Fumiko"),
  ("久子","ひさこ","Hisako"),("静子","しずこ","Shizuko"),("春子","はるこ","Haruko"),("千代","ちよ","Chiyo"),
  ("三郎","さぶろう","Saburō"),("四郎","しろう","Shirō"),("武","たけし","Takeshi"),("昭","あきら","Akira"),
  ("秀雄","ひでお","Hideo"),("義雄","よしお","Yoshio"),("健一","けんいち","Ken'ichi"),("孝","たかし","Takashi"),
  ("弘","ひろし","Hiroshi"),("修","おさむ","Osamu"),("光子","みつこ","Mitsuko"),("照子","てるこ","Teruko"),
  ("美代子","みよこ","Miyoko"),("正子","まさこ","Masako"),("芳子","よしこ","Yoshiko"),("貞子","さだこ","Sadako"),
  ("富士子","ふじこ","Fujiko"),("トミ","とみ","Tomi"),("キヨ","きよ","Kiyo"),("ハル","はる","Haru")]
rng = random.Random(1945)
chunk = 100000
for c in range(0, n, chunk):
    with open(f"{work}/persons-{c // chunk:03}.csv", "w") as f:
        f.write("external_id,name,name_kana,name_latin,sex,birth,death,source\n")
        for i in range(c, min(n, c + chunk)):
            fk, fh, fr = rng.choice(family)
            gk, gh, gr = rng.choice(given)
            f.write(f"P-{i},{fk} {gk},{fh} {gh},{fr} {gr},m,19{rng.randint(0, 27):02},1946,register\n")
PY
start=$(date +%s)
for f in "$work"/persons-*.csv; do
    /usr/bin/time -f "import $(basename "$f"): %e s, peak %M KiB" "$bin" import persons "$f" --db "$db" >/dev/null
done
echo "import of $persons persons: $(( $(date +%s) - start )) s"
# PostgreSQL: the statistics and visibility map autovacuum would make within minutes of a bulk load,
# so that the planner knows the tables' sizes and index-only scans skip the heap.
case "$db" in postgres*) psql "$db" -qc "VACUUM ANALYZE" ;; esac
# The registry's first user must be an admin; the token is the admin's own.
echo "a long enough password" | "$bin" user add --username bench --role admin --password-stdin --db "$db" 2>/dev/null
token="$("$bin" token create --username bench --db "$db" --as bench)"
port=$(( 40000 + RANDOM % 10000 ))
"$bin" serve --db "$db" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
sleep 2
cat > "$work/by_id.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
request = function() return wrk.format("GET", "/api/v1/persons/" .. math.random(1, $persons)) end
LUA
# The queries, URL-encoded: each spelling of a few full names, family names alone, and record ids.
python3 - > "$work/queries.lua" <<'PY'
from urllib.parse import quote
qs = ["山崎 信子", "山崎信子", "やまざきのぶこ", "ヤマザキ ノブコ", "nobuko yamazaki", "山﨑 信子", "Ōno", "Oono",
      "Ohno", "oono tarou", "齋藤 清", "斉藤きよし", "takahashi", "たなか", "渡邊 正雄", "Satoh Hanako",
      "katou shigeru", "P-123456", "987654"]
print("queries = {" + ", ".join('"%s"' % quote(q) for q in qs) + "}")
PY
cat "$work/queries.lua" > "$work/search.lua"
cat >> "$work/search.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
request = function()
  return wrk.format("GET", "/api/v1/search/persons?limit=20&q=" .. queries[math.random(1, #queries)])
end
LUA
for script in by_id search; do
    echo "== $script"
    wrk -t2 -c64 -d20s --latency -s "$work/$script.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
done
