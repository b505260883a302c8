# Stan's side of bench/compare.sh, in two steps so that the sampling process's memory can be
# measured without the C++ compiler's:
#   Rscript bench/stan/compare_stan.R compile MODEL DIR   compiles, saves DIR/model.rds
#   Rscript bench/stan/compare_stan.R sample  MODEL DIR [DRAWS]   loads it, samples, prints key=value lines
# (DRAWS post-warmup draws per chain, default 1000: bench/time_to_answer.sh raises it until the
# run reaches its ESS target)
# MODEL is german_credit, breast_cancer, eight_schools, kidiq, radon, radon_correlated or gp_poisson. Sampling is Stan's NUTS
# with its defaults, 4 chains x (1000 warmup + 1000 draws) on both cores (cores = 2), seed 1.
source("bench/stan/common.R")
setup_boost()

args <- commandArgs(TRUE)
step <- args[1]; model <- args[2]; dir <- args[3]
draws <- if (length(args) >= 4) as.integer(args[4]) else 1000L
runs <- list(
  german_credit = list(stan = "sparse_logistic.stan", data = function() data_sparse_logistic("german_credit.csv")),
  breast_cancer = list(stan = "sparse_logistic.stan", data = function() data_sparse_logistic("breast_cancer.csv")),
  eight_schools = list(stan = "eight_schools_noncentered.stan", data = data_eight_schools),
  kidiq = list(stan = "kidiq.stan", data = data_kidiq),
  radon = list(stan = "radon_intercepts.stan", data = data_radon),
  radon_correlated = list(stan = "radon_correlated.stan", data = data_radon),
  gp_poisson = list(stan = "gp_poisson.stan", data = data_gp_poisson)
)
r <- runs[[model]]
if (is.null(r)) stop("unknown model ", model)
rds <- file.path(dir, "model.rds")

if (step == "compile") {
  t <- system.time(mod <- stan_model(file.path(stan_dir, r$stan)))[["elapsed"]]
  saveRDS(mod, rds)
  cat(sprintf("compile_s=%.2f\n", t))
} else {
  t_start <- Sys.time()
  mod <- readRDS(rds)
  dat <- r$data()
  # Time to the first draw: load the model and data, then run one warmup iteration of one chain.
  invisible(capture.output(sampling(mod, data = dat, chains = 1L, warmup = 1L, iter = 2L, seed = 1L, refresh = 0)))
  first <- as.numeric(difftime(Sys.time(), t_start, units = "secs"))
  t0 <- Sys.time()
  fit <- sampling(mod, data = dat, chains = 4L, warmup = 1000L, iter = 1000L + draws, seed = 1L, cores = 2L, refresh = 0)
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  grads <- sum(sapply(get_sampler_params(fit, inc_warmup = TRUE), function(s) sum(s[, "n_leapfrog__"])))
  divergences <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE), function(s) sum(s[, "divergent__"])))
  s <- summarise_draws(fit_draws(fit), rhat, ess_bulk)
  cat(sprintf("first_draw_s=%.3f\nsampling_s=%.2f\ngradients=%.0f\nmin_bulk_ess=%.1f\nmax_rhat=%.4f\ndivergences=%d\n",
              first, wall, grads, min(s$ess_bulk, na.rm = TRUE), max(s$rhat, na.rm = TRUE), divergences))  # NA: a constant (L[1,1] of a correlation factor)
}
