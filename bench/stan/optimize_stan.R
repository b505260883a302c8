# Stan's L-BFGS modes for the cross-check of `hmcc optimize` in docs/samplers.md
# (run from the repository root: Rscript bench/stan/optimize_stan.R). rstan's optimizing has no
# jacobian argument: the jacobian = TRUE mode is that of the model with the log-Jacobian of its
# lower-bounded scale added to the target by hand (log(sigma) for kidiq, log(tau) for eight schools).
source("bench/stan/common.R")
setup_boost()
cases <- list(
  kidiq = list(file = "kidiq.stan", data = data_kidiq, scale = "sigma"),
  eight_schools = list(file = "eight_schools_noncentered.stan", data = data_eight_schools, scale = "tau"))
for (name in names(cases)) {
  cs <- cases[[name]]
  code <- paste(readLines(file.path(stan_dir, cs$file)), collapse = "\n")
  jac_code <- sub("model\\s*\\{", sprintf("model {\n  target += log(%s);", cs$scale), code)
  for (jac in c(FALSE, TRUE)) {
    sm <- stan_model(model_code = if (jac) jac_code else code, model_name = paste0(name, if (jac) "_jac" else ""))
    fit <- optimizing(sm, data = cs$data(), seed = 1, as_vector = TRUE, tol_rel_grad = 1e3)
    cat(name, "jacobian =", jac, "return code", fit$return_code, "lp__", format(fit$value, digits = 10), "\n")
    print(signif(fit$par[!grepl("^theta\\[", names(fit$par))], 8))
  }
}
