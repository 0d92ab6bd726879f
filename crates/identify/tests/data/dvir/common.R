# Shared helpers for export.R, joint.R and assemble.R (dvir test data for Homeward).
# Run with R_LIBS_USER pointing at a library holding dvir and its dependencies.
suppressMessages(library(dvir))

`%||%` = function(x, y) if (is.null(x)) y else x

# All data sets shipped by dvir (data(package = "dvir")).
SETS = c("example1", "example2", "fire", "grave", "icmp", "planecrash", "symmetricSibs",
         "KETPchap481", "KETPchap484", "KETPexer497", "KETPexer498", "exclusionExample")

# Data sets where the full joint (exhaustive) search is not attempted.
NO_JOINT = c("exclusionExample")

# The command line OUTDIR RESULTSDIR [SET ...] of export.R and assemble.R: the two folders and the
# data sets named (every one of SETS when none is).
folderArgs = function(a = commandArgs(trailingOnly = TRUE)) {
  list(out = a[1], res = a[2], sets = if (length(a) > 2) a[-(1:2)] else SETS)
}

loadSet = function(nm) {
  e = new.env()
  data(list = nm, package = "dvir", envir = e)
  dvir:::consolidateDVI(get(nm, envir = e))
}

versions = function() {
  pk = c("dvir", "pedtools", "pedprobr", "pedmut", "forrel", "ribd")
  v = vapply(pk, function(p) as.character(utils::packageVersion(p)), "")
  v[["R"]] = paste(R.version$major, R.version$minor, sep = ".")
  as.list(v)
}

# ---- number formatting: shortest decimal that round-trips to the same double ----
num = function(x) {
  if (length(x) != 1) stop("num: scalar expected")
  if (is.na(x) || is.infinite(x)) return("null")
  if (x == round(x) && abs(x) < 1e15) return(format(x, scientific = FALSE))
  for (k in 15:17) {
    s = formatC(x, digits = k, format = "g")
    if (as.numeric(s) == x) break
  }
  s = trimws(s)
  # JSON wants a leading digit and no '+' in exponents is fine; R gives e.g. 1e-05
  s
}

# ---- a small JSON writer (no dependency), pretty enough for diffs ----
jstr = function(s) {
  s = gsub("\\\\", "\\\\\\\\", s)
  s = gsub("\"", "\\\\\"", s)
  s = gsub("\n", "\\\\n", s)
  s = gsub("\t", "\\\\t", s)
  paste0("\"", s, "\"")
}

# A value: NULL -> null; character/numeric/logical scalars; lists: named -> object, unnamed -> array.
# Vectors of length > 1 become arrays. Use I() on a length-1 vector to force an array.
toJ = function(x, indent = 0, inline = FALSE) {
  pad = strrep("  ", indent)
  pad1 = strrep("  ", indent + 1)
  if (is.null(x)) return("null")
  if (inherits(x, "AsIs") && !is.list(x)) { x = as.list(unclass(x)) ; names(x) = NULL }
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    isObj = !is.null(names(x))
    items = if (isObj)
      mapply(function(k, v) paste0(jstr(k), ": ", toJ(v, indent + 1, inline = TRUE)), names(x), x)
    else
      vapply(x, function(v) toJ(v, indent + 1, inline = TRUE), "")
    open = if (isObj) "{" else "["; close = if (isObj) "}" else "]"
    oneLine = paste0(open, paste(items, collapse = ", "), close)
    if (nchar(oneLine) <= 160 && !grepl("\n", oneLine)) return(oneLine)
    return(paste0(open, "\n", pad1, paste(items, collapse = paste0(",\n", pad1)), "\n", pad, close))
  }
  if (length(x) > 1) return(toJ(as.list(x), indent, inline))
  if (is.character(x)) return(if (is.na(x)) "null" else jstr(x))
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (is.numeric(x)) return(num(x))
  stop("toJ: unsupported type ", class(x))
}

writeJSON = function(x, path) writeLines(toJ(x), path)

# Which family (AM component name) each missing person belongs to.
famOfMissing = function(dvi) {
  comp = getComponent(dvi$am, dvi$missing, checkUnique = TRUE)
  setNames(names(dvi$am)[comp], dvi$missing)
}

# Description of one marker's mutation model: list(model, rate_female, rate_male, rate2, range) or NULL
mutDesc = function(mm) {
  if (is.null(mm)) return(NULL)
  d = lapply(c("female", "male"), function(s) {
    m = mm[[s]]
    list(model = attr(m, "model"), rate = attr(m, "rate"), rate2 = attr(m, "rate2"),
         range = attr(m, "range"))
  })
  if (!identical(d[[1]]$model, d[[2]]$model)) stop("female and male models differ")
  list(model = d[[1]]$model, rate_female = d[[1]]$rate, rate_male = d[[2]]$rate,
       rate2 = d[[1]]$rate2, range = d[[1]]$range,
       rate2_male = d[[2]]$rate2, range_male = d[[2]]$range)
}
