# R base arithmetic that the engine must reproduce bit for bit.
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
source(file.path("rscripts", "lib", "io.R"))
set.seed(20261125)
x <- matrix(rnorm(200 * 7, mean = 1e3, sd = 1e-3), 200, 7)
x[sample(length(x), 40)] <- NA
write_lossless(x, file.path(out, "x.csv"))
write_lossless(rowMeans(x, na.rm = TRUE), file.path(out, "rowMeans.csv"))
write_lossless(rowSums(x, na.rm = TRUE), file.path(out, "rowSums.csv"))
write_lossless(colMeans(x, na.rm = TRUE), file.path(out, "colMeans.csv"))
v <- x[, 1]
write_lossless(c(mean = mean(v, na.rm = TRUE), sum = sum(v, na.rm = TRUE), median = median(v, na.rm = TRUE),
                 quantile(v, c(0, 0.1, 0.25, 0.5, 0.75, 0.9, 1), na.rm = TRUE)), file.path(out, "summaries.csv"))
r <- c(3, 1, 2, 3, NA, 1, 5, 2, 2)
write_lossless(rank(r, na.last = "keep"), file.path(out, "rank.csv"))
write_lossless(order(r), file.path(out, "order.csv"))
write_lossless(order(r, decreasing = TRUE), file.path(out, "order_dec.csv"))
