# Lossless output for parity: every double printed with 17 significant digits
# (sprintf %.17g round-trips IEEE doubles exactly), NA and NaN kept distinct,
# Inf as Inf. First column "id" holds the row names.

fmt_num <- function(x) {
  x <- as.double(x)
  sprintf("%.17g", x)   # gives "NA", "NaN", "Inf", "-Inf" for the specials
}

csv_quote <- function(s) {
  s <- as.character(s)
  s[is.na(s)] <- "NA"
  need <- grepl('[",\r\n]', s)
  s[need] <- paste0('"', gsub('"', '""', s[need], fixed = TRUE), '"')
  s
}

# Writes a numeric matrix (or vector) with row names as column "id".
write_lossless <- function(x, file, ids = NULL) {
  if (is.null(dim(x))) {
    nm <- names(x)
    x <- matrix(x, ncol = 1, dimnames = list(nm, "x"))
  }
  x <- as.matrix(x)
  if (is.null(ids)) ids <- rownames(x)
  if (is.null(ids)) ids <- as.character(seq_len(nrow(x)))
  cn <- colnames(x)
  if (is.null(cn)) cn <- paste0("V", seq_len(ncol(x)))
  body <- if (is.numeric(x) || is.logical(x)) apply(x, 2, fmt_num) else apply(x, 2, csv_quote)
  if (is.null(dim(body))) body <- matrix(body, nrow = nrow(x))
  lines <- c(paste(csv_quote(c("id", cn)), collapse = ","),
             if (nrow(x) > 0) apply(cbind(csv_quote(ids), body), 1, paste, collapse = ","))
  writeLines(lines, file, useBytes = TRUE)
}

# Writes a data frame (topTable): numeric columns lossless, others quoted text.
write_lossless_df <- function(df, file, ids = rownames(df)) {
  cols <- lapply(df, function(col) if (is.numeric(col) || is.logical(col)) fmt_num(col) else csv_quote(col))
  body <- do.call(cbind, cols)
  if (is.null(dim(body))) body <- matrix(body, nrow = nrow(df))
  lines <- c(paste(csv_quote(c("id", names(df))), collapse = ","),
             if (nrow(df) > 0) apply(cbind(csv_quote(ids), body), 1, paste, collapse = ","))
  writeLines(lines, file, useBytes = TRUE)
}
