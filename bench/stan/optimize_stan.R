# Stan's L-BFGS modes for the cross-check of `hmcc optimize` in docs/samplers.md
# (run from the repository root: Rscript bench/stan/optimize_stan.R).
source("bench/stan/common.R")
setup_boost()
for (name in c("kidiq", "eight_schools")) {
  file <- if (name == "kidiq") "kidiq.stan" else "eight_schools_noncentered.stan"
  data <- if (name == "kidiq") data_kidiq() else data_eight_schools()
  sm <- stan_model(file.path(stan_dir, file))
  for (jac in c(FALSE, TRUE)) {
    fit <- tryCatch(optimizing(sm, data = data, seed = 1, jacobian = jac, tol_rel_grad = 1e3, as_vector = TRUE),
                    error = function(e) { cat(name, "jacobian", jac, "error:", conditionMessage(e), "\n"); NULL })
    if (is.null(fit)) next
    cat(name, "jacobian =", jac, "return code", fit$return_code, "lp__", format(fit$value, digits = 10), "\n")
    print(signif(fit$par[!grepl("^theta\\[", names(fit$par))], 8))
  }
}
