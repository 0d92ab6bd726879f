#!/usr/bin/env bash
# Bulk import: 100,000 persons, then 50,000 families (a father and a mother, both reference donors,
# and their missing son linked to a registry person: 150,000 members), then 100,000 reference
# samples (two per family, 23 STR markers each), each file timed with /usr/bin/time (wall clock
# and peak memory); then the audit chain is verified (and timed).
# Usage: scripts/bench-import.sh [DB_URL]   (default: a fresh SQLite file; else an empty database)
# Results go to docs/benchmarks.md by hand, with the date and the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p homeward >/dev/null 2>&1
bin=target/release/homeward
work="$(mktemp -d /tmp/homeward-bench-import.XXXXXX)"
trap 'rm -rf "$work"' EXIT
db="${1:-sqlite://$work/bench.db}"
python3 - "$work" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(7)
markers = ["CSF1PO", "D10S1248", "D12S391", "D13S317", "D16S539", "D18S51", "D19S433", "D1S1656", "D21S11",
           "D22S1045", "D2S1338", "D2S441", "D3S1358", "D5S818", "D7S820", "D8S1179", "FGA", "PentaD", "PentaE",
           "SE33", "TH01", "TPOX", "vWA"]
with open(f"{d}/persons.csv", "w") as f:
    f.write("external_id,name,name_kana,name_latin,sex,birth,death,source\n")
    for i in range(100000):
        f.write(f"P-{i},山田{i}郎,やまだ{i},Yamada {i},m,1921,1946,register\n")
with open(f"{d}/families.csv", "w") as f:
    f.write("family_external_id,family_name,member,sex,father,mother,is_missing,person_external_id\n")
    for i in range(50000):
        f.write(f"F-{i},Yamada {i},Taro,m,Ichiro,Hana,yes,P-{i}\n")
        f.write(f"F-{i},,Ichiro,m,,,,\n")
        f.write(f"F-{i},,Hana,f,,,,\n")
with open(f"{d}/profiles.csv", "w") as f:
    f.write("external_id,family_external_id,donor,kit,consent_scope,consent_date," + ",".join(markers) + "\n")
    for i in range(50000):
        for donor in ("Ichiro", "Hana"):
            g = ",".join(f"{random.randint(8, 20)}/{random.randint(8, 20)}" for _ in markers)
            f.write(f"R-{i}-{donor},F-{i},{donor},GlobalFiler,identification-only,2023-05-01,{g}\n")
PY
for kind in persons families profiles; do
    /usr/bin/time -f "import $kind: %e s, peak %M KiB" "$bin" import "$kind" "$work/$kind.csv" --db "$db"
done
/usr/bin/time -f "audit verify: %e s, peak %M KiB" "$bin" audit verify --db "$db"
