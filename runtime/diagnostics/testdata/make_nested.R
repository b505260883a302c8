# Expected nested Rhat values for the Go tests in runtime/diagnostics.
# Usage (from this folder): Rscript make_nested.R
# Reads draws.csv (written by make_fixture.R) and writes expected_nested.csv.
#
# Nested Rhat (Margossian et al. 2024, eqs. 4-8) is posterior::rhat_nested,
# added in posterior 1.5.0. The posterior installed here (1.4.0) lacks it, so
# in that case the function below, written from the paper and posterior's
# documented algorithm (raw draws, no splitting, no rank normalisation), is
# used instead; with posterior >= 1.5.0 the package function is used.
suppressPackageStartupMessages(library(posterior))

nested_rhat_ref <- function(x, superchain_ids) {
  # x: iterations x chains
  if (anyNA(x) || any(is.infinite(x)) || abs(max(x) - min(x)) < .Machine$double.eps) return(NA_real_)
  if (length(superchain_ids) != ncol(x)) return(NA_real_)
  sizes <- table(superchain_ids)
  if (max(sizes) != min(sizes)) return(NA_real_)
  k_per <- max(sizes)
  ids <- unique(superchain_ids)
  cm <- colMeans(x)
  cv <- apply(x, 2, var)
  sc_mean <- vapply(ids, function(k) mean(x[, superchain_ids == k]), 0.0)
  b_k <- if (k_per == 1) rep(0, length(ids)) else vapply(ids, function(k) var(cm[superchain_ids == k]), 0.0)
  w_k <- if (nrow(x) == 1) rep(0, length(ids)) else vapply(ids, function(k) mean(cv[superchain_ids == k]), 0.0)
  sqrt(1 + var(sc_mean) / mean(w_k + b_k))
}

has_nested <- exists("rhat_nested", envir = asNamespace("posterior"))
nested <- if (has_nested) {
  function(x, ids) posterior::rhat_nested(x, superchain_ids = ids)
} else {
  message("posterior ", packageVersion("posterior"), " has no rhat_nested: using nested_rhat_ref")
  nested_rhat_ref
}

rd <- read.csv("draws.csv", colClasses = "numeric")
vars <- setdiff(names(rd), c("chain", "draw"))
n_chains <- max(rd$chain)
n_draws <- max(rd$draw)
groupings <- list(c(1, 1, 2, 2), c(1, 2, 1, 2), c(1, 2, 3, 4))

rows <- list()
for (v in vars) {
  m <- matrix(NA_real_, n_draws, n_chains)
  for (ch in seq_len(n_chains)) {
    sel <- rd$chain == ch
    m[rd$draw[sel], ch] <- rd[[v]][sel]
  }
  for (g in groupings) {
    rows[[length(rows) + 1]] <- data.frame(
      name = v, superchains = paste(g, collapse = "-"),
      rhat_nested = sprintf("%.17g", nested(m, g)))
  }
}
out <- do.call(rbind, rows)
write.csv(out, "expected_nested.csv", row.names = FALSE, quote = FALSE)
print(out)
