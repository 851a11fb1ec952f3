# Builds gene_sets.csv (columns set,feature_id) for reference/cases/gse60450-camera.json,
# deterministically from counts.csv.gz alone (no randomness, file order throughout):
#   Rscript reference/data/gse60450/make_gene_sets.R   (from the package root)
# - basal_up / luminal_up: the first 30 genes (file order) with total count >= 5000 whose
#   basal count sum exceeds 4x the luminal sum (resp. the reverse): clearly Down / Up sets;
# - mixed: the first 15 of each of those two;
# - block1..block5: consecutive blocks of 50 genes with total count >= 500;
# - tiny: the first 3 genes with total count >= 500.
dir <- file.path("reference", "data", "gse60450")
x <- read.csv(file.path(dir, "counts.csv.gz"), check.names = FALSE, colClasses = c("character", rep("numeric", 12)))
ids <- x[[1]]
m <- as.matrix(x[, -1])
basal <- rowSums(m[, 1:6])
luminal <- rowSums(m[, 7:12])
total <- basal + luminal
bu <- head(ids[total >= 5000 & basal > 4 * luminal], 30)
lu <- head(ids[total >= 5000 & luminal > 4 * basal], 30)
expressed <- ids[total >= 500]
sets <- list(basal_up = bu, luminal_up = lu, mixed = c(head(bu, 15), head(lu, 15)))
for (k in 1:5) sets[[paste0("block", k)]] <- expressed[(k - 1) * 50 + 1:50]
sets$tiny <- head(expressed, 3)
out <- data.frame(set = rep(names(sets), lengths(sets)), feature_id = unlist(sets, use.names = FALSE))
write.csv(out, file.path(dir, "gene_sets.csv"), row.names = FALSE, quote = FALSE)
