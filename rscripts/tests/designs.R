# R's model.matrix, terms, makeContrasts, sort and numeric-literal values for
# the design tests. Usage: Rscript designs.R OUTDIR CASES.tsv
# Each line of CASES.tsv is tab-separated; the first field is the kind:
#   mm    id  targets.csv  formula  levels   (levels: "col=l1|l2;col2=..." or "")
#   terms id  formula                        -> id.txt: intercept, term labels (|), factors
#                                               (column-major, ","), variables (|), tab-separated
#   mc    id  levels(l1|l2)  names(n1|n2)  expressions(e1|e2)
#   mcx   id  (as mc, evaluated as makeContrasts does but without its name check)
#   sort  id  strings.txt                    -> id.txt: sort(readLines(strings.txt))
#   num   id  literals(l1|l2...)             -> id.csv: the value of each literal as R parses it
source(file.path("rscripts", "lib", "io.R"))
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
lines <- readLines(args[2], encoding = "UTF-8")
split_bar <- function(s) if (nzchar(s)) strsplit(s, "|", fixed = TRUE)[[1]] else character(0)
for (ln in lines) {
  f <- strsplit(ln, "\t", fixed = TRUE)[[1]]
  kind <- f[1]; id <- f[2]
  if (kind == "mm") {
    d <- read.csv(f[3], row.names = 1, check.names = FALSE)
    if (length(f) >= 5 && nzchar(f[5])) {
      for (spec in strsplit(f[5], ";", fixed = TRUE)[[1]]) {
        kv <- strsplit(spec, "=", fixed = TRUE)[[1]]
        d[[kv[1]]] <- factor(d[[kv[1]]], levels = split_bar(kv[2]))
      }
    }
    mm <- model.matrix(as.formula(f[4]), data = d)
    write_lossless(mm, file.path(out, paste0(id, ".csv")))
  } else if (kind == "terms") {
    tt <- terms(as.formula(f[3]))
    writeLines(paste0(attr(tt, "intercept"), "\t", paste(attr(tt, "term.labels"), collapse = "|"), "\t",
                      paste(as.vector(attr(tt, "factors")), collapse = ","), "\t",
                      paste(vapply(as.list(attr(tt, "variables"))[-1], as.character, ""), collapse = "|")),
               file.path(out, paste0(id, ".txt")))
  } else if (kind == "mc") {
    cm <- limma::makeContrasts(contrasts = split_bar(f[5]), levels = split_bar(f[3]))
    colnames(cm) <- split_bar(f[4])
    write_lossless(cm, file.path(out, paste0(id, ".csv")))
  } else if (kind == "mcx") {
    # makeContrasts' own evaluation without its syntactic-name check.
    lv <- split_bar(f[3]); ex <- split_bar(f[5])
    env <- new.env()
    for (i in seq_along(lv)) { v <- rep(0, length(lv)); v[i] <- 1; assign(lv[i], v, envir = env) }
    cm <- matrix(0, length(lv), length(ex), dimnames = list(lv, split_bar(f[4])))
    for (j in seq_along(ex)) cm[, j] <- eval(parse(text = ex[j]), envir = env)
    write_lossless(cm, file.path(out, paste0(id, ".csv")))
  } else if (kind == "sort") {
    x <- readLines(f[3], encoding = "UTF-8")
    writeLines(sort(x), file.path(out, paste0(id, ".txt")), useBytes = TRUE)
  } else if (kind == "num") {
    lits <- split_bar(f[3])
    v <- vapply(lits, function(s) eval(parse(text = s)[[1]], baseenv()), 0)
    write_lossless(unname(v), file.path(out, paste0(id, ".csv")))
  }
}
