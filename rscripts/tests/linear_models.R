# Live R reference for limma's lmFit / contrasts.fit (Tests/LimmaTests/LinearModelTests.swift).
# Usage: Rscript linear_models.R <outdir> <case>
# Writes the inputs it built (y, design, weights, block, contrasts) and R's outputs.
suppressPackageStartupMessages(library(limma))
source(file.path("rscripts", "lib", "io.R"))
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
case <- args[2]
w <- function(x, name) write_lossless(x, file.path(out, name))

# Runs expr collecting warnings and cat() output (lmFit prints "Coefficients not estimable" with cat).
capture <- function(expr) {
  warns <- character()
  printed <- capture.output(val <- withCallingHandlers(expr, warning = function(wn) {
    warns <<- c(warns, conditionMessage(wn)); invokeRestart("muffleWarning")
  }))
  list(value = val, messages = c(trimws(printed[nzchar(trimws(printed))]), warns))
}

write_fit <- function(fit, prefix, messages = character()) {
  w(fit$coefficients, paste0(prefix, "coefficients.csv"))
  w(fit$stdev.unscaled, paste0(prefix, "stdev.csv"))
  w(fit$sigma, paste0(prefix, "sigma.csv"))
  w(fit$df.residual, paste0(prefix, "df.csv"))
  if (!is.null(fit$Amean)) w(fit$Amean, paste0(prefix, "Amean.csv"))
  w(fit$cov.coefficients, paste0(prefix, "cov.csv"))
  if (!is.null(fit$pivot)) w(fit$pivot, paste0(prefix, "pivot.csv"))
  if (!is.null(fit$rank)) w(fit$rank, paste0(prefix, "rank.csv"))
  writeLines(messages, file.path(out, paste0(prefix, "messages.txt")))
}

fit_and_write <- function(y, design, prefix = "", ...) {
  r <- capture(lmFit(y, design, ...))
  write_fit(r$value, prefix, r$messages)
  r$value
}

contrast_and_write <- function(fit, cm, prefix) {
  w(cm, paste0(prefix, "contrasts.csv"))
  r <- capture(contrasts.fit(fit, cm))
  write_fit(r$value, prefix, r$messages)
  r$value
}

set.seed(20240601)
if (case == "mulvey") {
  x <- read.csv(gzfile("reference/data/mulvey/proteome.csv.gz"), row.names = 1, check.names = FALSE)
  y <- as.matrix(x[, -(1:4)])
  targets <- read.csv("reference/data/mulvey/targets.csv", row.names = 1)
  group <- factor(targets[colnames(y), "group"])
  design <- model.matrix(~0 + group)
  rownames(design) <- colnames(y)
  w(design, "design.csv")
  fit <- fit_and_write(y, design)
  cm <- makeContrasts(HFvsCtrl = groupheart_failure - groupcontrol, levels = design)
  contrast_and_write(fit, cm, "c_")
} else if (case == "gse60450") {
  x <- read.csv(gzfile("reference/data/gse60450/counts.csv.gz"), row.names = 1, check.names = FALSE)
  y <- log2(as.matrix(x) + 1)
  targets <- read.csv("reference/data/gse60450/targets.csv", row.names = 1)
  targets <- targets[colnames(y), ]
  design <- model.matrix(~immunophenotype + developmental_stage, data = targets)
  rownames(design) <- colnames(y)
  w(design, "design.csv")
  fit <- fit_and_write(y, design)
  # Non-orthogonal contrasts (an additive design's coefficients are correlated).
  cm <- cbind(PvsV = c(0, 0, 1, -1), LumPlusP = c(0, 1, 1, 0))
  rownames(cm) <- colnames(design)
  contrast_and_write(fit, cm, "c_")
  # A subset of rows to check the contrast code on small numbers too.
  w(y[1:5, ], "y_head.csv")
} else if (case == "missing") {
  ng <- 300; n <- 10
  group <- factor(rep(c("A", "B", "C"), c(3, 3, 4)))
  xcov <- round(rnorm(n), 3)
  design <- model.matrix(~group + xcov)
  y <- matrix(rnorm(ng * n, mean = 5), ng, n, dimnames = list(paste0("g", 1:ng), paste0("s", 1:n)))
  y[sample(length(y), 400)] <- NA
  y[5, ] <- NA                      # all missing
  y[6, -c(2)] <- NA                 # one observation
  y[7, -c(1, 4, 7, 8)] <- NA        # four observations
  y[8, 1:3] <- NA                   # group A absent: partial NA coefficients
  y[9, 4:10] <- NA                  # only group A: rank 1
  y[10, c(1, 2, 3, 4, 5, 6)] <- NA
  w(y, "y.csv"); w(design, "design.csv")
  fit <- fit_and_write(y, design)
  cm <- cbind(BvsA = c(0, 1, 0, 0), CvsB = c(0, -1, 1, 0))
  rownames(cm) <- colnames(design)
  contrast_and_write(fit, cm, "c_")
} else if (case == "weights") {
  ng <- 200; n <- 8
  group <- factor(rep(c("A", "B"), each = 4))
  design <- model.matrix(~group)
  y <- matrix(rnorm(ng * n), ng, n, dimnames = list(paste0("g", 1:ng), NULL))
  wt <- matrix(rexp(ng * n), ng, n)
  wt[sample(length(wt), 60)] <- 0
  wt[3, 1:4] <- 0                   # group A gone -> partial NA
  wt[4, ] <- 0                      # all zero weights
  wt[5, 2] <- NA; wt[6, 3] <- -1    # missing and negative weights: observation dropped
  y[sample(length(y), 50)] <- NA
  w(y, "y.csv"); w(design, "design.csv"); w(wt, "weights.csv")
  fit <- fit_and_write(y, design, weights = wt)
  cm <- cbind(B = c(0, 1), Sum = c(1, 1))
  rownames(cm) <- colnames(design)
  contrast_and_write(fit, cm, "c_")
  # Array weights (a vector): the one-QR weighted path.
  aw <- c(0.5, 1, 2, 1.5, 0.8, 1.2, 3, 0.25)
  w(aw, "arrayweights.csv")
  y2 <- y; y2[is.na(y2)] <- 0
  w(y2, "y2.csv")
  fit_and_write(y2, design, prefix = "aw_", weights = aw)
  # Array weights with missing values: per-gene weighted path.
  fit_and_write(y, design, prefix = "awna_", weights = aw)
} else if (case == "rankdef") {
  ng <- 60; n <- 9
  group <- factor(rep(c("A", "B", "C"), each = 3))
  d0 <- model.matrix(~group)
  design <- cbind(d0, dup = d0[, 2], lc = d0[, 2] + d0[, 3])   # duplicated and linear-combination columns
  design <- design[, c(1, 4, 2, 5, 3)]                       # non-estimable columns in the middle
  y <- matrix(rnorm(ng * n, 3), ng, n, dimnames = list(paste0("g", 1:ng), paste0("s", 1:n)))
  w(design, "design.csv"); w(y, "y.csv")
  fit <- fit_and_write(y, design)
  # qr() itself and qr.coef / qr.qty / qr.resid on one response.
  q <- qr(design)
  w(q$qr, "qr_qr.csv"); w(q$qraux, "qr_qraux.csv")
  w(cbind(coef = qr.coef(q, y[1, ]), pos = seq_len(ncol(design))), "qr_coef.csv")
  w(cbind(qty = qr.qty(q, y[1, ]), resid = qr.resid(q, y[1, ])), "qr_qty.csv")
  est <- fit$pivot[1:fit$rank]
  cm2 <- matrix(0, ncol(design), 2, dimnames = list(colnames(design), c("E1", "E2")))
  cm2[est[2], 1] <- 1; cm2[est[3], 2] <- 1; cm2[est[2], 2] <- -1
  contrast_and_write(fit, cm2, "c_")
  # fit[, j] on a rank-deficient fit: cov.coefficients rows via the pivot.
  r <- capture(contrasts.fit(fit, coefficients = sort(est[c(3, 1)])))
  write_fit(r$value, "s_", r$messages)
  w(sort(est[c(3, 1)]), "s_index.csv")
  # With missing values: per-gene path on the rank-deficient design.
  y2 <- y; y2[sample(length(y2), 40)] <- NA; y2[2, 1:3] <- NA
  w(y2, "y2.csv")
  fit_and_write(y2, design, prefix = "na_")
} else if (case == "interaction") {
  ng <- 100; n <- 12
  group <- factor(rep(c("ctl", "trt"), 6))
  dose <- c(0.5, 1.25, 2, 3.5, 0.75, 1, 2.25, 4, 0.1, 5, 2.5, 3)
  design <- model.matrix(~group * dose)
  y <- matrix(rnorm(ng * n, 8, 2), ng, n)
  w(design, "design.csv"); w(y, "y.csv")
  fit <- fit_and_write(y, design)
  cm <- cbind(slopeDiff = c(0, 0, 0, 1), trtAt2 = c(0, 1, 0, 2))
  rownames(cm) <- colnames(design)
  contrast_and_write(fit, cm, "c_")
  # Subsetting to coefficients 2 and 4 (fit[, c(2, 4)]).
  r <- capture(contrasts.fit(fit, coefficients = c(2, 4)))
  write_fit(r$value, "s_", r$messages)
  w(r$value$contrasts, "s_contrasts_out.csv")
  # The same subset of an eBayes fit: F and F.p.value recomputed for the kept coefficients.
  eb <- eBayes(fit)
  w(eb$t, "eb_t.csv"); w(eb$df.prior, "eb_dfprior.csv"); w(eb$F, "eb_F.csv"); w(eb$F.p.value, "eb_Fp.csv")
  ebs <- eb[, c(2, 4)]
  w(ebs$F, "ebs_F.csv"); w(ebs$F.p.value, "ebs_Fp.csv")
  # Contrast row names that differ from the coefficient names: R warns.
  cm2 <- cm; rownames(cm2)[1] <- "Intercept"
  r <- capture(contrasts.fit(fit, cm2))
  write_fit(r$value, "m_", r$messages)
  # No cov.coefficients: assumed orthogonal, with a warning.
  fit0 <- fit; fit0$cov.coefficients <- NULL
  r <- capture(contrasts.fit(fit0, cm))
  write_fit(r$value, "nc_", r$messages)
  # A single gene (lm.fit drops y to a vector: mean() rather than colMeans()).
  fit_and_write(y[1, , drop = FALSE], design, prefix = "one_")
} else if (case == "robust") {
  ng <- 120; n <- 10
  group <- factor(rep(c("A", "B"), each = 5))
  xcov <- seq(-1, 1, length.out = n)
  design <- model.matrix(~group + xcov)
  y <- matrix(rnorm(ng * n), ng, n, dimnames = list(paste0("g", 1:ng), NULL))
  ol <- sample(length(y), 60); y[ol] <- y[ol] + rnorm(60, 0, 8)   # outliers
  y[sample(length(y), 50)] <- NA
  y[3, 1:7] <- NA                     # too few observations: left NA
  y[4, ] <- c(1, 1, 1, 1, 1, 2, 2, 2, 2, 2) # exact fit: scale near zero
  y[5, c(3:6, 9:10)] <- NA            # four observations, one more than coefficients
  w(design, "design.csv"); w(y, "y.csv")
  fit_and_write(y, design, method = "robust")
  wt <- matrix(rexp(ng * n), ng, n); wt[sample(length(wt), 40)] <- 0
  w(wt, "weights.csv")
  fit_and_write(y, design, prefix = "w_", weights = wt, method = "robust")
  ys <- y[1:3, ]; ys[1, 6:10] <- NA  # group B absent: rlm refuses a singular design
  w(ys, "ys.csv")
} else if (case == "gls") {
  ng <- 80; n <- 12
  group <- factor(rep(c("A", "B"), 6))
  block <- rep(1:4, each = 3)
  design <- model.matrix(~group)
  y <- matrix(rnorm(ng * n), ng, n, dimnames = list(paste0("g", 1:ng), NULL))
  w(design, "design.csv"); w(y, "y.csv"); w(block, "block.csv")
  fit <- fit_and_write(y, design, block = block, correlation = 0.3)
  cm <- cbind(B = c(0, 1), Sum = c(1, 1))
  rownames(cm) <- colnames(design)
  contrast_and_write(fit, cm, "c_")
  # Per-gene GLS: missing values.
  y2 <- y; y2[sample(length(y2), 60)] <- NA; y2[3, -5] <- NA; y2[4, ] <- NA
  w(y2, "y2.csv")
  fit_and_write(y2, design, prefix = "na_", block = block, correlation = 0.3)
  # Probe weights, and array weights.
  wt <- matrix(rexp(ng * n), ng, n)
  wt[sample(length(wt), 30)] <- 0
  wt[7, 1] <- NA; wt[8, 2] <- 1e-16  # NA weight -> 0; weights below 1e-15 drop the observation
  w(wt, "weights.csv")
  fit_and_write(y, design, prefix = "w_", block = block, correlation = 0.3, weights = wt)
  aw <- c(1, 2, 0.5, 1, 1.5, 0.7, 1.1, 0.9, 2.2, 1, 0.6, 1.3)
  w(aw, "arrayweights.csv")
  fit_and_write(y, design, prefix = "aw_", block = block, correlation = 0.3, weights = aw)
  # Design with an all-zero column among the observed rows of a gene.
  d2 <- cbind(design, z = c(rep(0, 6), rnorm(6)))
  w(d2, "design2.csv")
  y3 <- y[1:20, ]; y3[1, 7:12] <- NA; y3[2, 7:11] <- NA
  w(y3, "y3.csv")
  fit_and_write(y3, d2, prefix = "z_", block = block, correlation = -0.2)
} else if (case == "dups") {
  # duplicateCorrelation: intra-block correlation (with weights, missing values,
  # genes too sparse to fit) and duplicate spots (ndups, spacing).
  ng <- 120; n <- 10
  group <- factor(rep(c("A", "B"), 5))
  block <- c(1, 1, 2, 2, 3, 3, 4, 4, 5, 5)
  design <- model.matrix(~group)
  u <- matrix(rnorm(ng * 5, sd = 0.7), ng, 5)
  y <- matrix(rnorm(ng * n), ng, n) + u[, block] + outer(rep(1, ng), as.numeric(group == "B"))
  y[sample(length(y), 40)] <- NA
  y[5, 1:7] <- NA  # too few observations: NA correlation
  wt <- matrix(rexp(ng * n) + 0.1, ng, n)
  wt[sample(length(wt), 10)] <- 0
  w(design, "design.csv"); w(y, "y.csv"); w(block, "block.csv"); w(wt, "weights.csv")
  dc <- duplicateCorrelation(y, design, block = block)
  w(dc$consensus.correlation, "b_cor.csv"); w(dc$atanh.correlations, "b_atanh.csv")
  dc <- duplicateCorrelation(y, design, block = block, weights = wt)
  w(dc$consensus.correlation, "bw_cor.csv"); w(dc$atanh.correlations, "bw_atanh.csv")
  # Duplicate spots: 2 copies 3 rows apart.
  y2 <- y[1:96, ]
  dc <- duplicateCorrelation(y2, design, ndups = 2, spacing = 3, weights = wt[1:96, ])
  w(dc$consensus.correlation, "dw_cor.csv"); w(dc$atanh.correlations, "dw_atanh.csv")
} else {
  stop("unknown case ", case)
}
