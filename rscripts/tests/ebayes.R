# Live R reference for the empirical Bayes tests (EmpiricalBayesTests.swift).
# Usage: Rscript ebayes.R <outdir> <case>
#   case: mulvey | gse60450 | synthetic
# Writes the lmFit/contrasts.fit inputs (in_*.csv) and, for each eBayes/treat
# variant, its outputs (<variant>_*.csv). limma 3.62+ behaviour is computed by
# sourcing limma 3.63.2's R files (rscripts/tests/limma366/) over limma 3.54.
suppressPackageStartupMessages(library(limma))
source(file.path("rscripts", "lib", "io.R"))
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
case <- args[2]
# write_lossless's format (io.R), vectorised with do.call(paste) because the
# GSE60450 outputs are large.
w <- function(x, name) {
  if (is.null(dim(x))) x <- matrix(x, ncol = 1, dimnames = list(names(x), "x"))
  ids <- rownames(x); if (is.null(ids)) ids <- as.character(seq_len(nrow(x)))
  cn <- colnames(x); if (is.null(cn)) cn <- paste0("V", seq_len(ncol(x)))
  cols <- lapply(seq_len(ncol(x)), function(j) fmt_num(x[, j]))
  lines <- c(paste(csv_quote(c("id", cn)), collapse = ","),
             do.call(paste, c(list(csv_quote(ids)), cols, sep = ",")))
  writeLines(lines, file.path(out, paste0(name, ".csv")), useBytes = TRUE)
}
# Runs expr, writing R's warning messages (one a line) to <v>_warnings.txt.
capture <- function(expr, v) {
  msgs <- character()
  val <- withCallingHandlers(expr, warning = function(cond) {
    msgs <<- c(msgs, conditionMessage(cond)); invokeRestart("muffleWarning") })
  writeLines(msgs, file.path(out, paste0(v, "_warnings.txt")))
  val
}

new366 <- function() {
  env <- new.env(parent = asNamespace("limma"))
  for (f in c("chooseLowessSpan.R", "fitFDist.R", "fitFDistRobustly.R", "fitFDistUnequalDF1.R", "squeezeVar.R", "ebayes.R", "treat.R"))
    sys.source(file.path("rscripts", "tests", "limma366", f), envir = env)
  env$logmdigamma <- statmod::logmdigamma
  env$gauss.quad.prob <- statmod::gauss.quad.prob
  env
}

write_fit_in <- function(fit) {
  w(fit$coefficients, "in_coefficients")
  w(fit$stdev.unscaled, "in_stdev_unscaled")
  w(fit$sigma, "in_sigma")
  w(fit$df.residual, "in_df_residual")
  w(fit$Amean, "in_Amean")
  w(fit$cov.coefficients, "in_cov_coefficients")
  w(fit$design, "in_design")
}

vec_or_scalar <- function(x) as.numeric(x)

write_eb <- function(e, v) {
  w(e$t, paste0(v, "_t"))
  w(e$p.value, paste0(v, "_p_value"))
  if (!is.null(e$lods)) w(e$lods, paste0(v, "_lods"))
  w(e$s2.post, paste0(v, "_s2_post"))
  w(e$df.total, paste0(v, "_df_total"))
  w(vec_or_scalar(e$s2.prior), paste0(v, "_s2_prior"))
  w(vec_or_scalar(e$df.prior), paste0(v, "_df_prior"))
  if (!is.null(e$var.prior)) w(vec_or_scalar(e$var.prior), paste0(v, "_var_prior"))
  if (!is.null(e$F)) { w(e$F, paste0(v, "_F")); w(e$F.p.value, paste0(v, "_F_p_value")) }
  if (!is.null(e$treat.lfc)) w(e$treat.lfc, paste0(v, "_treat_lfc"))
}

if (case == "mulvey") {
  x <- read.csv(gzfile(file.path("reference", "data", "mulvey", "proteome.csv.gz")), check.names = FALSE)
  targets <- read.csv(file.path("reference", "data", "mulvey", "targets.csv"))
  y <- as.matrix(x[, targets$sample_id]); rownames(y) <- x$uniprot_id
  group <- factor(targets$group)
  design <- model.matrix(~0 + group)
  fit <- lmFit(y, design)
  cm <- makeContrasts(HFvsC = groupheart_failure - groupcontrol, levels = design)
  fit <- contrasts.fit(fit, cm)
  write_fit_in(fit)
  write_eb(capture(eBayes(fit), "default"), "default")
  write_eb(capture(eBayes(fit, trend = TRUE), "trend"), "trend")
  write_eb(capture(eBayes(fit, robust = TRUE), "robust"), "robust")
  write_eb(capture(eBayes(fit, trend = TRUE, robust = TRUE), "trendrobust"), "trendrobust")
  write_eb(capture(treat(fit, lfc = log2(1.5)), "treat"), "treat")
  write_eb(capture(treat(fit, lfc = log2(1.5), robust = TRUE), "treatrobust"), "treatrobust")
  # limma 3.62+ with equal residual df: the legacy estimators, fitFDist via logmdigamma
  e366 <- new366()
  write_eb(capture(e366$eBayes(fit), "v366"), "v366")
  write_eb(capture(e366$eBayes(fit, trend = TRUE, robust = TRUE), "v366trendrobust"), "v366trendrobust")
  write_eb(capture(e366$eBayes(fit, legacy = FALSE, trend = TRUE), "v366unequal"), "v366unequal")
  write_eb(capture(e366$treat(fit, lfc = log2(1.5), robust = TRUE), "v366treatrobust"), "v366treatrobust")
} else if (case == "gse60450") {
  counts <- read.csv(gzfile(file.path("reference", "data", "gse60450", "counts.csv.gz")), row.names = 1, check.names = FALSE)
  targets <- read.csv(file.path("reference", "data", "gse60450", "targets.csv"), row.names = 1)
  y <- log2(as.matrix(counts[, rownames(targets)]) + 1)
  design <- model.matrix(~ immunophenotype + developmental_stage, data = targets)
  fit <- lmFit(y, design)
  write_fit_in(fit)
  write_eb(capture(eBayes(fit), "default"), "default")
  write_eb(capture(eBayes(fit, trend = TRUE), "trend"), "trend")
  write_eb(capture(eBayes(fit, robust = TRUE), "robust"), "robust")
  write_eb(capture(treat(fit, lfc = log2(1.5)), "treat"), "treat")
} else if (case == "synthetic") {
  set.seed(20241125)
  ngenes <- 600; nsamp <- 8
  group <- factor(rep(c("A", "B"), each = 4))
  y <- matrix(rnorm(ngenes * nsamp, sd = 0.5), ngenes, nsamp)
  y <- y + rnorm(ngenes, mean = 6, sd = 2)
  y[1:30, 5:8] <- y[1:30, 5:8] + 2
  y[31:40, ] <- y[31:40, ] * 4                      # high-variance outliers
  y[sample(ngenes * nsamp, 300)] <- NA                 # unequal residual df
  y[41, 1:3] <- NA                                     # one group with a single value
  y[42, 5:8] <- NA                                     # one group empty
  y[43, ] <- 7; y[43, 8] <- 7.5                        # tiny variance
  y[44, c(2:4, 6:8)] <- NA                             # zero residual df
  rownames(y) <- paste0("g", seq_len(ngenes))
  design <- model.matrix(~ group)
  fit <- lmFit(y, design)
  write_fit_in(fit)
  write_eb(capture(eBayes(fit), "default"), "default")
  write_eb(capture(eBayes(fit, trend = TRUE), "trend"), "trend")
  write_eb(capture(eBayes(fit, robust = TRUE), "robust"), "robust")
  write_eb(capture(eBayes(fit, trend = TRUE, robust = TRUE), "trendrobust"), "trendrobust")
  # limma 3.54's treat stops on the missing coefficient of g42 (tested as an error)
  e366 <- new366()
  write_eb(capture(e366$eBayes(fit), "v366"), "v366")
  write_eb(capture(e366$eBayes(fit, robust = TRUE), "v366robust"), "v366robust")
  write_eb(capture(e366$eBayes(fit, trend = TRUE), "v366trend"), "v366trend")
  write_eb(capture(e366$eBayes(fit, trend = TRUE, robust = TRUE), "v366trendrobust"), "v366trendrobust")
  write_eb(capture(e366$eBayes(fit, legacy = TRUE), "v366legacy"), "v366legacy")
  write_eb(capture(e366$eBayes(fit, legacy = TRUE, trend = TRUE), "v366legacytrend"), "v366legacytrend")
  write_eb(capture(e366$treat(fit, lfc = log2(1.5)), "v366treat"), "v366treat")
  # special functions on a grid
  xg <- c(1e-8, 1e-3, 0.05, 0.3, 1, 2.5, 4.99, 5, 7.3, 30, 1e3, 1e6, 2e7)
  w(trigammaInverse(xg), "trigammaInverse")
  w(statmod::logmdigamma(xg), "logmdigamma")
  w(xg, "grid")
} else if (case == "direct") {
  # the estimators called directly, on a covariate with left-out points at
  # both ends of its range (spline extrapolation) and in the middle
  set.seed(7)
  n <- 200
  cov <- sort(runif(n, 2, 12))
  x <- exp(rnorm(n, -1 + 0.1 * cov, 0.6)) * rchisq(n, 4) / 4
  x[c(20, 21)] <- x[c(20, 21)] * 40
  df1 <- rep(4, n); df1[c(1, 100, 200)] <- 0; df1[seq(5, n, by = 7)] <- 2.5
  x[50] <- NA
  w(x, "x"); w(df1, "df1"); w(cov, "cov")
  wfit <- function(f, v) {
    w(as.numeric(f$scale), paste0(v, "_scale")); w(f$df2, paste0(v, "_df2"))
    if (!is.null(f$df2.shrunk)) w(f$df2.shrunk, paste0(v, "_df2_shrunk"))
    if (!is.null(f$tail.p.value)) w(f$tail.p.value, paste0(v, "_tail_p_value"))
    if (!is.null(f$prob.outlier)) w(f$prob.outlier, paste0(v, "_prob_outlier"))
    if (!is.null(f$df2.outlier)) w(f$df2.outlier, paste0(v, "_df2_outlier"))
  }
  e366 <- new366()
  wfit(capture(limma:::fitFDist(x, df1, covariate = cov), "fd_cov"), "fd_cov")
  wfit(capture(e366$fitFDist(x, df1, covariate = cov), "fd366_cov"), "fd366_cov")
  ok <- !is.na(x) & df1 > 0
  wfit(capture(limma:::fitFDistRobustly(x[ok], df1[ok]), "fdr"), "fdr")
  wfit(capture(limma:::fitFDistRobustly(x[ok], df1[ok], covariate = cov[ok]), "fdr_cov"), "fdr_cov")
  wfit(capture(e366$fitFDistUnequalDF1(x, df1, robust = TRUE), "fdu"), "fdu")
  wfit(capture(e366$fitFDistUnequalDF1(x, df1, covariate = cov, robust = TRUE), "fdu_cov"), "fdu_cov")
  sv2 <- squeezeVar(c(0.5, 2), c(3, 3)); w(sv2$var.post, "sv2_var_post"); w(sv2$df.prior, "sv2_df_prior")
  sv2n <- e366$squeezeVar(c(0.5, 2), c(3, 3)); w(sv2n$var.post, "sv2n_var_post"); w(sv2n$df.prior, "sv2n_df_prior")
} else stop("unknown case ", case)
