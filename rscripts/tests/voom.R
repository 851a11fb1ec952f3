# R's outputs for the RNA-seq front end tests (Tests/LimmaTests/VoomTests.swift):
# edgeR cpm / filterByExpr / calcNormFactors, stats lowess / approxfun,
# limma normalizeQuantiles / voom.
# Usage: Rscript voom.R OUTDIR MODE   (MODE: edger, smooth, voom-gse, voom-pasilla)
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
mode <- args[2]
source(file.path("rscripts", "lib", "io.R"))
suppressPackageStartupMessages({ library(limma); library(edgeR) })
w <- function(x, name) write_lossless(x, file.path(out, name))

read_counts <- function(path) as.matrix(read.csv(path, row.names = 1, check.names = FALSE))
read_targets <- function(path) read.csv(path, row.names = 1, check.names = FALSE)

gse_counts <- function() read_counts("reference/data/gse60450/counts.csv.gz")
gse_targets <- function() read_targets("reference/data/gse60450/targets.csv")

write_voom <- function(v, prefix) {
  w(v$E, paste0(prefix, ".E.csv"))
  w(v$weights, paste0(prefix, ".weights.csv"))
  w(v$targets$lib.size, paste0(prefix, ".lib.size.csv"))
  if (!is.null(v$voom.xy)) {
    w(cbind(x = v$voom.xy$x, y = v$voom.xy$y), paste0(prefix, ".voom.xy.csv"))
    w(cbind(x = v$voom.line$x, y = v$voom.line$y), paste0(prefix, ".voom.line.csv"))
  }
}

if (mode == "edger") {
  counts <- gse_counts()
  targets <- gse_targets()
  y <- DGEList(counts)
  w(cpm(y), "cpm.raw.csv")
  w(cpm(y, log = TRUE, prior.count = 0.5)[1:3000, ], "cpm.log05.csv")
  yt <- calcNormFactors(y)
  w(cpm(yt, log = TRUE), "cpm.log.tmm.csv")
  w(cpm(yt, normalized.lib.sizes = FALSE, log = TRUE)[1:3000, ], "cpm.log.unnorm.csv")
  # filterByExpr
  d1 <- model.matrix(~0 + immunophenotype, targets)
  d2 <- model.matrix(~immunophenotype + developmental_stage, targets)
  w(d1, "design1.csv")
  w(d2, "design2.csv")
  keep <- cbind(
    group = filterByExpr(y, group = targets$immunophenotype),
    group6 = filterByExpr(y, group = targets$group),
    design1 = filterByExpr(y, design = d1),
    design2 = filterByExpr(y, design = d2),
    none = suppressWarnings(suppressMessages(filterByExpr(y))),
    tmm = filterByExpr(yt, group = targets$immunophenotype),
    large = filterByExpr(y, min.count = 5, min.total.count = 30, large.n = 3, min.prop = 0.5)
  ) * 1
  w(keep, "keep.csv")
  # calcNormFactors on the full counts (all-zero rows, many zeros)
  nf <- function(...) calcNormFactors(y, ...)$samples$norm.factors
  yf <- y[filterByExpr(y, group = targets$immunophenotype), , keep.lib.sizes = FALSE]
  w(yf$samples$lib.size, "filtered.lib.size.csv")
  nff <- function(...) calcNormFactors(yf, ...)$samples$norm.factors
  w(cbind(TMM = nf(), TMMwsp = nf(method = "TMMwsp"), RLE = nf(method = "RLE"),
          upperquartile = nf(method = "upperquartile"), none = nf(method = "none"),
          TMMnoweight = nf(doWeighting = FALSE), TMMref3 = nf(refColumn = 3),
          TMMwspnoweight = nf(method = "TMMwsp", doWeighting = FALSE),
          TMMtrim = nf(logratioTrim = 0.2, sumTrim = 0.1, Acutoff = -20),
          uq90 = nf(method = "upperquartile", p = 0.9),
          fTMM = nff(), fTMMwsp = nff(method = "TMMwsp"), fRLE = nff(method = "RLE"),
          fupperquartile = nff(method = "upperquartile")), "normfactors.csv")
} else if (mode == "smooth") {
  set.seed(20240601)
  cases <- list()
  add <- function(name, x, y, f = 2/3, iter = 3L, delta = NULL) {
    l <- if (is.null(delta)) lowess(x, y, f = f, iter = iter) else lowess(x, y, f = f, iter = iter, delta = delta)
    w(cbind(x = x, y = y), paste0("lowess.", name, ".in.csv"))
    w(cbind(x = l$x, y = l$y), paste0("lowess.", name, ".out.csv"))
    cases[[length(cases) + 1]] <<- data.frame(name = name, f = f, iter = iter,
                                              delta = if (is.null(delta)) NA else delta)
  }
  x <- rnorm(200); y <- sin(x) + rnorm(200, sd = 0.3)
  add("basic", x, y)
  add("ties", rep(round(rnorm(40), 1), each = 3), rnorm(120))
  add("delta", x, y, f = 0.3, delta = 0.5)
  add("delta0", x, y, f = 0.2, delta = 0)
  add("n2", c(2, 1), c(5, 3))
  add("n3", c(3, 1, 2), c(1, 4, 2))
  add("n5", c(1, 2, 2, 4, 7), c(3, 1, 4, 1, 5), f = 0.5)
  add("iter0", x, y, iter = 0L)
  add("fsmall", x, y, f = 0.01)
  add("fbig", x, y, f = 2)
  add("consty", x, rep(1.5, 200))
  add("outliers", 1:60, c(1:57, 500, -300, 58) + rnorm(60, sd = 0.01), f = 0.4)
  add("samex", rep(2, 6), c(1, 2, 3, 4, 5, 7))
  add("steps", sort(sample(1:8, 50, replace = TRUE)), rnorm(50), f = 0.25, delta = 1)
  write_lossless_df(do.call(rbind, cases), file.path(out, "lowess.cases.csv"))
  # approxfun, rule 2, ties averaged, unsorted x
  ax <- c(3, 1, 2, 2, 5, 1, 4, 2)
  ay <- c(10, 0.1, 7, 3, -2, 0.3, 1, 4.5)
  xout <- c(-1, 1, 1.5, 2, 2.25, 3.999, 4, 5, 6, NA)
  w(cbind(x = ax, y = ay), "approx.in.csv")
  w(cbind(xout = xout, rule2 = approxfun(ax, ay, rule = 2)(xout),
          rule1 = approxfun(ax, ay)(xout)), "approx.out.csv")
  # chooseLowessSpan (limma 3.66's function body, which 3.54 lacks)
  cls <- function(n = 1000, small.n = 50, min.span = 0.3, power = 1/3)
    pmin(min.span + (1 - min.span) * (small.n / n)^power, 1)
  ns <- c(10, 50, 51, 1000, 14599, 27179, 15000)
  w(cbind(n = ns, span = cls(ns), span2 = cls(ns, small.n = 500, min.span = 0.5, power = 0.5)), "span.csv")
  # normalizeQuantiles with ties and missing values
  A <- matrix(round(rnorm(60, 5, 2)), 15, 4)
  A[c(2, 7), 2] <- NA
  A[11, 4] <- NA
  w(A, "nq.in.csv")
  w(normalizeQuantiles(A), "nq.out.csv")
  w(normalizeBetweenArrays(abs(A) + 1, method = "scale"), "scale.out.csv")
  # normalizeCyclicLoess, every method, with and without gene weights
  a0 <- rnorm(300, 8, 2)
  B <- cbind(a0, a0 + 0.1 * a0, a0 - 0.3 + rnorm(300, sd = 0.2), a0 + sin(a0)) + rnorm(1200, sd = 0.3)
  gw <- runif(300, 0.2, 2)
  w(B, "cl.in.csv")
  w(gw, "cl.weights.csv")
  w(cbind(fast = normalizeBetweenArrays(B, method = "cyclicloess"),
          affy = normalizeCyclicLoess(B, method = "affy", iterations = 2),
          pairs = normalizeCyclicLoess(B, method = "pairs", span = 0.5),
          wfast = normalizeCyclicLoess(B, weights = gw)), "cl.out.csv")
} else if (mode == "voom-gse") {
  counts <- gse_counts()
  targets <- gse_targets()
  design <- model.matrix(~0 + immunophenotype, targets)
  w(design, "design.csv")
  y <- DGEList(counts)
  keep <- filterByExpr(y, group = targets$immunophenotype)
  y <- y[keep, , keep.lib.sizes = FALSE]
  y <- calcNormFactors(y)
  w(keep * 1, "keep.csv")
  w(y$samples$norm.factors, "norm.factors.csv")
  write_voom(voom(y, design, save.plot = TRUE), "tutorial")
  # limma 3.66 adaptive span, through 3.54 with the span 3.66 chooses
  span <- min(1, 0.3 + 0.7 * (50 / nrow(y))^(1/3))
  w(span, "adaptive.span.csv")
  write_voom(voom(y, design, span = span, save.plot = TRUE), "adaptive")
  # unfiltered counts matrix (all-zero genes, column-sum library sizes)
  write_voom(voom(counts, design, save.plot = TRUE), "unfiltered")
  # 3.66's adaptive span counts the all-zero genes too
  w(min(1, 0.3 + 0.7 * (50 / nrow(counts))^(1/3)), "unfiltered.adaptive.span.csv")
  write_voom(voom(counts[1:5000, ], design, lib.size = colSums(counts), span = min(1, 0.3 + 0.7 * (50 / 5000)^(1/3)),
                  save.plot = TRUE), "unfiltered.adaptive")
  # prior observation weights
  set.seed(7)
  pw <- matrix(runif(2000 * 12, 0.5, 2), 2000, 12)
  w(pw, "prior.weights.csv")
  write_voom(voom(y[1:2000, ], design, weights = pw, save.plot = TRUE), "weighted")
  # rank-deficient design (a redundant column), block + correlation
  d3 <- cbind(design, both = 1)
  w(d3, "design.deficient.csv")
  write_voom(suppressMessages(voom(y, d3, save.plot = TRUE)), "deficient")
  write_voom(voom(y, design, block = targets$developmental_stage, correlation = 0.3, save.plot = TRUE), "block")
  # non-integer counts are accepted
  write_voom(voom(counts[1:2000, ] * 0.73 + 0.2, design, save.plot = TRUE), "nonint")
} else if (mode == "voom-pasilla") {
  counts <- read_counts("reference/data/pasilla/counts.csv.gz")
  targets <- read_targets("reference/data/pasilla/targets.csv")
  design <- model.matrix(~type + condition, targets)
  w(design, "design.csv")
  y <- DGEList(counts)
  write_voom(voom(y, design, normalize.method = "quantile", save.plot = TRUE), "quantile")
  write_voom(voom(y, design, normalize.method = "scale", save.plot = TRUE), "scale")
  span <- min(1, 0.3 + 0.7 * (50 / nrow(y))^(1/3))
  write_voom(voom(y, design, normalize.method = "quantile", span = span, save.plot = TRUE), "adaptive")
  w(span, "adaptive.span.csv")
  write_voom(voom(y[1:4000, ], design, normalize.method = "cyclicloess", save.plot = TRUE), "cyclicloess")
  # Quantile normalisation of counts that are not all whole numbers below
  # 2^32: fractional counts in sample 2, counts above 4096 in sample 3, one
  # count of 2^33 in sample 4.
  mixed <- counts[1:3000, ]
  mixed[, 2] <- mixed[, 2] * 0.73 + 0.2
  mixed[, 3] <- mixed[, 3] * 5000
  mixed[1, 4] <- 2^33
  write_voom(voom(mixed, design, normalize.method = "quantile", save.plot = TRUE), "quantile.mixed")
  w(normalizeBetweenArrays(log2(counts + 1), method = "quantile"), "nq.csv")
} else {
  stop("unknown mode ", mode)
}
