# limma-parity's R runner: runs one parity case in R, step by step, and writes
# every statistic losslessly (rscripts/lib/io.R) for the harness to compare.
#
#   Rscript --vanilla run_case.R CASE.json OUTDIR
#
# CASE.json is the case as the harness normalised it (absolute input paths,
# step labels, typed argument values). It is read with jsonlite as DATA: no
# value from it is ever pasted into R code. Formulas and contrasts are parsed
# (str2lang; parsing evaluates nothing), their trees checked against a strict
# grammar (names that are columns, numbers, + - * / : ( ) and one leading ~),
# and only then turned into a formula / handed to makeContrasts.
#
# --no-emulate: refuse (66) when this limma is not the release the case names.
# --gzip: write the statistics as .csv.gz (a stored reference).
# Exit status: 0 done; 65 the case was refused (grammar); 66 this R/limma
# cannot run the case (version); anything else an R error (message on stderr).

t_start <- proc.time()[["elapsed"]]
script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE))
  if (length(f) == 1) dirname(normalizePath(f)) else "rscripts"
})
source(file.path(script_dir, "lib", "io.R"))

refuse <- function(...) {
  cat("refused: ", ..., "\n", sep = "", file = stderr())
  quit(save = "no", status = 65)
}
incompatible <- function(...) {
  cat("incompatible: ", ..., "\n", sep = "", file = stderr())
  quit(save = "no", status = 66)
}

args <- commandArgs(trailingOnly = TRUE)
no_emulate <- "--no-emulate" %in% args
gzip_out <- "--gzip" %in% args
args <- setdiff(args, c("--no-emulate", "--gzip"))
if (length(args) != 2) {
  cat("usage: Rscript run_case.R CASE.json OUTDIR [--no-emulate] [--gzip]\n", file = stderr())
  quit(save = "no", status = 2)
}
case_file <- args[1]
out_dir <- args[2]
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

suppressPackageStartupMessages({
  library(jsonlite)
  library(limma)
  library(edgeR)
})

cs <- jsonlite::fromJSON(case_file, simplifyVector = FALSE)

limma_installed <- as.character(packageVersion("limma"))
lv_installed <- package_version(limma_installed)
wanted <- if (is.null(cs$limma)) "" else as.character(cs$limma)
emulated <- character(0)
# Follow limma 3.66's defaults on an older limma, where it exposes them as arguments.
emulate_366 <- wanted == "3.66" && lv_installed < package_version("3.66.0")
if (emulate_366 && no_emulate)
  incompatible("the case follows limma 3.66 and this R has limma ", limma_installed,
               "; a stored reference must come from limma 3.66 itself (the existing one is kept)")
if (wanted == "3.54" && lv_installed >= package_version("3.55.0"))
  incompatible("the case follows limma 3.54 and this R has limma ", limma_installed)

# ---- the grammar, checked on the parsed tree -------------------------------

check_tree <- function(e, names_ok, ops, what) {
  if (is.symbol(e)) {
    nm <- as.character(e)
    if (!(nm %in% names_ok)) refuse(what, ": '", nm, "' is not an allowed name")
    return(invisible(TRUE))
  }
  if (is.numeric(e)) {
    if (length(e) != 1 || !is.finite(e)) refuse(what, ": numbers must be finite scalars")
    return(invisible(TRUE))
  }
  if (is.call(e)) {
    f <- e[[1]]
    if (!is.symbol(f)) refuse(what, ": only the operators ", paste(ops, collapse = " "), " are allowed")
    fn <- as.character(f)
    if (!(fn %in% ops)) refuse(what, ": '", fn, "' is not allowed (function calls are refused)")
    n <- length(e) - 1
    if (n < 1 || n > 2 || (fn == "(" && n != 1)) refuse(what, ": malformed use of '", fn, "'")
    for (k in seq_len(n)) check_tree(e[[k + 1]], names_ok, ops, what)
    return(invisible(TRUE))
  }
  refuse(what, ": only names, numbers and operators are allowed")
}

safe_formula <- function(text, columns) {
  if (!is.character(text) || length(text) != 1 || nchar(text) > 2000) refuse("design: not a formula string")
  e <- tryCatch(str2lang(text), error = function(err) refuse("design: cannot be parsed: ", conditionMessage(err)))
  if (!is.call(e) || !identical(e[[1]], as.symbol("~")) || length(e) != 2) refuse("design: must be a one-sided formula '~ ...'")
  check_tree(e[[2]], columns, c("+", "-", "*", "/", ":", "("), "design")
  # e is now known to be a `~` call over column names and numbers; evaluating the
  # tilde only builds the formula object (its arguments are not evaluated).
  f <- eval(e, envir = baseenv())
  environment(f) <- baseenv()
  f
}

safe_contrasts <- function(exprs, levels) {
  lv <- levels
  lv[lv == "(Intercept)"] <- "Intercept"
  for (x in exprs) {
    if (!is.character(x) || length(x) != 1 || nchar(x) > 2000) refuse("contrasts: not an expression string")
    e <- tryCatch(str2lang(x), error = function(err) refuse("contrasts: cannot be parsed: ", conditionMessage(err)))
    check_tree(e, lv, c("+", "-", "*", "/", "("), "contrasts")
  }
  invisible(TRUE)
}

# ---- reading the inputs (check.names = FALSE; gzip detected by file()) -----

delim_of <- function(path) {
  first <- readLines(path, n = 1, warn = FALSE)
  if (length(first) == 0) stop("empty file: ", path)
  if (grepl("\t", first, fixed = TRUE)) "\t" else ","
}

read_delim <- function(path, colClasses = NA) {
  sep <- delim_of(path)
  read.table(path, header = TRUE, sep = sep, quote = "\"", comment.char = "", check.names = FALSE,
             stringsAsFactors = FALSE, na.strings = c("NA", ""), colClasses = colClasses,
             row.names = NULL, strip.white = TRUE)
}

header_of <- function(path) {
  sep <- delim_of(path)
  h <- read.table(path, header = FALSE, sep = sep, quote = "\"", comment.char = "", nrows = 1,
                  colClasses = "character", check.names = FALSE, na.strings = character(0))
  as.character(unlist(h[1, ]))
}

read_matrix <- function(path, nann = 0) {
  h <- header_of(path)
  ns <- length(h) - 1 - nann
  cc <- c(rep("character", 1 + nann), rep("numeric", ns))
  df <- read_delim(path, colClasses = cc)
  m <- as.matrix(df[, (2 + nann):ncol(df), drop = FALSE])
  storage.mode(m) <- "double"
  rownames(m) <- df[[1]]
  colnames(m) <- h[(2 + nann):length(h)]
  genes <- NULL
  if (nann > 0) {
    genes <- df[, 2:(1 + nann), drop = FALSE]
    names(genes) <- h[2:(1 + nann)]
    rownames(genes) <- df[[1]]
  }
  list(m = m, genes = genes)
}

# Timing only (never part of a computation): reading the inputs and building
# the design and contrasts, then each step, as elapsed wall seconds.
t_load <- proc.time()[["elapsed"]]
inp <- cs$inputs
ann <- unlist(inp$annotation)
nann <- length(ann)
is_counts <- !is.null(inp$counts)
mx <- read_matrix(if (is_counts) inp$counts else inp$expression, nann)
mat <- mx$m
genes <- mx$genes
samples <- colnames(mat)

targets <- NULL
if (!is.null(inp$targets)) {
  h <- header_of(inp$targets)
  targets <- read_delim(inp$targets, colClasses = c("character", rep(NA, length(h) - 1)))
  names(targets) <- h
  idx <- match(samples, targets[[1]])
  if (anyNA(idx)) stop("samples missing from targets: ", paste(samples[is.na(idx)], collapse = ", "))
  targets <- targets[idx, , drop = FALSE]
  rownames(targets) <- samples
  for (lvl in cs$levels) {
    col <- lvl$column
    if (!(col %in% names(targets))) refuse("levels: '", col, "' is not a targets column")
    targets[[col]] <- factor(targets[[col]], levels = unlist(lvl$levels))
  }
}
tcol <- function(col) {
  if (is.null(targets) || !(col %in% names(targets)[-1])) refuse("'", col, "' is not a targets column")
  targets[[col]]
}

gene_sets <- NULL
if (!is.null(inp$gene_sets)) {
  gs <- read_delim(inp$gene_sets, colClasses = c("character", "character"))
  if (!identical(names(gs), c("set", "feature_id"))) stop("gene_sets: the header must be set,feature_id")
  gene_sets <- split(gs$feature_id, factor(gs$set, levels = unique(gs$set)))
}

obs_weights <- NULL
if (!is.null(inp$weights)) obs_weights <- read_matrix(inp$weights, 0)$m

design <- NULL
if (!is.null(cs$design$formula)) {
  fml <- safe_formula(cs$design$formula, names(targets)[-1])
  design <- model.matrix(fml, data = targets)
  rownames(design) <- samples
} else if (!is.null(cs$design$matrix)) {
  design <- read_matrix(cs$design$matrix, 0)$m
}

warns <- character(0)
collect <- function(label, expr) {
  withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, paste0(label, ": ", conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
}

cm <- NULL
if (!is.null(cs$contrasts$expressions)) {
  ex <- vapply(cs$contrasts$expressions, function(x) as.character(x$expression), "")
  nm <- vapply(cs$contrasts$expressions, function(x) as.character(x$name), "")
  safe_contrasts(ex, colnames(design))
  cm <- collect("makeContrasts", makeContrasts(contrasts = ex, levels = colnames(design)))
  colnames(cm) <- nm
} else if (!is.null(cs$contrasts$matrix)) {
  cm <- read_matrix(cs$contrasts$matrix, 0)$m
}

# ---- the pipeline -----------------------------------------------------------

num <- function(x) {
  if (is.character(x) && length(x) == 1 && x %in% c("Inf", "-Inf")) return(if (x == "Inf") Inf else -Inf)
  if (is.list(x)) return(vapply(x, num, 0))
  as.numeric(x)
}
# Converts a step's JSON arguments to R values (as data), by argument type.
step_args <- function(st, columns = character(0), numeric = character(0), vectors = character(0)) {
  a <- st$args
  if (is.null(a)) return(list())
  out <- list()
  for (nm in names(a)) {
    v <- a[[nm]]
    if (nm %in% columns) v <- tcol(as.character(v))
    else if (nm %in% numeric) v <- num(v)
    else if (nm %in% vectors) v <- unlist(v)
    else if (is.list(v)) v <- unlist(v)
    out[[nm]] <- v
  }
  out
}

outputs <- list()
add_out <- function(step, fn, name, value, ids = NULL) {
  outputs[[length(outputs) + 1]] <<- list(step = step, fn = fn, name = name, value = value, ids = ids, table = FALSE)
}
add_table <- function(step, fn, df, text_columns) {
  outputs[[length(outputs) + 1]] <<- list(step = step, fn = fn, value = df, table = TRUE, text_columns = text_columns)
}
gene_ids <- function(n, ids) if (!is.null(ids) && length(ids) == n) ids else as.character(seq_len(n))
# An output value (or its ids) built after the pipeline's clock stops, as the
# engine's runner builds its report tables: later(expr) returns a function that
# evaluates expr then, with the variables expr names bound now (so later steps
# cannot change what it returns). Copies and conversions for the report (names,
# as.numeric, cbind) are then not timed as limma's work. expr should name only
# the values it needs (wts <- obj$weights first): a whole object named there
# stays alive until the outputs are written.
later <- function(expr) {
  e <- substitute(expr)
  pf <- parent.frame()
  env <- new.env(parent = globalenv())
  for (v in all.vars(e)) if (exists(v, envir = pf)) assign(v, get(v, envir = pf), envir = env)
  function() eval(e, env)
}

y <- NULL
obj <- NULL
if (is_counts) {
  y <- DGEList(counts = mat, genes = genes)
} else {
  obj <- new("EList", list(E = mat))
  if (!is.null(genes)) obj$genes <- genes
  if (!is.null(obs_weights)) obj$weights <- obs_weights
}
fit <- NULL
block <- NULL
correlation <- NULL

fit_outputs <- function(label, fn, fit) {
  ids <- rownames(fit$coefficients)
  add_out(label, fn, "coefficients", fit$coefficients)
  add_out(label, fn, "stdev.unscaled", fit$stdev.unscaled)
  add_out(label, fn, "sigma", fit$sigma, ids)
  add_out(label, fn, "df.residual", fit$df.residual, ids)
  if (!is.null(fit$Amean)) add_out(label, fn, "Amean", fit$Amean, ids)
}
eb_outputs <- function(label, fn, fit) {
  ids <- rownames(fit$coefficients)
  n <- nrow(fit$coefficients)
  for (s in c("s2.prior", "df.prior", "s2.post", "df.total")) {
    v <- fit[[s]]
    if (!is.null(v)) add_out(label, fn, s, later(unname(v)), if (length(v) == n) ids else later(as.character(seq_along(v))))
  }
  for (s in c("t", "p.value", "lods")) if (!is.null(fit[[s]])) add_out(label, fn, s, fit[[s]])
  for (s in c("F", "F.p.value")) if (!is.null(v <- fit[[s]])) add_out(label, fn, s, later(unname(v)), ids)
}
table_out <- function(label, fn, tab) {
  text_cols <- names(tab)[!vapply(tab, is.numeric, TRUE)]
  add_table(label, fn, tab, text_cols)
}
needs_eq_df <- function(fit, what) {
  d <- fit$df.residual
  d <- d[is.finite(d) & d > 0]
  if (length(unique(d)) > 1)
    incompatible(what, ": limma 3.66 uses fitFDistUnequalDF1 when residual df differ; limma ", limma_installed,
                 " here cannot reproduce it (run with limma >= 3.62, or check against the stored reference)")
}

t_pipeline <- proc.time()[["elapsed"]]
load_s <- t_pipeline - t_load
step_s <- list()
for (st in cs$steps) {
  fn <- st$fn
  label <- st$label
  t_step <- proc.time()[["elapsed"]]
  collect(label, switch(fn,
    filterByExpr = {
      a <- step_args(st, columns = "group", numeric = c("min.count", "min.total.count", "large.n", "min.prop"))
      keep <- do.call(filterByExpr, c(list(y), a))
      add_out(label, fn, "keep", later(as.numeric(keep)), rownames(y$counts))
      y <- y[keep, , keep.lib.sizes = FALSE]
    },
    calcNormFactors = {
      a <- step_args(st, numeric = c("logratioTrim", "sumTrim", "Acutoff", "p"))
      y <- do.call(calcNormFactors, c(list(y), a))
      add_out(label, fn, "norm.factors", y$samples$norm.factors, colnames(y$counts))
      add_out(label, fn, "lib.size", y$samples$lib.size, colnames(y$counts))
    },
    cpm = {
      a <- step_args(st, numeric = "prior.count")
      add_out(label, fn, "cpm", do.call(cpm, c(list(y), a)))
    },
    voom = {
      a <- step_args(st, numeric = "span")
      if (emulate_366 && is.null(a$span) && !identical(a$adaptive.span, FALSE)) {
        a$span <- pmin(0.3 + (1 - 0.3) * (50 / nrow(y$counts))^(1 / 3), 1)
        emulated <- c(emulated, "voom: adaptive.span=TRUE (span = chooseLowessSpan(nrow(counts)))")
      }
      if (emulate_366) a$adaptive.span <- NULL
      a$design <- design
      if (!is.null(block)) { a$block <- block; a$correlation <- correlation }
      a$save.plot <- TRUE
      obj <- do.call(voom, c(list(y), a))
      ids <- rownames(obj$E)
      add_out(label, fn, "E", obj$E)
      wts <- obj$weights; dn <- dimnames(obj$E); vxy <- obj$voom.xy; vline <- obj$voom.line
      add_out(label, fn, "weights", later({ w <- wts; dimnames(w) <- dn; w }))
      add_out(label, fn, "lib.size", obj$targets$lib.size, colnames(obj$E))
      add_out(label, fn, "voom.xy", later(cbind(x = vxy$x, y = vxy$y)),
              later(gene_ids(length(vxy$x), if (is.null(names(vxy$x))) ids else names(vxy$x))))
      add_out(label, fn, "voom.line", later(cbind(x = vline$x, y = vline$y)), later(as.character(seq_along(vline$x))))
    },
    voomWithQualityWeights = {
      a <- step_args(st, columns = "var.group", numeric = c("span", "maxiter", "tol"))
      if (emulate_366 && is.null(a$span) && !identical(a$adaptive.span, FALSE)) {
        a$span <- pmin(0.3 + (1 - 0.3) * (50 / nrow(y$counts))^(1 / 3), 1)
        emulated <- c(emulated, "voomWithQualityWeights: adaptive.span=TRUE (span = chooseLowessSpan(nrow(counts)))")
      }
      if (emulate_366) a$adaptive.span <- NULL
      a$design <- design
      obj <- do.call(voomWithQualityWeights, c(list(y), a))
      add_out(label, fn, "E", obj$E)
      wts <- obj$weights; dn <- dimnames(obj$E)
      add_out(label, fn, "weights", later({ w <- wts; dimnames(w) <- dn; w }))
      add_out(label, fn, "lib.size", obj$targets$lib.size, colnames(obj$E))
      add_out(label, fn, "sample.weights", obj$targets$sample.weights, colnames(obj$E))
    },
    arrayWeights = {
      a <- step_args(st, columns = "var.group", numeric = c("prior.n", "maxiter", "tol"))
      aw <- do.call(arrayWeights, c(list(obj, design), a))
      obj$weights <- asMatrixWeights(aw, dim(obj$E))
      add_out(label, fn, "weights", unname(aw), colnames(obj$E))
    },
    removeBatchEffect = {
      # On the log-expression matrix (as one calls it on logCPM or v$E), with the
      # case's design when "design": true; the pipeline's object is unchanged.
      a <- step_args(st, columns = c("batch", "batch2"))
      if (isTRUE(a$design)) a$design <- design else a$design <- NULL
      add_out(label, fn, "E", do.call(removeBatchEffect, c(list(obj$E), a)))
    },
    normalizeBetweenArrays = {
      a <- step_args(st)
      obj <- do.call(normalizeBetweenArrays, c(list(obj), a))
      add_out(label, fn, "E", obj$E)
    },
    duplicateCorrelation = {
      a <- step_args(st, columns = "block", numeric = "trim")
      dc <- do.call(duplicateCorrelation, c(list(obj, design), a))
      block <- a$block
      correlation <- dc$consensus.correlation
      add_out(label, fn, "consensus.correlation", correlation, "1")
      add_out(label, fn, "atanh.correlations", dc$atanh.correlations, gene_ids(length(dc$atanh.correlations), rownames(obj$E)))
    },
    lmFit = {
      a <- step_args(st, columns = "block", numeric = "correlation")
      if (is.null(a$block) && !is.null(block)) { a$block <- block; a$correlation <- correlation }
      fit <- do.call(lmFit, c(list(obj, design), a))
      fit_outputs(label, fn, fit)
    },
    contrasts.fit = {
      a <- st$args
      if (!is.null(a$coefficients)) {
        co <- unlist(a$coefficients)
        fit <- contrasts.fit(fit, coefficients = co)
      } else {
        fit <- contrasts.fit(fit, contrasts = cm)
      }
      fit_outputs(label, fn, fit)
    },
    eBayes = {
      a <- step_args(st, numeric = "proportion", vectors = c("stdev.coef.lim", "winsor.tail.p"))
      if (emulate_366 && is.null(a$legacy)) needs_eq_df(fit, label)
      if (emulate_366) a$legacy <- NULL
      fit <- do.call(eBayes, c(list(fit), a))
      eb_outputs(label, fn, fit)
    },
    treat = {
      a <- step_args(st, numeric = "lfc", vectors = "winsor.tail.p")
      if (emulate_366 && is.null(a$legacy)) needs_eq_df(fit, label)
      if (emulate_366) {
        if (isTRUE(a$upshot)) incompatible(label, ": upshot needs limma 3.66")
        a$legacy <- NULL
        a$upshot <- NULL
      }
      fit <- do.call(treat, c(list(fit), a))
      eb_outputs(label, fn, fit)
    },
    topTable = , topTreat = , topTableF = {
      a <- step_args(st, numeric = c("number", "p.value", "lfc"))
      if (!is.null(a$confint) && is.list(a$confint)) a$confint <- unlist(a$confint)
      if (emulate_366 && !identical(a$confint, FALSE) && !is.null(a$confint) &&
          ((!is.null(a$p.value) && a$p.value < 1) || (!is.null(a$lfc) && a$lfc > 0)))
        incompatible(label, ": limma 3.66 fixed confidence intervals when rows are filtered; limma ", limma_installed, " differs")
      f <- switch(fn, topTable = topTable, topTreat = topTreat, topTableF = topTableF)
      tab <- do.call(f, c(list(fit), a))
      table_out(label, fn, tab)
    },
    decideTests = {
      a <- step_args(st, numeric = c("p.value", "lfc"))
      res <- do.call(decideTests, c(list(fit), a))
      add_out(label, fn, "results", later({ m <- unclass(res); attr(m, "levels") <- NULL; storage.mode(m) <- "double"; m }))
    },
    camera = , fry = , mroast = {
      if (is.null(obj)) stop(fn, " needs log-expression")
      a <- step_args(st, numeric = c("inter.gene.cor", "nrot", "seed"))
      ct <- a$contrast
      if (is.character(ct) && !(ct %in% colnames(design))) {
        if (is.null(cm) || !(ct %in% colnames(cm))) refuse(label, ": contrast '", ct, "' is neither a design column nor a contrast")
        ct <- unname(cm[, ct])
      } else if (is.numeric(ct)) ct <- as.integer(ct)
      a$contrast <- NULL
      seed <- a$seed
      a$seed <- NULL
      ids <- rownames(obj)
      index <- lapply(gene_sets, function(s) which(ids %in% s))
      args <- c(list(obj, index = index, design = design), if (is.null(ct)) list() else list(contrast = ct), a)
      if (fn == "mroast") {
        if (is.null(seed)) refuse(label, ": mroast needs a seed")
        set.seed(seed)
      }
      tab <- do.call(switch(fn, camera = camera, fry = fry, mroast = mroast), args)
      # Direction compared exactly, as a number: Up 1, Down -1.
      tab$Direction <- ifelse(tab$Direction == "Up", 1, ifelse(tab$Direction == "Down", -1, NA_real_))
      table_out(label, fn, tab)
    },
    stop("unsupported step ", fn)
  ))
  step_s[[label]] <- proc.time()[["elapsed"]] - t_step
}
pipeline_s <- proc.time()[["elapsed"]] - t_pipeline

# ---- writing ----------------------------------------------------------------

ext <- if (gzip_out) ".csv.gz" else ".csv"
# io.R's writers take a file name or a connection: a gzfile() one compresses.
sink_for <- function(file) if (gzip_out) gzfile(file.path(out_dir, file), "w") else file.path(out_dir, file)
done_with <- function(con) if (inherits(con, "connection")) close(con)
index <- list()
for (o in outputs) {
  if (o$table) {
    file <- paste0(o$step, ext)
    con <- sink_for(file)
    write_lossless_df(o$value, con)
    done_with(con)
    index[[length(index) + 1]] <- list(step = o$step, fn = o$fn, file = file, table = TRUE,
                                       text_columns = I(o$text_columns))
  } else {
    file <- paste0(o$step, ".", o$name, ext)
    v <- o$value
    if (is.function(v)) v <- v()
    if (is.function(o$ids)) o$ids <- o$ids()
    if (is.null(dim(v))) {
      v <- matrix(as.double(v), ncol = 1, dimnames = list(NULL, "x"))
    }
    con <- sink_for(file)
    write_lossless(v, con, ids = o$ids)
    done_with(con)
    index[[length(index) + 1]] <- list(step = o$step, fn = o$fn, name = o$name, file = file)
  }
}
jsonlite::write_json(list(tables = index), file.path(out_dir, "index.json"), auto_unbox = TRUE, pretty = TRUE)

versions <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  limma = limma_installed,
  edgeR = as.character(packageVersion("edgeR")),
  platform = R.version$platform,
  blas = unname(extSoftVersion()["BLAS"]),
  lapack = paste0(La_version(), " (", La_library(), ")"),
  limma_defaults = if (wanted == "") sub("^(\\d+\\.\\d+).*", "\\1", limma_installed) else wanted,
  emulated = if (length(emulated)) paste(unique(emulated), collapse = "; ") else NULL,
  pipeline_s = pipeline_s,
  total_s = proc.time()[["elapsed"]] - t_start,
  load_s = load_s,
  step_s = step_s,
  warnings = I(warns)
)
versions <- versions[!vapply(versions, is.null, TRUE)]
jsonlite::write_json(versions, file.path(out_dir, "versions.json"), auto_unbox = TRUE, pretty = TRUE, digits = NA)
