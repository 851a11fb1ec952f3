# How R reads the project's input matrices: the engine's reader must give the
# same doubles (R's read.csv with check.names = FALSE), bit for bit.
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
source(file.path("rscripts", "lib", "io.R"))
m <- read.csv(file.path("reference", "data", "mulvey", "proteome.csv.gz"), check.names = FALSE, row.names = 1)
write_lossless(as.matrix(m[, -(1:4)]), file.path(out, "mulvey.csv"))
write_lossless_df(m[, 1:4], file.path(out, "mulvey_genes.csv"))
g <- read.csv(file.path("reference", "data", "gse60450", "counts.csv.gz"), check.names = FALSE, row.names = 1)
write_lossless(as.matrix(g), file.path(out, "gse60450.csv"))
# pasilla's ids are quoted, as R's write.csv writes them.
p <- read.csv(file.path("reference", "data", "pasilla", "counts.csv.gz"), check.names = FALSE, row.names = 1)
write_lossless(as.matrix(p), file.path(out, "pasilla.csv"))
