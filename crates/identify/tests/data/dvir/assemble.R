# assemble.R: writes expected.json and expected_dvir_default.json of every data set from the
# results saved by export.R and joint.R.
#
#   R_LIBS_USER=... Rscript assemble.R OUTDIR RESULTSDIR [SET ...]
args0 = commandArgs(trailingOnly = FALSE)
here = dirname(normalizePath(sub("^--file=", "", args0[grep("^--file=", args0)])))
source(file.path(here, "common.R"))
cli = folderArgs()
OUT = cli$out; RES = cli$res; sets = cli$sets

LIST_ALL_BELOW = 200   # list every assignment when there are fewer than this
LIST_TOP = 100         # otherwise the best LIST_TOP

sexName = function(s) c("unknown", "male", "female")[s + 1]

describe = function(info) {
  nv = length(info$victims); nf = length(info$families); nm = length(info$missing)
  sprintf("dvir dataset '%s': %d victims (%dM/%dF), %d missing persons (%dM/%dF) in %d reference %s (%d typed references), %d markers, mutation: %s",
          info$set, nv, sum(info$victim_sex == 1), sum(info$victim_sex == 2), nm,
          sum(info$missing_sex == 1), sum(info$missing_sex == 2), nf,
          if (nf == 1) "family" else "families", length(unlist(info$typed)), length(info$markers),
          if (identical(info$mutation, "none")) "none" else info$mutation)
}

key = function(info) setNames(paste(info$missing_family, info$missing, sep = ":"), info$missing)

assignmentsOf = function(tab, vics, k) {
  lapply(seq_len(nrow(tab)), function(i) {
    v = as.character(unlist(tab[i, vics]))
    v = ifelse(v == "*", "*", k[v])
    setNames(as.list(v), vics)
  })
}

pairwiseEntries = function(info) {
  M = info$pairwise$LRmatrix
  out = list()
  for (v in rownames(M)) for (m in colnames(M))
    out[[length(out) + 1]] = list(victim = v, family = info$missing_family[match(m, info$missing)],
                                  missing = m, lr = if (is.na(M[v, m])) NULL else M[v, m])
  out
}

PAIRWISE_FUNCTION = "dvir::pairwiseLR(dvi) with its defaults (ignoreSex = FALSE, limit = 0, nkeep = NULL; the mutation models attached to the data, in every family): LR of 'victim V is missing person M' against 'V is unrelated to M's family', the other missing persons left unidentified; null = excluded by sex (dvir's LRmatrix has NA there)"

JOINT_FUNCTION = "dvir::dviJoint(dvi, disableMutations = FALSE, verbose = FALSE, progress = FALSE), all other arguments at their defaults (assignments = NULL, ignoreSex = FALSE, maxAssign = 1e5). dviJoint has no undisputed step and no LR limit: it enumerates every assignment built from dvi$pairings, or generatePairings(dvi) where the data store none (example1); in every dvir data set the stored pairings equal generatePairings(dvi): each victim to '*' or to any missing person of the same sex; each missing person used at most once, keeping the mutation models attached to the data in every family. loglik: natural log of the likelihood of all the data (PM and AM) under the assignment; lr = exp(loglik - loglik of the null assignment, nobody identified); posterior = lr / sum of lr over ALL enumerated assignments (flat prior), including those not listed. Rows sorted by loglik (decreasing), ties by the assignment (dviJoint's own order). Zero-likelihood assignments have loglik null, lr 0 and posterior 0. '*' = victim not assigned; otherwise FAMID:ID of the missing person"

DEFAULT_FUNCTION = "dvir::jointDVI(dvi) with all its defaults (pairings = NULL, ignoreSex = FALSE, limit = 0, nkeep = NULL, undisputed = TRUE, threshold = 1e4, strict = FALSE, disableMutations = NA, maxAssign = 1e5). First the mutation model is switched off in every reference family whose own data are consistent without mutations (disableMutations = NA); then undisputed pairs (pairwise LR >= 1e4 and at least 1e4 times every other pairwise LR of the same victim or missing person) are fixed and removed, repeatedly; the remaining assignments (sex-compatible pairings with pairwise LR > 0, each missing person used at most once) are enumerated. loglik: natural log of the likelihood of the remaining (reduced) data; lr: dvir's LR column, the LR of the assignment against nobody identified in the reduced data times the LRs of the undisputed pairs; posterior: dvir's column, lr of the reduced data / its sum over the listed rows (flat prior). Rows in dvir's order (loglik rounded to 10 decimals, decreasing; ties alphabetical). '*' = victim not assigned; otherwise FAMID:ID"

jointEntries = function(tab, vics, k, loglik0, total) {
  lr = exp(tab$loglik - loglik0)
  post = lr / total
  A = assignmentsOf(tab, vics, k)
  lapply(seq_len(nrow(tab)), function(i)
    list(assignment = A[[i]], loglik = if (is.finite(tab$loglik[i])) tab$loglik[i] else NULL,
         lr = lr[i], posterior = post[i]))
}

for (nm in sets) {
  info = readRDS(file.path(RES, paste0(nm, ".pairwise.rds")))
  k = key(info)
  vics = info$victims
  v = info$versions
  src = sprintf("dvir %s / pedtools %s / pedprobr %s / pedmut %s (R %s)", v$dvir, v$pedtools, v$pedprobr, v$pedmut, v$R)

  out = list(dataset = nm, description = describe(info), source = src, dvir_version = v$dvir,
             versions = v,
             victims = lapply(seq_along(vics), function(i) list(id = vics[i], sex = sexName(info$victim_sex[i]))),
             missing = lapply(seq_along(info$missing), function(i)
               list(family = info$missing_family[i], id = info$missing[i], sex = sexName(info$missing_sex[i]))),
             families = lapply(seq_along(info$families), function(i)
               list(famid = info$families[i], members = info$family_size[i], typed = I(info$typed[[i]]))),
             shared_member_ids = I(info$shared_ids),
             mutation = info$mutation,
             pairwise = pairwiseEntries(info),
             pairwise_function = PAIRWISE_FUNCTION,
             pairwise_call = "pairwiseLR(dvi)",
             pairwise_seconds = round(info$pairwise_seconds, 3))

  jf = file.path(RES, paste0(nm, ".full.rds"))
  if (file.exists(jf)) {
    J = readRDS(jf)
    if (J$ok) {
      tab = J$result
      isNull = apply(tab[vics] == "*", 1, all)
      loglik0 = tab$loglik[isNull]
      stopifnot(length(loglik0) == 1)
      lrAll = exp(tab$loglik - loglik0)
      total = sum(lrAll)
      n = nrow(tab)
      keep = if (n < LIST_ALL_BELOW) n else LIST_TOP
      out$joint = jointEntries(tab[seq_len(keep), , drop = FALSE], vics, k, loglik0, total)
      out$joint_function = JOINT_FUNCTION
      out$joint_call = J$call
      out$joint_seconds = round(J$seconds, 1)
      out$joint_assignments_total = n
      out$joint_rows_listed = keep
      out$joint_assignments_impossible = sum(!is.finite(tab$loglik))
      out$joint_loglik_null = loglik0
      out$joint_lr_sum = total
      out$joint_note = if (keep < n) sprintf("only the best %d of %d assignments are listed; posteriors are over all %d", keep, n, n) else "every assignment is listed"
    } else {
      out$joint = NULL
      out$joint_error = J$error
    }
  } else {
    out$joint_note = if (nm %in% NO_JOINT) "not computed: the full joint search is infeasible for this data set (dviGridSize about 4e13 sex-consistent assignments)" else "not computed (did not finish in the time available)"
  }
  out$checks = list(
    list(check = "files read back with pedtools::readPed (mutation models rebuilt from args/mutation.tsv with pedtools::setMutmod) and pairwiseLR recomputed", max_rel_diff = info$readback_max_rel_diff),
    list(check = "every stored mutation matrix against pedmut::mutationMatrix(model, alleles, afreq, rate[, rate2, range]) of the installed pedmut", max_abs_diff = info$matrix_max_abs_diff_vs_rebuilt))
  writeJSON(out, file.path(OUT, nm, "expected.json"))

  df = file.path(RES, paste0(nm, ".default.rds"))
  if (file.exists(df)) {
    D = readRDS(df)
    od = list(dataset = nm, source = src, function_ = DEFAULT_FUNCTION, call = D$call, seconds = round(D$seconds, 1))
    names(od)[names(od) == "function_"] = "joint_function"
    if (D$ok) {
      tab = D$result
      n = nrow(tab)
      keep = if (n < LIST_ALL_BELOW) n else LIST_TOP
      A = assignmentsOf(tab[seq_len(keep), , drop = FALSE], vics, k)
      od$rows_total = n
      od$rows_listed = keep
      od$joint = lapply(seq_len(keep), function(i)
        list(assignment = A[[i]], loglik = if (is.finite(tab$loglik[i])) tab$loglik[i] else NULL,
             lr = tab$LR[i], posterior = tab$posterior[i]))
    } else od$error = D$error
    sf = file.path(RES, paste0(nm, ".solve.rds"))
    if (file.exists(sf)) {
      S = readRDS(sf)
      rows = function(df) lapply(seq_len(nrow(df)), function(i) {
        r = lapply(df[i, , drop = FALSE], function(v) if (is.factor(v)) as.character(v) else v)
        lapply(r, function(v) if (length(v) == 1 && is.na(v)) NULL else v)
      })
      od$dviSolve = list(call = S$call, seconds = round(S$seconds, 1),
        "function" = "dvir::dviSolve(dvi, verbose = FALSE) with its defaults (threshold = 1e4, threshold2 = 1000, maxIncomp = 2, ignoreSex = FALSE, limit = 0, maxAssign = 1e5): exclusions (a pairing with more than maxIncomp = 2 markers inconsistent without mutation is excluded), undisputed matches, then joint analysis of what remains; conclusions per missing person (AM) and per victim (PM). lr/glr null = not applicable (dvir's NA)",
        AM = rows(S$result$AM), PM = rows(S$result$PM))
    }
    writeJSON(od, file.path(OUT, nm, "expected_dvir_default.json"))
  }
  cat(nm, "written\n")
}
