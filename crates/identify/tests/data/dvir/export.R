# export.R: writes the text files of every dvir data set, computes the pairwise LRs, and checks
# that the files read back (with pedtools) give the same pairwise LRs as dvir's own objects.
#
#   R_LIBS_USER=... Rscript export.R OUTDIR RESULTSDIR [SET ...]
#
# OUTDIR gets one folder per data set (pm.ped, am.ped, missing, freqs.tsv, args or mutation.tsv);
# RESULTSDIR gets <set>.pairwise.rds (used by assemble.R).
args0 = commandArgs(trailingOnly = FALSE)
here = dirname(normalizePath(sub("^--file=", "", args0[grep("^--file=", args0)])))
source(file.path(here, "common.R"))

cli = folderArgs()
OUT = cli$out; RES = cli$res; sets = cli$sets
dir.create(RES, showWarnings = FALSE, recursive = TRUE)

pedTable = function(x, markers) {
  df = as.data.frame(x)               # id fid mid sex <markers>, founders' parents "0", genotypes a/b, "-/-"
  df[c("id", "fid", "mid", "sex", markers)]
}

writeTsv = function(df, path) {
  write.table(df, path, sep = "\t", quote = FALSE, row.names = FALSE, col.names = TRUE)
}

# Mutation models of every marker in every AM family (and PM, for the record).
mutationSummary = function(dvi) {
  mk = name(dvi$pm[[1]])
  per = list()
  for (f in names(dvi$am)) {
    x = dvi$am[[f]]
    for (m in mk) {
      mm = mutmod(x, m)
      per[[length(per) + 1]] = c(list(family = f, marker = m), mutDesc(mm) %||% list(model = "none"))
    }
  }
  per
}

# Stored mutation matrices against ones rebuilt by the installed pedmut from (model, rates, freqs).
checkMatrices = function(dvi) {
  worst = 0
  for (x in dvi$am) for (m in name(x)) {
    mm = mutmod(x, m)
    if (is.null(mm)) next
    d = mutDesc(mm)
    al = alleles(x, m); fr = afreq(x, m)
    for (s in c("female", "male")) {
      rate = if (s == "female") d$rate_female else d$rate_male
      rebuilt = pedmut::mutationMatrix(d$model, alleles = al, afreq = fr, rate = rate,
                                       rate2 = if (d$model == "stepwise") d$rate2 else NULL,
                                       range = if (d$model == "stepwise") d$range else NULL)
      worst = max(worst, max(abs(unclass(rebuilt) - unclass(mm[[s]]))))
    }
  }
  worst
}

fmt = function(x) vapply(x, num, "")

exportSet = function(nm) {
  dvi = loadSet(nm)
  dir = file.path(OUT, nm)
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)
  for (f in c("args", "mutation.tsv")) unlink(file.path(dir, f))
  mk = name(dvi$pm[[1]])                       # marker order of the PM part
  fam = famOfMissing(dvi)

  # pm.ped
  pm = do.call(rbind, lapply(dvi$pm, pedTable, markers = mk))
  writeTsv(pm, file.path(dir, "pm.ped"))

  # am.ped (families in dvir's order, members in each pedigree's own order)
  am = do.call(rbind, lapply(names(dvi$am), function(f) cbind(famid = f, pedTable(dvi$am[[f]], mk))))
  writeTsv(am, file.path(dir, "am.ped"))

  # missing: FAMID<TAB>ID
  writeLines(paste(fam[dvi$missing], dvi$missing, sep = "\t"), file.path(dir, "missing"))

  # freqs.tsv (the PM part's database; checked identical to every AM family's)
  db = getFreqDatabase(dvi$pm)[mk]
  for (x in dvi$am) {
    dbx = getFreqDatabase(x)
    if (!identical(dbx[mk], db)) stop(nm, ": frequencies differ between PM and AM")
  }
  fr = do.call(rbind, lapply(mk, function(m)
    data.frame(marker = m, allele = names(db[[m]]), freq = fmt(unname(db[[m]])))))
  writeTsv(fr, file.path(dir, "freqs.tsv"))

  # mutation models
  ms = mutationSummary(dvi)
  key = vapply(ms, function(r) paste(r$model, r$rate_female %||% "", r$rate_male %||% "",
                                     if (identical(r$model, "stepwise")) paste(r$rate2, r$range) else "",
                                     sep = "|"), "")
  # per marker: same model in every family?
  perMarker = tapply(key, vapply(ms, `[[`, "", "marker"), function(k) length(unique(k)))
  if (any(perMarker > 1)) stop(nm, ": a marker has different mutation models in different families")
  r1 = ms[[1]]
  mutInfo = NULL
  if (length(unique(key)) == 1) {
    if (r1$model == "none") {
      writeLines("", file.path(dir, "args"))   # as in example2: one empty line
      mutInfo = "none"
    } else {
      fl = c("--mutation", r1$model)
      if (r1$rate_female == r1$rate_male) fl = c(fl, "--rate", num(r1$rate_female))
      else fl = c(fl, "--rate-female", num(r1$rate_female), "--rate-male", num(r1$rate_male))
      if (r1$model == "stepwise") fl = c(fl, "--rate2", num(r1$rate2), "--range", num(r1$range))
      writeLines(paste(fl, collapse = " "), file.path(dir, "args"))
      mutInfo = paste(fl, collapse = " ")
    }
  } else {
    rows = ms[!duplicated(vapply(ms, `[[`, "", "marker"))]
    tab = do.call(rbind, lapply(rows, function(r) data.frame(
      marker = r$marker, model = if (r$model == "none") "trivial" else r$model,
      rate_female = if (r$model == "none") "" else num(r$rate_female),
      rate_male = if (r$model == "none") "" else num(r$rate_male),
      rate2 = if (identical(r$model, "stepwise")) num(r$rate2) else "",
      range = if (identical(r$model, "stepwise")) num(r$range) else "")))
    writeTsv(tab, file.path(dir, "mutation.tsv"))
    mutInfo = "mutation.tsv"
  }
  matDiff = checkMatrices(dvi)

  # pairwise LRs with dvir's defaults
  t0 = proc.time()[["elapsed"]]
  pw = pairwiseLR(dvi)
  tpw = proc.time()[["elapsed"]] - t0

  # read the files back and recompute
  back = readBack(dir)
  pw2 = pairwiseLR(back)
  M1 = pw$LRmatrix; M2 = pw2$LRmatrix[rownames(M1), colnames(M1)]
  both = !is.na(M1)
  if (!identical(is.na(M1), is.na(M2))) stop(nm, ": read-back changes the sex exclusions")
  relDiff = max(c(0, abs(M1[both] - M2[both]) / pmax(abs(M1[both]), 1e-300)))
  relDiff[!is.finite(relDiff)] = 0

  info = list(
    set = nm, victims = names(dvi$pm), victim_sex = unname(getSex(dvi$pm, names(dvi$pm))),
    families = names(dvi$am), family_size = unname(vapply(dvi$am, pedsize, 1)),
    typed = lapply(dvi$am, typedMembers),
    missing = dvi$missing, missing_family = unname(fam[dvi$missing]),
    missing_sex = unname(getSex(dvi$am, dvi$missing)),
    markers = mk, mutation = mutInfo, mutation_models = ms,
    matrix_max_abs_diff_vs_rebuilt = matDiff,
    shared_ids = {ids = unlist(lapply(dvi$am, labels)); unique(ids[duplicated(ids)])},
    stored_pairings_equal_generated = isTRUE(identical(dvi$pairings[names(dvi$pm)], generatePairings(dvi))) ||
      is.null(dvi$pairings),
    pairwise = pw, pairwise_seconds = tpw, readback_max_rel_diff = relDiff,
    versions = versions())
  saveRDS(info, file.path(RES, paste0(nm, ".pairwise.rds")))
  cat(sprintf("%-16s victims %2d families %2d missing %2d markers %2d mutation: %s | matrix diff %.3g | pairwise %.2fs | read-back rel diff %.3g\n",
              nm, length(dvi$pm), length(dvi$am), length(dvi$missing), length(mk), mutInfo, matDiff, tpw, relDiff))
}

# Rebuilds a dviData object from the files in `dir` (pedtools::readPed + pedmut), for the check.
readBack = function(dir) {
  rd = function(f) read.delim(file.path(dir, f), colClasses = "character", check.names = FALSE)
  fr = rd("freqs.tsv")
  mk = unique(fr$marker)
  loci = lapply(mk, function(m) {
    s = fr[fr$marker == m, ]
    list(name = m, alleles = s$allele, afreq = as.numeric(s$freq))
  })
  pmdf = rd("pm.ped"); amdf = rd("am.ped")
  pm = readPed(file.path(dir, "pm.ped"), colSep = "\t", header = TRUE, famid_col = NA, id_col = 1, fid_col = 2, mid_col = 3, sex_col = 4,
               marker_col = 5:ncol(pmdf), locusAttributes = loci, missing = "-", sep = "/")
  am = readPed(file.path(dir, "am.ped"), colSep = "\t", header = TRUE, famid_col = 1, id_col = 2, fid_col = 3, mid_col = 4, sex_col = 5,
               marker_col = 6:ncol(amdf), locusAttributes = loci, missing = "-", sep = "/")
  if (is.ped(am)) am = list(am)
  # readPed returns the families in the famid order; names are the famids
  miss = read.delim(file.path(dir, "missing"), header = FALSE, colClasses = "character")
  if (file.exists(file.path(dir, "args")) && any(nzchar(readLines(file.path(dir, "args"))))) {
    fl = strsplit(readLines(file.path(dir, "args"))[1], " ")[[1]]
    get = function(k) { i = match(k, fl); if (is.na(i)) NULL else fl[i + 1] }
    model = get("--mutation")
    rate = if (!is.null(get("--rate"))) as.numeric(get("--rate")) else
      list(female = as.numeric(get("--rate-female")), male = as.numeric(get("--rate-male")))
    extra = if (model == "stepwise") list(rate2 = as.numeric(get("--rate2")), range = as.numeric(get("--range"))) else list()
    am = lapply(am, function(x) do.call(setMutmod, c(list(x, model = model, rate = rate), extra)))
  } else if (file.exists(file.path(dir, "mutation.tsv"))) {
    mt = rd("mutation.tsv")
    for (i in seq_len(nrow(mt))) {
      r = mt[i, ]
      if (r$model == "trivial") next
      extra = if (r$model == "stepwise") list(rate2 = as.numeric(r$rate2), range = as.numeric(r$range)) else list()
      am = lapply(am, function(x) do.call(setMutmod, c(list(x, markers = r$marker, model = r$model,
                    rate = list(female = as.numeric(r$rate_female), male = as.numeric(r$rate_male))), extra)))
    }
  }
  dviData(pm = pm, am = am, missing = miss[[2]])
}

for (nm in sets) exportSet(nm)
