# R side of Tests/LimmaTests/WeightsTests.swift: limma 3.54 loessFit,
# plotMDS, arrayWeights and voomWithQualityWeights outputs, written losslessly.
# Usage: Rscript weights.R <outdir> <task>
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
task <- args[2]
source(file.path("rscripts", "lib", "io.R"))
suppressPackageStartupMessages({ library(limma); library(edgeR) })

gse60450 <- function() {
  counts <- read.csv(gzfile(file.path("reference", "data", "gse60450", "counts.csv.gz")), row.names = 1, check.names = FALSE)
  targets <- read.csv(file.path("reference", "data", "gse60450", "targets.csv"), row.names = 1)
  list(counts = as.matrix(counts), targets = targets[colnames(counts), , drop = FALSE])
}

if (task == "loessfit") {
  set.seed(20240611)
  cases <- list()
  n <- 1000
  x <- rnorm(n); y <- sin(2 * x) + rnorm(n, sd = 0.3); w <- runif(n, 0.1, 2)
  cases$noweights <- list(x = x, y = y, w = NULL, span = 0.3, it = 4L)
  cases$weights <- list(x = x, y = y, w = w, span = 0.3, it = 4L)
  cases$weights75 <- list(x = x, y = y, w = w, span = 0.75, it = 4L)
  cases$noweights75 <- list(x = x, y = y, w = NULL, span = 0.75, it = 4L)
  xt <- round(rnorm(n), 1); yt <- xt^2 + rnorm(n)
  cases$ties <- list(x = xt, y = yt, w = w, span = 0.3, it = 4L)
  cases$tiesnoweights <- list(x = xt, y = yt, w = NULL, span = 0.3, it = 4L)
  ym <- y; ym[c(3, 50, 700)] <- NA; xm <- x; xm[c(10, 11)] <- NaN; wm <- w; wm[c(5, 6)] <- NA; wm[7] <- 0
  cases$missing <- list(x = xm, y = ym, w = wm, span = 0.3, it = 4L)
  cases$iter1 <- list(x = x, y = y, w = w, span = 0.3, it = 1L)
  cases$small <- list(x = x[1:150], y = y[1:150], w = w[1:150], span = 0.4, it = 4L)
  cases$equalw <- list(x = x, y = y, w = rep(2, n), span = 0.3, it = 4L)
  wz <- w; wz[seq(1, n, by = 3)] <- 0
  cases$zeroweights <- list(x = x, y = y, w = wz, span = 0.3, it = 4L, minw = 0)
  cases$few <- list(x = x[1:7], y = y[1:7], w = w[1:7], span = 0.3, it = 4L)
  cases$fewzero <- list(x = x[1:7], y = y[1:7], w = c(0, w[2:6], 0), span = 0.3, it = 4L, minw = 0)
  cases$one <- list(x = x[1:7], y = y[1:7], w = c(0, 0, 3, 0, 0, 0, 0), span = 0.3, it = 4L, minw = 0)
  for (nm in names(cases)) {
    cc <- cases[[nm]]
    minw <- if (is.null(cc$minw)) 1e-5 else cc$minw
    fit <- loessFit(cc$y, cc$x, weights = cc$w, span = cc$span, iterations = cc$it, min.weight = minw)
    w <- if (is.null(cc$w)) rep(NA_real_, length(cc$x)) else cc$w
    write_lossless(cbind(x = cc$x, y = cc$y, w = w, fitted = as.double(fit$fitted), residuals = as.double(fit$residuals)),
                   file.path(out, paste0("loess_", nm, ".csv")))
    write_lossless(c(span = cc$span, iterations = cc$it, null = is.null(cc$w), minw = minw), file.path(out, paste0("loessargs_", nm, ".csv")))
  }
}

if (task == "mds") {
  d <- gse60450()
  lcpm <- cpm(DGEList(d$counts), log = TRUE)
  write_lossless(lcpm, file.path(out, "lcpm.csv"))
  for (sel in c("pairwise", "common")) {
    for (dp in list(c(1, 2), c(3, 5))) {
      m <- plotMDS(lcpm, top = 500, gene.selection = sel, dim.plot = dp, plot = FALSE)
      tag <- paste0(sel, "_", dp[1], dp[2])
      write_lossless(m$eigen.values, file.path(out, paste0("mds_", tag, "_values.csv")))
      write_lossless(m$eigen.vectors, file.path(out, paste0("mds_", tag, "_vectors.csv")))
      write_lossless(m$var.explained, file.path(out, paste0("mds_", tag, "_varexp.csv")))
      write_lossless(m$distance.matrix.squared, file.path(out, paste0("mds_", tag, "_dist.csv")))
      write_lossless(cbind(x = m$x, y = m$y), file.path(out, paste0("mds_", tag, "_xy.csv")))
    }
  }
  # A small matrix with missing values and top larger than the number of rows.
  set.seed(1)
  small <- matrix(rnorm(60), 15, 4, dimnames = list(NULL, paste0("s", 1:4)))
  small[2, 3] <- NA
  write_lossless(small, file.path(out, "small.csv"))
  m <- plotMDS(small, top = 500, plot = FALSE)
  write_lossless(m$eigen.values, file.path(out, "mds_small_values.csv"))
  write_lossless(cbind(x = m$x, y = m$y), file.path(out, "mds_small_xy.csv"))
  m <- plotMDS(small, top = 5, gene.selection = "common", plot = FALSE)
  write_lossless(m$eigen.values, file.path(out, "mds_smallc_values.csv"))
  write_lossless(cbind(x = m$x, y = m$y), file.path(out, "mds_smallc_xy.csv"))
}

gse_voom <- function() {
  d <- gse60450()
  group <- factor(d$targets$group)
  design <- model.matrix(~0 + group)
  rownames(design) <- colnames(d$counts)
  dge <- DGEList(d$counts, group = group)
  keep <- filterByExpr(dge, design)
  dge <- dge[keep, , keep.lib.sizes = FALSE]
  dge <- calcNormFactors(dge)
  list(dge = dge, design = design, targets = d$targets)
}

if (task == "arrayweights") {
  g <- gse_voom()
  v <- voom(g$dge, g$design)
  write_lossless(v$E, file.path(out, "E.csv"))
  write_lossless(v$weights, file.path(out, "W.csv"), ids = rownames(v$E))
  write_lossless(g$design, file.path(out, "design.csv"))
  aw <- list()
  warn <- list()
  run <- function(name, expr) {
    ws <- character()
    val <- withCallingHandlers(expr, warning = function(w) { ws <<- c(ws, conditionMessage(w)); invokeRestart("muffleWarning") })
    aw[[name]] <<- val
    warn[[name]] <<- length(ws)
  }
  run("gbg", arrayWeights(v, g$design))
  run("reml", arrayWeights(v$E, g$design))
  run("gbgnoweights", arrayWeights(v$E[1:2000, ], g$design, method = "genebygene"))
  run("vargroup", arrayWeights(v$E[1:2000, ], g$design, var.group = g$targets$immunophenotype))
  vd <- cbind(log(v$targets$lib.size), (1:12) %% 3)
  write_lossless(vd, file.path(out, "vardesign.csv"))
  run("vardesign", arrayWeights(v$E[1:2000, ], g$design, var.design = vd))
  run("nodesign", arrayWeights(v$E[1:2000, ]))
  run("prwtsreml", arrayWeights(v[1:500, ], g$design, method = "reml"))
  run("maxiter", arrayWeights(v$E[1:2000, ], g$design, maxiter = 2))
  run("priorn", arrayWeights(v$E[1:500, ], g$design, prior.n = 3))
  Ena <- v$E[1:2000, ]
  Ena[cbind(c(1, 5, 5, 9, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20), c(1, 2, 3, 4, 1:10))] <- NA
  Ena[30, 2] <- Inf
  write_lossless(Ena, file.path(out, "Ena.csv"))
  run("na", arrayWeights(Ena, g$design))
  run("naremlmsg", arrayWeights(Ena, g$design, method = "reml"))
  Wz <- v$weights[1:2000, ]; Wz[c(2, 7), 3] <- 0
  write_lossless(Wz, file.path(out, "Wz.csv"), ids = rownames(v$E)[1:2000])
  run("zeroweights", arrayWeights(v$E[1:2000, ], g$design, weights = Wz))
  res <- do.call(cbind, aw)
  write_lossless(res, file.path(out, "aw.csv"))
  write_lossless(unlist(warn), file.path(out, "aw_warnings.csv"))
}

if (task == "vqw") {
  g <- gse_voom()
  write_lossless(g$dge$counts, file.path(out, "counts.csv"))
  write_lossless(g$design, file.path(out, "design.csv"))
  write_lossless(g$dge$samples$lib.size * g$dge$samples$norm.factors, file.path(out, "libsize.csv"))
  v <- voomWithQualityWeights(g$dge, g$design)
  write_lossless(v$E, file.path(out, "vqw_E.csv"))
  write_lossless(v$weights, file.path(out, "vqw_weights.csv"), ids = rownames(v$E))
  write_lossless(v$targets$sample.weights, file.path(out, "vqw_sw.csv"))
  # var.group and REML on the first 600 genes (prior-weight REML is slow in R).
  sub <- g$dge[1:600, ]
  v2 <- voomWithQualityWeights(sub$counts, g$design, lib.size = sub$samples$lib.size * sub$samples$norm.factors,
                               var.group = g$targets$immunophenotype, method = "reml")
  write_lossless(v2$weights, file.path(out, "vqw2_weights.csv"), ids = rownames(v2$E))
  write_lossless(v2$targets$sample.weights, file.path(out, "vqw2_sw.csv"))
  # limma 3.66 (adaptive.span = TRUE by default) is 3.54 with voom's span set
  # to chooseLowessSpan(nrow(counts), small.n = 50, min.span = 0.3, power = 1/3).
  span366 <- min(1, 0.3 + (1 - 0.3) * (50 / nrow(sub))^(1/3))
  v3 <- voomWithQualityWeights(sub$counts, g$design, lib.size = sub$samples$lib.size * sub$samples$norm.factors, span = span366)
  write_lossless(v3$weights, file.path(out, "vqw3_weights.csv"), ids = rownames(v3$E))
  write_lossless(v3$targets$sample.weights, file.path(out, "vqw3_sw.csv"))
}

if (task == "removebatch") {
  set.seed(42)
  x <- matrix(rnorm(400 * 12, mean = 6), 400, 12, dimnames = list(paste0("g", 1:400), paste0("s", 1:12)))
  x[3, 5] <- NA; x[10, ] <- NA; x[11, 1:10] <- NA
  w <- matrix(runif(400 * 12, 0.2, 2), 400, 12)
  batch <- rep(c("b", "A", "c"), 4)
  batch2 <- rep(c("x", "y"), each = 6)
  cov <- cbind(rnorm(12), 1:12)
  group <- rep(c("ctl", "trt"), times = 6)
  design <- model.matrix(~factor(group))
  write_lossless(x, file.path(out, "x.csv"))
  write_lossless(w, file.path(out, "w.csv"), ids = rownames(x))
  write_lossless(cov, file.path(out, "cov.csv"))
  write_lossless(removeBatchEffect(x, batch = batch), file.path(out, "rbe_batch.csv"))
  write_lossless(removeBatchEffect(x, batch = batch, batch2 = batch2, design = design), file.path(out, "rbe_batch2.csv"))
  write_lossless(removeBatchEffect(x, covariates = cov, design = design), file.path(out, "rbe_cov.csv"))
  write_lossless(removeBatchEffect(x, batch = batch, covariates = cov[, 1], design = design, weights = w), file.path(out, "rbe_weights.csv"))
  # limma 3.66 centres covariates and accepts group = : what 3.66 computes is
  # 3.54 given centred covariates and design = model.matrix(~group).
  ccov <- scale(cov, center = TRUE, scale = FALSE)
  write_lossless(removeBatchEffect(x, batch = batch, covariates = ccov, design = design), file.path(out, "rbe_366.csv"))
}

if (task == "dupcor") {
  g <- gse_voom()
  v <- voom(g$dge[1:1200, ], g$design)
  block <- as.character(rep(c(1, 2, 3, 4), 3))
  E <- v$E
  E[5, 3] <- NA; E[7, c(1, 2, 3, 4, 5, 6, 7)] <- NA
  write_lossless(E, file.path(out, "E.csv"))
  write_lossless(v$weights, file.path(out, "W.csv"), ids = rownames(E))
  write_lossless(g$design, file.path(out, "design.csv"))
  res <- list()
  res$block <- duplicateCorrelation(E, g$design, block = block)
  res$blockw <- duplicateCorrelation(E, g$design, block = block, weights = v$weights)
  res$blocknodesign <- duplicateCorrelation(E[1:400, ], block = block, trim = 0.3)
  set.seed(7)
  d <- matrix(rnorm(600 * 6), 600, 6) + rep(rnorm(300), each = 2)
  d[4, 2] <- NA
  write_lossless(d, file.path(out, "dups.csv"))
  dd <- cbind(1, c(0, 0, 0, 1, 1, 1))
  res$dups <- duplicateCorrelation(d, dd, ndups = 2)
  res$dupsspacing <- duplicateCorrelation(d, dd, ndups = 2, spacing = 3)
  res$dups3 <- duplicateCorrelation(d, ndups = 3)
  for (nm in names(res)) {
    write_lossless(c(consensus = res[[nm]]$consensus.correlation), file.path(out, paste0("dc_", nm, "_cons.csv")))
    write_lossless(res[[nm]]$atanh.correlations, file.path(out, paste0("dc_", nm, "_atanh.csv")))
  }
}
