# Long NUTS reference runs -> testdata/reference/*.csv
# Usage (from the repository root):  Rscript bench/stan/reference.R [pair ...]
# pairs: eight_schools german_credit breast_cancer kidiq radon radon_slopes radon_uranium
#        normal_mixture poisson_exposure ar2 arma11 garch11 wide_regression poly_regression
#        radon_correlated gp_poisson mvn
#        (default: all)
source("bench/stan/common.R")
setup_boost()

seed <- 20261125L
chains <- 4L
warmup <- 2000L
draws <- 10000L
out_dir <- "testdata/reference"

pairs <- list(
  eight_schools = list(model = "eight_schools_noncentered", data = data_eight_schools,
                       control = list(adapt_delta = 0.95)),
  german_credit = list(model = "sparse_logistic",
                       data = function() data_sparse_logistic("german_credit.csv"),
                       control = list()),
  breast_cancer = list(model = "sparse_logistic",
                       data = function() data_sparse_logistic("breast_cancer.csv"),
                       control = list()),
  kidiq = list(model = "kidiq", data = data_kidiq, control = list()),
  radon = list(model = "radon_intercepts", data = data_radon, control = list()),
  radon_slopes = list(model = "radon_slopes", data = data_radon, control = list(adapt_delta = 0.95)),
  radon_uranium = list(model = "radon_uranium", data = data_radon_uranium, control = list()),
  normal_mixture = list(model = "normal_mixture", data = data_mixture, control = list()),
  poisson_exposure = list(model = "poisson_exposure", data = data_claims, control = list()),
  wide_regression = list(model = "regression",
                         data = function() data_regression("wide_regression.csv", 100, 10),
                         control = list()),
  poly_regression = list(model = "regression",
                         data = function() data_regression("poly_regression.csv", 10, 5),
                         control = list())
)

# The time-series models (issue 14): data simulated by bench/stan/simulate_timeseries.R.
pairs <- c(pairs, list(
  ar2 = list(model = "ar2", data = function() data_series("ar2.csv"), control = list()),
  arma11 = list(model = "arma11", data = function() data_series("arma11.csv"), control = list()),
  garch11 = list(model = "garch11", data = function() data_series("garch11.csv"), control = list())
))

# The matrix models (issue 15): correlated radon on the Minnesota data, the others on data
# simulated by models/simulate_matrix.R.
pairs <- c(pairs, list(
  radon_correlated = list(model = "radon_correlated", data = data_radon, control = list(adapt_delta = 0.95)),
  gp_poisson = list(model = "gp_poisson", data = data_gp_poisson, control = list(adapt_delta = 0.95)),
  mvn = list(model = "mvn", data = data_mvn, control = list())
))

args <- commandArgs(trailingOnly = TRUE)
which_pairs <- if (length(args)) args else names(pairs)
stopifnot(all(which_pairs %in% names(pairs)))

models <- list()
# plain decimal, 8 significant digits
fmt <- function(x) vapply(signif(as.numeric(x), 8), format, "", digits = 8, scientific = FALSE, trim = TRUE)

for (p in which_pairs) {
  cfg <- pairs[[p]]
  if (is.null(models[[cfg$model]])) {
    models[[cfg$model]] <- stan_model(file.path(stan_dir, paste0(cfg$model, ".stan")),
                                      model_name = cfg$model)
  }
  t0 <- Sys.time()
  fit <- sampling(models[[cfg$model]], data = cfg$data(), chains = chains,
                  warmup = warmup, iter = warmup + draws, seed = seed, cores = 2L,
                  control = cfg$control, refresh = 0)
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  ndiv <- sum(sapply(sp, function(s) sum(s[, "divergent__"])))
  maxdepth <- max(sapply(sp, function(s) max(s[, "treedepth__"])))
  nleap <- sum(sapply(get_sampler_params(fit, inc_warmup = TRUE),
                      function(s) sum(s[, "n_leapfrog__"])))

  x <- fit_draws(fit)
  s <- summarise_draws(x,
                       mean, sd,
                       ~quantile2(.x, probs = c(0.05, 0.5, 0.95)),
                       mcse_mean, ess_bulk, ess_tail, rhat)
  out <- data.frame(name = dotted(s$variable))
  for (col in c("mean", "sd", "q5", "q50", "q95", "mcse_mean", "ess_bulk", "ess_tail", "rhat")) {
    out[[col]] <- fmt(s[[col]])
  }
  write.csv(out, file.path(out_dir, paste0(p, ".csv")), row.names = FALSE, quote = FALSE)
  line <- sprintf("%s: model=%s wall=%.1fs divergences=%d max_treedepth_seen=%d leapfrog_total=%.0f max_rhat=%.5f min_ess_bulk=%.0f",
                  p, cfg$model, wall, ndiv, maxdepth, nleap, max(s$rhat), min(s$ess_bulk))
  message(line)
  cat(format(Sys.time(), "%Y-%m-%d %H:%M:%S"), line, "\n",
      file = file.path(out_dir, "run_log.txt"), append = TRUE)
}
