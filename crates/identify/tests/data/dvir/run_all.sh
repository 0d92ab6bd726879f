#!/bin/sh
# Runs everything, one R process at a time: export, then the joint analyses, smallest first.
# Usage: R_LIBS_USER=... sh run_all.sh OUTDIR RESULTSDIR
set -u
HERE=$(dirname "$0"); OUT=$1; RES=$2
Rscript "$HERE/export.R" "$OUT" "$RES" || exit 1
for s in example1 example2 fire KETPchap481 KETPchap484 KETPexer497 KETPexer498 symmetricSibs; do
  Rscript "$HERE/joint.R" "$RES" $s full
  Rscript "$HERE/joint.R" "$RES" $s default
done
for s in icmp planecrash grave; do Rscript "$HERE/joint.R" "$RES" $s default; done
for s in icmp planecrash grave; do Rscript "$HERE/joint.R" "$RES" $s full; done
# jointDVI's defaults on exclusionExample (undisputed matches first); the full joint is not attempted.
timeout 900 Rscript "$HERE/joint.R" "$RES" exclusionExample default
# ... which fails (see README); dvir's current pipeline dviSolve() instead:
Rscript "$HERE/joint.R" "$RES" exclusionExample solve
echo ALL DONE
