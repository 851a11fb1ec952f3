# R's result tables and calls for the Output tests (topTable, topTableF,
# topTreat, decideTests, classifyTestsF, p.adjust).
# Usage: Rscript output.R OUTDIR DATASET   (DATASET: padjust, mulvey, gse60450)
# Writes the fit components each test rebuilds its MArrayLM from, a manifest
# of topTable calls (cases.csv) and each call's table (tt_<id>.csv).
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
dataset <- args[2]
source(file.path("rscripts", "lib", "io.R"))
suppressPackageStartupMessages(library(limma))

write_fit <- function(fit, prefix) {
  f <- function(name) file.path(out, paste0(prefix, name, ".csv"))
  write_lossless(fit$coefficients, f("coefficients"))
  write_lossless(fit$stdev.unscaled, f("stdev.unscaled"))
  write_lossless(fit$sigma, f("sigma"))
  write_lossless(fit$df.residual, f("df.residual"))
  write_lossless(fit$Amean, f("Amean"))
  write_lossless(fit$cov.coefficients, f("cov.coefficients"))
  for (nm in c("s2.post", "df.total", "F", "F.p.value", "s2.prior", "df.prior"))
    if (!is.null(fit[[nm]])) write_lossless(fit[[nm]], f(nm))
  for (nm in c("t", "p.value", "lods"))
    if (!is.null(fit[[nm]])) write_lossless(fit[[nm]], f(nm))
  if (!is.null(fit$treat.lfc)) write_lossless(fit$treat.lfc, f("treat.lfc"))
  if (!is.null(fit$genes)) write_lossless_df(fit$genes, f("genes"), ids = rownames(fit$coefficients))
}

cases <- list()
run_case <- function(id, fit, fn = "topTable", coef = NULL, number = 10, adjust = "BH", sort = NULL,
                     resort = NULL, p.value = 1, lfc = 0, confint = FALSE, fitname = "fit") {
  args <- list(fit, number = number, adjust.method = adjust, p.value = p.value, lfc = lfc)
  if (fn != "topTableF") { args$coef <- coef; args$resort.by <- resort; args$confint <- confint }
  if (!is.null(sort)) args$sort.by <- sort
  tab <- suppressMessages(do.call(get(fn, asNamespace("limma")), args))
  file <- file.path(out, paste0("tt_", id, ".csv"))
  if (nrow(tab) == 0) writeLines("id", file) else write_lossless_df(tab, file)
  cases[[length(cases) + 1]] <<- data.frame(
    id = id, fit = fitname, fn = fn,
    coef = if (is.null(coef)) "NULL" else paste(coef, collapse = ";"),
    number = as.character(number), adjust = adjust,
    sort = if (is.null(sort)) "default" else sort,
    resort = if (is.null(resort)) "NULL" else resort,
    pvalue = sprintf("%.17g", p.value), lfc = sprintf("%.17g", lfc),
    confint = as.character(confint), stringsAsFactors = FALSE)
}
write_cases <- function() {
  df <- do.call(rbind, cases)
  write.csv(df, file.path(out, "cases.csv"), row.names = FALSE, quote = FALSE)
}

if (dataset == "padjust") {
  set.seed(20240601)
  p1 <- c(0.01, NA, 0.04, 0.04, 0.2, NA, 1, 0.001, 0.04, 0.5, 0.03, 0.03, 0, 1e-10, 0.04, 1, NaN)
  p2 <- round(runif(300)^3, 3)
  p2[sample(300, 12)] <- NA
  p3 <- c(0.02, 0.5)
  p4 <- c(0.3)
  vecs <- list(p1 = p1, p2 = p2, p3 = p3, p4 = p4)
  for (v in names(vecs)) {
    x <- vecs[[v]]
    write_lossless(x, file.path(out, paste0(v, ".csv")))
    for (m in p.adjust.methods) {
      write_lossless(p.adjust(x, method = m), file.path(out, paste0(v, "_", m, ".csv")))
      nn <- sum(!is.na(x)) + 7
      write_lossless(p.adjust(x, method = m, n = nn), file.path(out, paste0(v, "_", m, "_n.csv")))
    }
  }
} else if (dataset == "mulvey") {
  x <- read.csv(gzfile(file.path("reference", "data", "mulvey", "proteome.csv.gz")),
                colClasses = "character", check.names = FALSE)
  targets <- read.csv(file.path("reference", "data", "mulvey", "targets.csv"), stringsAsFactors = FALSE)
  E <- as.matrix(data.frame(lapply(x[, 6:20], as.numeric), check.names = FALSE))
  rownames(E) <- x$uniprot_id
  E0 <- E
  # A few missing values: partly missing rows, and one row with a whole group missing.
  E[10, c(1, 2)] <- NA
  E[20, 7:15] <- NA
  E[30, 4] <- NA
  genes <- x[, 2:5]
  rownames(genes) <- x$uniprot_id
  group <- factor(targets$group[match(colnames(E), targets$sample_id)])
  design <- model.matrix(~0 + group)
  colnames(design) <- levels(group)
  cm <- makeContrasts("heart_failure - control", "(heart_failure + control)/2", levels = design)
  fit0 <- suppressWarnings(lmFit(new("EList", list(E = E, genes = genes)), design))
  fit <- eBayes(contrasts.fit(fit0, cm))
  write_fit(fit, "fit_")
  # limma 3.54's treat refuses NA coefficients: treat the complete data.
  tfit <- treat(contrasts.fit(lmFit(new("EList", list(E = E0, genes = genes)), design), cm), lfc = log2(1.2))
  write_fit(tfit, "tfit_")
  dfit <- fit
  rownames(dfit$coefficients) <- x$gene_symbol   # duplicated ids
  write_lossless(as.matrix(x$gene_symbol), file.path(out, "dup_ids.csv"))

  c1 <- "heart_failure - control"
  for (s in c("B", "logFC", "M", "AveExpr", "A", "Amean", "t", "T", "P", "p", "none", "Ave", "lo"))
    run_case(paste0("sort_", s), fit, coef = 1, number = if (s %in% c("B", "P")) Inf else if (s %in% c("logFC", "AveExpr", "t", "none")) 800 else 40, sort = s)
  for (m in p.adjust.methods) run_case(paste0("adj_", m), fit, coef = c1, number = if (m %in% c("BH", "hommel")) Inf else 1500, adjust = m, sort = "P")
  run_case("pfilter", fit, coef = 1, number = Inf, p.value = 0.05)
  run_case("lfcfilter", fit, coef = 1, number = Inf, lfc = 1.5)
  run_case("bothfilter", fit, coef = 1, number = 30, p.value = 0.1, lfc = 0.5, sort = "logFC")
  run_case("emptyfilter", fit, coef = 1, number = Inf, p.value = 1e-30)
  run_case("confint", fit, coef = 1, number = 500, confint = TRUE)
  run_case("confint90", fit, coef = 2, number = 100, confint = 0.9, sort = "t")
  run_case("confint_filter", fit, coef = 1, number = Inf, confint = TRUE, p.value = 0.05)
  run_case("confint_filter_all", fit, coef = 1, number = 300, confint = TRUE)
  run_case("number0", fit, coef = 1, number = 0)
  run_case("number1", fit, coef = 1, number = 1)
  run_case("number25", fit, coef = 2, number = 25)
  for (r in c("logFC", "t", "P", "B", "AveExpr", "M", "p"))
    run_case(paste0("resort_", r), fit, coef = 1, number = 30, resort = r)
  run_case("F_all", fit, coef = c(1, 2), number = 1500)
  run_case("F_null", fit, coef = NULL, number = 800)
  run_case("F_rev", fit, coef = c(2, 1), number = 50)
  run_case("F_filter", fit, coef = c(1, 2), number = 600, p.value = 0.01, lfc = 0.5)
  run_case("F_none", fit, coef = c(1, 2), number = 40, sort = "none")
  run_case("F_holm", fit, coef = c(1, 2), number = 300, adjust = "holm")
  run_case("topTableF", fit, fn = "topTableF", number = 500, lfc = 0.3)
  run_case("topTableF_p", fit, fn = "topTableF", number = 20, p.value = 0.05, adjust = "BY")
  nfit <- fit
  rownames(nfit$coefficients) <- NULL
  nfit$genes <- NULL
  run_case("no_ids", nfit, coef = 2, number = 40, sort = "logFC", fitname = "nfit")
  run_case("no_ids_F", nfit, coef = NULL, number = 40, fitname = "nfit")
  run_case("dup_ids", dfit, coef = 1, number = 60, fitname = "dfit")
  run_case("dup_ids_F", dfit, coef = c(1, 2), number = 60, fitname = "dfit")
  run_case("treat_p", tfit, fn = "topTreat", coef = 1, number = 1500, fitname = "tfit")
  run_case("treat_adj", tfit, fn = "topTreat", coef = 2, number = 300, adjust = "BY", p.value = 0.5, fitname = "tfit")
  run_case("treat_t", tfit, fn = "topTreat", coef = 2, number = 100, sort = "t", fitname = "tfit")
  run_case("treat_null", tfit, coef = NULL, number = 50, sort = "P", fitname = "tfit")
  run_case("treat_ci", tfit, fn = "topTreat", coef = 1, number = 80, confint = TRUE, resort = "logFC", fitname = "tfit")
  write_cases()
  # decideTests (separate and global only: the NA row makes hierarchical/nestedF stop, as tested)
  res <- NULL
  for (m in c("separate", "global")) for (a in c("none", "bonferroni", "holm", "BH", "fdr", "BY")) for (l in c(0, 0.5)) {
    d <- decideTests(fit, method = m, adjust.method = a, p.value = 0.05, lfc = l)
    colnames(d) <- paste(m, a, l, seq_len(ncol(d)), sep = "|")
    res <- cbind(res, unclass(d))
  }
  write_lossless(res, file.path(out, "decide.csv"))
  write_lossless(summary(decideTests(fit)), file.path(out, "decide_summary.csv"))
} else if (dataset == "gse60450") {
  x <- read.csv(gzfile(file.path("reference", "data", "gse60450", "counts.csv.gz")), row.names = 1, check.names = FALSE)
  targets <- read.csv(file.path("reference", "data", "gse60450", "targets.csv"), row.names = 1, stringsAsFactors = FALSE)
  # The first 6000 genes (all-zero rows included: ties in AveExpr, t = 0, P = 1).
  E <- log2(as.matrix(x[1:6000, ]) + 1)
  stage <- factor(targets[colnames(E), "developmental_stage"])
  fit <- eBayes(lmFit(E, model.matrix(~stage)))
  write_fit(fit, "fit_")
  design <- model.matrix(~0 + stage)
  colnames(design) <- levels(stage)
  cm <- makeContrasts(PvsV = pregnant - virgin, LvsV = lactate - virgin, LvsP = lactate - pregnant, levels = design)
  cfit <- eBayes(contrasts.fit(lmFit(E, design), cm))
  write_fit(cfit, "cfit_")
  run_case("F_null", fit, coef = NULL, number = 800)
  run_case("F_rev", fit, coef = c(3, 2), number = 500)
  run_case("F_all3", fit, coef = c(1, 2, 3), number = 500)
  run_case("F_one", fit, coef = c(2, 2), number = 300)
  run_case("C_F", cfit, coef = c(1, 3), number = 500, fitname = "cfit")
  run_case("C_F_all", cfit, coef = NULL, number = 500, fitname = "cfit")
  run_case("ties_A", fit, coef = 2, number = Inf, sort = "A")
  run_case("ties_P", fit, coef = 3, number = Inf, sort = "P")
  run_case("ties_B", fit, coef = 2, number = 2000, sort = "B", resort = "logFC")
  run_case("ties_t", fit, coef = 2, number = Inf, sort = "t")
  run_case("ties_logFC", fit, coef = 3, number = Inf, sort = "logFC", adjust = "hommel")
  write_cases()
  res <- NULL
  for (m in c("separate", "global", "hierarchical", "nestedF")) for (a in c("none", "bonferroni", "holm", "BH", "BY")) for (l in c(0, 1)) {
    if (l == 1 && !(a %in% c("BH", "holm"))) next
    d <- decideTests(cfit, method = m, adjust.method = a, p.value = 0.05, lfc = l)
    colnames(d) <- paste(m, a, l, seq_len(ncol(d)), sep = "|")
    res <- cbind(res, unclass(d))
  }
  write_lossless(res, file.path(out, "decide.csv"))
  ct1 <- classifyTestsF(cfit$t[, 2, drop = FALSE], df = cfit$df.residual + cfit$df.prior, p.value = 0.01)
  write_lossless(unclass(ct1), file.path(out, "classifyF_one.csv"))
  ct <- classifyTestsF(cfit, p.value = 0.01)
  write_lossless(unclass(ct), file.path(out, "classifyF.csv"))
  fs <- classifyTestsF(cfit, df = cfit$df.total, fstat.only = TRUE)
  write_lossless(as.vector(fs), file.path(out, "fstat.csv"))
  write_lossless(c(attr(fs, "df1")), file.path(out, "fstat_df1.csv"))
  cm3 <- matrix(c(1, 0.3, 0.1, 0.3, 1, 0.2, 0.1, 0.2, 1), 3)
  write_lossless(as.vector(classifyTestsF(cfit, cor.matrix = cm3, fstat.only = TRUE)), file.path(out, "fstat_cor.csv"))
  write_lossless(unclass(classifyTestsF(cfit, cor.matrix = cm3, df = 4, p.value = 0.05)), file.path(out, "classifyF_cor.csv"))
  fs2 <- classifyTestsF(fit, fstat.only = TRUE)
  write_lossless(as.vector(fs2), file.path(out, "fstat_default.csv"))
  write_lossless(summary(decideTests(cfit, method = "nestedF")), file.path(out, "decide_summary.csv"))
}
