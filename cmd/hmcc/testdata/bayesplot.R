# Renders bayesplot's trace, rank-overlay and NUTS energy plots from a directory of hmcc's chain
# CSVs (read with rstan's read_stan_csv) and reports their structure: the parameters, chains
# and draws each plot holds. Usage: Rscript bayesplot.R DIR OUT_DIR
suppressMessages({
  library(rstan)
  library(bayesplot)
  library(ggplot2)
})
args <- commandArgs(TRUE)
files <- Sys.glob(file.path(args[1], "output_*.csv"))
fit <- read_stan_csv(files)
draws <- as.array(fit)
save <- function(p, name) {
  path <- file.path(args[2], paste0(name, ".pdf"))
  ggsave(path, p, width = 7, height = 4)
  cat(name, "FILE", file.info(path)$size, "\n")
}
trace <- mcmc_trace(draws, pars = c("mu", "tau"))
save(trace, "trace")
cat("trace PARAMETERS", length(unique(trace$data$parameter)), "CHAINS", length(unique(trace$data$chain)),
    "ROWS", nrow(trace$data), "\n")
rank <- mcmc_rank_overlay(draws, pars = c("mu", "tau"))
save(rank, "rank")
cat("rank PARAMETERS", length(unique(rank$data$parameter)), "CHAINS", length(unique(rank$data$chain)), "\n")
np <- nuts_params(fit)
energy <- mcmc_nuts_energy(np)
save(energy, "energy")
built <- ggplot_build(energy)
cat("energy PANELS", nrow(built$layout$layout), "DRAWS", nrow(energy$data), "\n")
cat("nuts_params", paste(sort(unique(as.character(np$Parameter))), collapse = ","), "\n")
