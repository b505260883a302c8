# Stan's lp__ for draws hmcc wrote: rstan's log_prob (constants of ~ statements dropped, the
# Jacobian kept, as Stan's lp__) at each row's parameter values. Run from the repository root:
#   Rscript cmd/hmcc/testdata/stan_log_prob.R MODEL.stan DATA_FUNCTION CSV PARAM...
# prints one line per row: hmcc's lp__ and Stan's.
args <- commandArgs(TRUE)
source("bench/stan/common.R")
setup_boost()
# Compiled models are cached outside the repository, keyed by the Stan file's contents.
cache <- file.path(Sys.getenv("HMCC_RSTAN_CACHE", file.path(tempdir(), "hmcc-rstan")))
dir.create(cache, showWarnings = FALSE, recursive = TRUE)
code <- readLines(args[1])
key <- file.path(cache, paste0(tools::md5sum(args[1]), ".rds"))
if (file.exists(key)) {
  sm <- readRDS(key)
} else {
  sm <- stan_model(model_code = paste(code, collapse = "\n"))
  saveRDS(sm, key)
}
# The GP on inputs spread out enough for a well-conditioned covariance (TestLPMatchesStan)
data_gp_poisson_spread <- function() {
  d <- read.csv(file.path("cmd", "hmcc", "testdata", "gp_poisson_spread.csv"))
  list(N = nrow(d), x = d$x, y = as.integer(d$y))
}
data <- get(args[2])()
fit <- sampling(sm, data = data, chains = 0)
draws <- read.csv(args[3], comment.char = "#", check.names = FALSE)
params <- args[-(1:3)]
for (i in seq_len(nrow(draws))) {
  point <- lapply(params, function(p) {
    cols <- grep(paste0("^", p, "(\\.[0-9]+)*$"), names(draws))
    v <- as.numeric(draws[i, cols])
    d <- fit@par_dims[[p]]
    # a matrix's columns come in CmdStan's column-major order, R's own: fill it as it is
    if (length(d) > 1) array(v, dim = d) else v
  })
  names(point) <- params
  lp <- log_prob(fit, unconstrain_pars(fit, point), adjust_transform = TRUE)
  cat(sprintf("%.17g %.17g\n", draws$lp__[i], lp))
}
