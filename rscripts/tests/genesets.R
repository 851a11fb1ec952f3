# R's gene set tests for the GeneSets tests (camera, fry, roast, mroast) and
# R's default random number generator.
# Usage: Rscript genesets.R OUTDIR MODE   (MODE: rng, gse)
# rng: uniforms and normals after set.seed, as rng_*.csv.
# gse: GSE60450 log2(counts + 1), design ~0 + immunophenotype, contrast
#      luminal - basal; gene sets (index.csv: id = set name, x = 1-based gene
#      index, in set order) and each call's table (<call>.csv, Direction first).
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
mode <- args[2]
source(file.path("rscripts", "lib", "io.R"))
suppressPackageStartupMessages(library(limma))
f <- function(name) file.path(out, paste0(name, ".csv"))

if (mode == "rng") {
  set.seed(42); write_lossless(runif(10), f("rng_unif42"))
  write_lossless(rnorm(10), f("rng_norm42"))          # continues the same stream
  set.seed(-123); write_lossless(rnorm(700), f("rng_norm_m123"))
  set.seed(2147483647); write_lossless(runif(1300), f("rng_unif_max"))
  set.seed(0); write_lossless(rnorm(5), f("rng_norm0"))
  set.seed(42)
  write_lossless(c(sample(100, 10), sample(27179, 20), sample(5), sample(10, 3, replace = TRUE), sample(70000, 1),
                   sample(2^20 + 3, 4)), f("rng_sample"))
}

if (mode == "gse") {
  counts <- as.matrix(read.csv(gzfile("reference/data/gse60450/counts.csv.gz"), row.names = 1, check.names = FALSE))
  targets <- read.csv("reference/data/gse60450/targets.csv", row.names = 1)
  y <- log2(counts + 1)
  G <- nrow(y)
  design <- model.matrix(~0 + immunophenotype, targets)
  contr <- c(-1, 1)   # luminal - basal

  # Gene sets, deterministic.
  v <- apply(y, 1, var)
  lfc <- rowMeans(y[, targets$immunophenotype == "luminal"]) - rowMeans(y[, targets$immunophenotype == "basal"])
  index <- list(
    every50 = seq(1, G, by = 50),
    topvar100 = order(v, decreasing = TRUE)[1:100],
    up30 = order(lfc, decreasing = TRUE)[1:30],
    down40 = order(lfc)[1:40],
    single = order(v, decreasing = TRUE)[7],
    pair = c(11, 5000))
  set.seed(7)
  for (k in 1:8) index[[paste0("rand", k)]] <- sample(G, sample(5:200, 1))
  idx <- data.frame(x = unlist(index, use.names = FALSE))
  write_lossless(as.matrix(idx), f("index"), ids = rep(names(index), lengths(index)))

  wtab <- function(tab, name) {
    tab <- tab[, c("Direction", setdiff(names(tab), "Direction")), drop = FALSE]
    write_lossless_df(tab, f(name))
  }
  wtab(camera(y, index, design, contrast = contr), "camera_default")
  wtab(camera(y, index, design, contrast = contr, inter.gene.cor = NA), "camera_na")
  wtab(camera(y, index, design, contrast = contr, use.ranks = TRUE), "camera_ranks")
  wtab(camera(y, index, design, contrast = contr, use.ranks = TRUE, inter.gene.cor = NA), "camera_ranks_na")
  wtab(camera(y, index, design, contrast = contr, inter.gene.cor = NA, allow.neg.cor = TRUE, sort = FALSE), "camera_neg_unsorted")
  wtab(camera(y, index, design, contrast = 2), "camera_coef2")
  wtab(camera(y, index, design, contrast = contr, trend.var = TRUE), "camera_trend")
  write_lossless(unlist(interGeneCorrelation(y[index$topvar100, ], design)), f("igc_topvar100"))
  write_lossless(unname(lfc), f("pr_stat"))
  gst <- c(geneSetTest(index$up30, lfc), geneSetTest(index$up30, lfc, alternative = "up"),
           geneSetTest(index$rand1, lfc, alternative = "down"), geneSetTest(index$rand4, lfc, alternative = "either"),
           wilcoxGST(index$every50, abs(lfc)), geneSetTest(index$pair, lfc, type = "f"))
  set.seed(3)
  gst <- c(gst, geneSetTest(index$rand1, lfc, ranks.only = FALSE, nsim = 999),
           geneSetTest(index$rand2, lfc, alternative = "either", ranks.only = FALSE, nsim = 999),
           geneSetTest(index$up30, lfc, alternative = "down", ranks.only = FALSE, nsim = 499))
  write_lossless(gst, f("gst"))
  wtab(cameraPR(lfc, index), "camerapr_default")
  wtab(cameraPR(lfc, index, use.ranks = TRUE, sort = FALSE), "camerapr_ranks")
  wtab(cameraPR(lfc, index, inter.gene.cor = seq(-0.05, 0.3, length.out = length(index))), "camerapr_vec")
  wtab(cameraPR(lfc, index["up30"], use.ranks = TRUE, inter.gene.cor = 0.2), "camerapr_one")

  wtab(fry(y, index, design, contrast = contr), "fry_default")
  wtab(fry(y, index, design, contrast = contr, sort = "mixed"), "fry_mixed")
  wtab(fry(y, index, design, contrast = 2, sort = "none"), "fry_coef2")
  wtab(fry(y, index["up30"], design, contrast = contr), "fry_one")

  set.seed(1)
  r <- roast(y, index$up30, design, contrast = contr, nrot = 999)
  write_lossless(as.matrix(r$p.value), f("roast_up30"))
  set.seed(1)
  r <- roast(y, index$every50, design, contrast = contr, nrot = 999, set.statistic = "msq")
  write_lossless(as.matrix(r$p.value), f("roast_every50_msq"))
  for (st in c("mean", "floormean", "mean50", "msq")) {
    set.seed(1)
    wtab(mroast(y, index, design, contrast = contr, nrot = 999, set.statistic = st), paste0("mroast_", st))
  }
  set.seed(1)
  wtab(mroast(y, index, design, contrast = contr, nrot = 2500, sort = "none", midp = FALSE), "mroast_chunks")
}

if (mode == "options") {
  # The optional arguments, on 3000 expressed genes of GSE60450.
  counts <- as.matrix(read.csv(gzfile("reference/data/gse60450/counts.csv.gz"), row.names = 1, check.names = FALSE))
  targets <- read.csv("reference/data/gse60450/targets.csv", row.names = 1)
  keep <- which(rowSums(counts >= 10) >= 6)[1:3000]
  y <- log2(counts[keep, ] + 1)
  G <- nrow(y); n <- ncol(y)
  write_lossless(keep, f("keep"))
  design <- model.matrix(~0 + immunophenotype, targets)
  contr <- c(-1, 1)
  set.seed(11)
  index <- list(a = sample(G, 40), b = sample(G, 150), c = order(abs(rowMeans(y[, 7:12]) - rowMeans(y[, 1:6])), decreasing = TRUE)[1:25],
                d = sample(G, 3))
  idx <- data.frame(x = unlist(index, use.names = FALSE))
  write_lossless(as.matrix(idx), f("index"), ids = rep(names(index), lengths(index)))
  aw <- c(1, 2, 0.5, 1, 1, 1.5, 0.8, 1, 1, 2, 1, 1)
  W <- matrix(runif(G * n, 0.5, 2), G, n)
  write_lossless(W, f("W"))
  gw <- round(rnorm(G), 2)
  write_lossless(gw, f("gw"))
  block <- targets$developmental_stage
  wtab <- function(tab, name) {
    tab <- tab[, c("Direction", setdiff(names(tab), "Direction")), drop = FALSE]
    write_lossless_df(tab, f(name))
  }
  wtab(camera(y, index, design, contrast = contr, weights = aw), "camera_aw")
  wtab(camera(y, index, design, contrast = contr, weights = W, inter.gene.cor = NA), "camera_W")
  wtab(camera(new("EList", list(E = y, weights = W, design = design)), index), "camera_elist")
  wtab(fry(y, index, design, contrast = contr, array.weights = aw), "fry_aw")
  wtab(fry(y, index, design, contrast = contr, weights = W, trend.var = TRUE), "fry_W_trend")
  wtab(fry(y, index, design, contrast = contr, block = block, correlation = 0.3, robust = TRUE), "fry_block_robust")
  wtab(fry(y, index, design, contrast = contr, block = block, correlation = 0.3, weights = W), "fry_block_W")
  wtab(fry(y, index, design, contrast = contr, standardize = "none", gene.weights = gw), "fry_none_gw")
  wtab(fry(y, index, design, contrast = contr, standardize = "residual.sd"), "fry_residual")
  wtab(fry(y, index, design, contrast = contr, standardize = "p2", robust = TRUE), "fry_p2_robust")
  set.seed(2)
  r <- roast(y, index$b, design, contrast = contr, nrot = 999, gene.weights = gw[index$b], legacy = TRUE)
  write_lossless(as.matrix(r$p.value), f("roast_gw_legacy"))
  set.seed(3)
  r <- roast(y, index$a, design, contrast = contr, nrot = 999, approx.zscore = FALSE, var.prior = 0.05, df.prior = 4,
             set.statistic = "floormean")
  write_lossless(as.matrix(r$p.value), f("roast_exact_prior"))
  set.seed(4)
  wtab(mroast(y, index, design, contrast = contr, nrot = 2500, set.statistic = "msq", gene.weights = gw, trend = TRUE,
              robust = TRUE), "mroast_msq_gw_robust")
  set.seed(5)
  wtab(mroast(y, index, design, contrast = contr, nrot = 999, set.statistic = "mean50", gene.weights = gw,
              array.weights = aw, sort = "mixed"), "mroast_mean50_gw_aw")
  set.seed(7); write_lossless(romer(y, index, design, contrast = contr, nrot = 99), f("romer_mean"))
  set.seed(8); write_lossless(romer(y, index, design, contrast = 2, nrot = 99, set.statistic = "floormean"), f("romer_floormean"))
  set.seed(9); write_lossless(romer(y, index, design, contrast = contr, nrot = 99, set.statistic = "mean50",
                                    array.weights = aw), f("romer_mean50_aw"))
  set.seed(10); write_lossless(romer(y, index, design, contrast = contr, nrot = 99, shrink.resid = FALSE,
                                     block = block, correlation = 0.3), f("romer_block_noshrink"))
  set.seed(6)
  wtab(mroast(y, index, design, contrast = contr, nrot = 999, set.statistic = "floormean", gene.weights = gw,
              block = block, correlation = 0.3, weights = W, midp = FALSE), "mroast_floor_block_W")
}

if (mode == "diffsplice") {
  # diffSplice on pasilla log2(counts + 1) as if its genes were the exons of
  # random pseudo-genes (1 to 8 exons, shuffled so a gene's exons are apart).
  counts <- as.matrix(read.csv(gzfile("reference/data/pasilla/counts.csv.gz"), row.names = 1, check.names = FALSE))
  targets <- read.csv("reference/data/pasilla/targets.csv", row.names = 1)
  keep <- which(rowSums(counts >= 10) >= 3)[1:4000]
  y <- log2(counts[keep, ] + 1)
  design <- model.matrix(~condition + type, targets)
  fit <- lmFit(y, design)
  set.seed(9)
  sizes <- sample(1:8, 2000, replace = TRUE)
  sizes <- sizes[cumsum(sizes) <= 4000]
  sizes <- c(sizes, 4000 - sum(sizes))
  sizes <- sizes[sizes > 0]
  geneid <- sprintf("g%04d", rep(seq_along(sizes), sizes))[sample(4000)]
  exonid <- sprintf("e%05d", sample(4000))
  write_lossless_df(data.frame(gene = geneid, exon = exonid, row = keep), f("ids"))
  w <- function(ds, prefix) {
    write_lossless(ds$coefficients, f(paste0(prefix, "coefficients")))
    write_lossless(ds$t, f(paste0(prefix, "t")))
    write_lossless(ds$p.value, f(paste0(prefix, "p.value")))
    for (nm in c("gene.F", "gene.F.p.value", "gene.simes.p.value")) write_lossless(ds[[nm]], f(paste0(prefix, nm)))
    for (nm in c("gene.df.prior", "gene.df.residual", "gene.df.total", "gene.s2", "gene.s2.post"))
      write_lossless(ds[[nm]], f(paste0(prefix, nm)))
    write_lossless(cbind(first = ds$gene.firstexon, last = ds$gene.lastexon, n = ds$gene.genes$NExons), f(paste0(prefix, "genes")),
                   ids = ds$gene.genes$GeneID)
  }
  w(diffSplice(fit, geneid, exonid, verbose = FALSE), "ds_")
  w(diffSplice(fit, geneid, robust = TRUE, verbose = FALSE), "dsr_")
}
