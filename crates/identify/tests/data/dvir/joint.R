# joint.R: dvir's joint analyses of one data set, saved for assemble.R.
#
#   R_LIBS_USER=... Rscript joint.R RESULTSDIR SET full|default
#
# full:    dviJoint(dvi, disableMutations = FALSE, verbose = FALSE, progress = FALSE)
#          -- every sex-consistent assignment (dvi$pairings, or generatePairings(dvi) where none are stored;
#          they are equal in every dvir data set), mutation models on in every family; no undisputed step, no limit.
# default: jointDVI(dvi) with all its defaults (undisputed = TRUE, threshold = 1e4,
#          disableMutations = NA, limit = 0, maxAssign = 1e5).
# solve:   dviSolve(dvi, verbose = FALSE) with its defaults (threshold = 1e4, threshold2 = 1000,
#          maxIncomp = 2); run for exclusionExample only, where jointDVI's defaults fail.
args0 = commandArgs(trailingOnly = FALSE)
here = dirname(normalizePath(sub("^--file=", "", args0[grep("^--file=", args0)])))
source(file.path(here, "common.R"))
a = commandArgs(trailingOnly = TRUE)
RES = a[1]; nm = a[2]; mode = a[3]
dvi = loadSet(nm)
call = switch(mode,
  full = "dviJoint(dvi, disableMutations = FALSE, verbose = FALSE, progress = FALSE)",
  default = "jointDVI(dvi)",
  solve = "dviSolve(dvi, verbose = FALSE)",
  stop("mode"))
cat(format(Sys.time(), tz = "UTC"), nm, mode, ":", call, "\n")
t0 = proc.time()[["elapsed"]]
res = tryCatch(eval(parse(text = call)), error = function(e) e)
secs = proc.time()[["elapsed"]] - t0
ok = !inherits(res, "error")
cat(format(Sys.time(), tz = "UTC"), nm, mode, if (ok) "done" else paste("ERROR:", conditionMessage(res)),
    sprintf("%.1f s", secs), if (ok && is.data.frame(res)) paste(nrow(res), "rows") else "", "\n")
saveRDS(list(set = nm, mode = mode, call = call, seconds = secs, ok = ok,
             error = if (ok) NULL else conditionMessage(res), result = if (ok) res else NULL,
             versions = versions(), finished = format(Sys.time(), tz = "UTC")),
        file.path(RES, paste0(nm, ".", mode, ".rds")))
