# Stan's log density and gradient of the time-series models at fixed unconstrained points
# -> testdata/reference/gradients.csv (compiler/index_test.go compares hmcc's with them).
# Usage (from the repository root):  Rscript bench/stan/gradients.R
# Stan's `~` drops constant terms, so the test compares gradients and differences of log
# densities between the points, in which the constants cancel.
source("bench/stan/common.R")
setup_boost()

points <- list(c(0.1, -0.5, 0.3, -0.2), c(-0.4, 0.8, -1.1, 0.6))
rows <- list()
for (name in c("ar2", "arma11", "garch11")) {
  sm <- stan_model(file.path(stan_dir, paste0(name, ".stan")), model_name = name)
  fit <- sampling(sm, data = data_series(paste0(name, ".csv")), chains = 1, iter = 1, warmup = 0,
                  algorithm = "Fixed_param", refresh = 0, seed = 1)
  for (p in seq_along(points)) {
    g <- grad_log_prob(fit, points[[p]], adjust_transform = TRUE)
    rows[[length(rows) + 1]] <- data.frame(model = name, point = p,
      coordinate = c("lp", seq_along(g)), value = sprintf("%.17g", c(attr(g, "log_prob"), g)))
  }
}
write.csv(do.call(rbind, rows), "testdata/reference/gradients.csv", row.names = FALSE, quote = FALSE)
