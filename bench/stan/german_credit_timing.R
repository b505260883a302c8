# Stan NUTS timing on sparse_logistic + german_credit, Stan defaults.
# Usage (from the repository root): Rscript bench/stan/german_credit_timing.R
source("bench/stan/common.R")
setup_boost()

out_file <- "bench/stan/german_credit_timing.txt"
dat <- data_sparse_logistic("german_credit.csv")

t_compile <- system.time(
  mod <- stan_model(file.path(stan_dir, "sparse_logistic.stan"), model_name = "sparse_logistic")
)[["elapsed"]]

t0 <- Sys.time()
fit <- sampling(mod, data = dat, chains = 4L, warmup = 1000L, iter = 2000L,
                seed = 1L, cores = 2L, refresh = 0)
t_sample <- as.numeric(difftime(Sys.time(), t0, units = "secs"))

sp <- get_sampler_params(fit, inc_warmup = TRUE)
n_grad <- sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"])))
n_grad_post <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE),
                          function(s) sum(s[, "n_leapfrog__"])))
n_div <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE),
                    function(s) sum(s[, "divergent__"])))
et <- get_elapsed_time(fit)  # per-chain warmup/sample seconds as Stan reports them

s <- summarise_draws(fit_draws(fit), ess_bulk)
min_ess <- min(s$ess_bulk)
min_var <- s$variable[which.min(s$ess_bulk)]

cpu <- tryCatch(trimws(sub("^Model name:", "",
                             grep("Model name", system("lscpu", intern = TRUE), value = TRUE)[1])),
                error = function(e) NA_character_)
lines <- c(
  sprintf("date: %s", format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z")),
  sprintf("machine: nproc=%s, cpu=%s", trimws(system("nproc", intern = TRUE)), cpu),
  sprintf("rstan %s (StanHeaders %s), posterior %s, %s",
          packageVersion("rstan"), packageVersion("StanHeaders"),
          packageVersion("posterior"), R.version.string),
  "run: sparse_logistic.stan + german_credit.csv (N=1000, D=24), 4 chains x (1000 warmup + 1000 draws), cores=2, seed=1, default control",
  sprintf("compile_time_s: %.2f", t_compile),
  sprintf("sampling_wall_s: %.2f", t_sample),
  sprintf("gradient_evals_total (sum n_leapfrog__, incl. warmup): %.0f", n_grad),
  sprintf("gradient_evals_sampling_only: %.0f", n_grad_post),
  sprintf("divergences (post-warmup): %d", n_div),
  sprintf("min_ess_bulk: %.1f (%s)", min_ess, min_var),
  sprintf("min_ess_bulk_per_sampling_wall_s: %.2f", min_ess / t_sample),
  sprintf("stan_elapsed_per_chain_s (warmup+sample): %s",
          paste(sprintf("%.2f", rowSums(et)), collapse = ", "))
)
writeLines(lines)
writeLines(lines, out_file)
