# Diagnostics fixture for the Go tests in runtime/diagnostics.
# Usage (from this folder): Rscript make_fixture.R
# Writes draws.csv (4 chains x 300 draws x 5 variables) and expected.csv
# (posterior package's summaries of exactly the numbers in draws.csv).
suppressPackageStartupMessages(library(posterior))

set.seed(42)
n_chains <- 4L
n_draws <- 300L

gen <- function(f) sapply(seq_len(n_chains), function(ch) f(ch))  # n_draws x n_chains

iid <- gen(function(ch) rnorm(n_draws))
ar <- gen(function(ch) {
  phi <- 0.9
  x <- numeric(n_draws)
  x[1] <- rnorm(1, 0, 1 / sqrt(1 - phi^2))  # stationary start
  for (t in 2:n_draws) x[t] <- phi * x[t - 1] + rnorm(1)
  x
})
shifted <- gen(function(ch) rnorm(n_draws) + if (ch == 4L) 1 else 0)
heavy <- gen(function(ch) rt(n_draws, df = 1))
skewed <- gen(function(ch) exp(rnorm(n_draws)))

vars <- list(iid = iid, ar = ar, shifted = shifted, heavy = heavy, skewed = skewed)

g17 <- function(x) sprintf("%.17g", x)

df <- data.frame(chain = rep(seq_len(n_chains), each = n_draws),
                 draw = rep(seq_len(n_draws), times = n_chains))
for (v in names(vars)) df[[v]] <- g17(as.vector(vars[[v]]))  # column-major: chain-by-chain
write.csv(df, "draws.csv", row.names = FALSE, quote = FALSE)

# Read back, so the expected values are for exactly the written numbers.
rd <- read.csv("draws.csv", colClasses = "numeric")
for (v in names(vars)) {
  # %.17g round-trips; check R's parser gave back the same doubles (a correctly
  # rounded parser such as Go's strconv.ParseFloat does by construction).
  stopifnot(identical(rd[[v]], as.vector(vars[[v]])))
}
arr <- array(NA_real_, dim = c(n_draws, n_chains, length(vars)),
             dimnames = list(NULL, NULL, names(vars)))
for (v in names(vars)) {
  for (ch in seq_len(n_chains)) {
    sel <- rd$chain == ch
    arr[rd$draw[sel], ch, v] <- rd[[v]][sel]
  }
}
x <- as_draws_array(arr)

s <- summarise_draws(x,
                     mean, sd,
                     ~quantile2(.x, probs = c(0.05, 0.5, 0.95)),
                     rhat, ess_bulk, ess_tail,
                     mcse_mean,
                     ~mcse_quantile(.x, probs = c(0.05, 0.95)))
# cross-check against the default measure sets
s_def <- summarise_draws(x, default_summary_measures(), default_convergence_measures())
stopifnot(isTRUE(all.equal(as.numeric(s$rhat), as.numeric(s_def$rhat), tolerance = 0)),
          isTRUE(all.equal(as.numeric(s$q5), as.numeric(s_def$q5), tolerance = 0)),
          isTRUE(all.equal(as.numeric(s$q50), as.numeric(s_def$median), tolerance = 0)))

cols <- c("mean", "sd", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail",
          "mcse_mean", "mcse_q5", "mcse_q95")
out <- data.frame(name = s$variable)
for (cl in cols) out[[cl]] <- g17(as.numeric(s[[cl]]))

has_nested <- exists("rhat_nested", envir = asNamespace("posterior"))
if (has_nested) {
  out$rhat_nested <- g17(vapply(names(vars), function(v)
    posterior::rhat_nested(extract_variable_matrix(x, v), superchain_ids = c(1, 1, 2, 2)),
    0.0))
} else {
  message("posterior ", packageVersion("posterior"), " has no rhat_nested: column left out")
}
write.csv(out, "expected.csv", row.names = FALSE, quote = FALSE)
print(out)
