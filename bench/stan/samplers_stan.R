# Stan's NUTS on every bundled model, for the table in docs/samplers.md: 4 chains x (1000 warmup +
# 1000 draws), Stan's defaults, both cores, seed 1. Prints Markdown rows in bench/samplers.sh's
# format; wall time is sampling only (compilation is reported apart).
# Usage (from the repository root): Rscript bench/stan/samplers_stan.R
source("bench/stan/common.R")
setup_boost()

runs <- list(
  list(name = "german_credit", stan = "sparse_logistic.stan", data = function() data_sparse_logistic("german_credit.csv")),
  list(name = "breast_cancer", stan = "sparse_logistic.stan", data = function() data_sparse_logistic("breast_cancer.csv")),
  list(name = "eight_schools", stan = "eight_schools_noncentered.stan", data = data_eight_schools),
  list(name = "kidiq", stan = "kidiq.stan", data = data_kidiq)
)
# One Markdown row in bench/samplers.sh's format.
table_row <- function(name, settings, fit, wall) {
  grads <- sum(sapply(get_sampler_params(fit, inc_warmup = TRUE), function(s) sum(s[, "n_leapfrog__"])))
  div <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE), function(s) sum(s[, "divergent__"])))
  s <- summarise_draws(fit_draws(fit), rhat, ess_bulk)
  cat(sprintf("| %s | Stan NUTS | 4 | %s | %.0f | %.1f | %.0f | %.1f | %.2f | %.4f | %d |\n",
              name, settings, grads, wall, min(s$ess_bulk), min(s$ess_bulk) / wall,
              1000 * min(s$ess_bulk) / grads, max(s$rhat), div))
}

models <- list()
for (r in runs) {
  if (is.null(models[[r$stan]])) {
    t <- system.time(models[[r$stan]] <- stan_model(file.path(stan_dir, r$stan)))[["elapsed"]]
    cat(sprintf("compiled %s in %.1f s\n", r$stan, t))
  }
  t0 <- Sys.time()
  fit <- sampling(models[[r$stan]], data = r$data(), chains = 4L, warmup = 1000L, iter = 2000L,
                  seed = 1L, cores = 2L, refresh = 0)
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  table_row(r$name, "1000+1000", fit, wall)
}

# A longer German credit run, to compare wall time at equal ESS with hmcc's many-chain runs.
dat <- data_sparse_logistic("german_credit.csv")
t0 <- Sys.time()
fit <- sampling(models[["sparse_logistic.stan"]], data = dat, chains = 4L, warmup = 1000L, iter = 6000L,
                seed = 2L, cores = 2L, refresh = 0)
wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
table_row("german_credit", "1000+5000", fit, wall)
