# Shared helpers for bench/stan/*.R (run from the repository root).
suppressPackageStartupMessages({
  library(rstan)
  library(posterior)
})

data_dir <- Sys.getenv("HMCC_DATA_DIR", "models")  # the bundled copies of the shared data
stan_dir <- "bench/stan"

# Debian's r-cran-bh ships no headers: point rstan at /usr/include/boost.
setup_boost <- function() {
  d <- file.path(tempdir(), "boostlink")
  dir.create(d, showWarnings = FALSE)
  if (!file.exists(file.path(d, "boost"))) {
    file.symlink("/usr/include/boost", file.path(d, "boost"))
  }
  rstan_options(boost_lib = d)
  invisible(d)
}

# Standardize every column by its mean and POPULATION sd (divide by N).
standardize <- function(m) {
  m <- as.matrix(m)
  apply(m, 2, function(v) {
    mu <- mean(v)
    s <- sqrt(mean((v - mu)^2))
    (v - mu) / s
  })
}

data_eight_schools <- function() {
  d <- read.csv(file.path(data_dir, "eight_schools.csv"))
  list(J = nrow(d), y = d$y, sigma = d$sigma)
}

data_sparse_logistic <- function(file) {
  d <- read.csv(file.path(data_dir, file))
  X <- standardize(d[, setdiff(names(d), "target"), drop = FALSE])
  list(N = nrow(X), D = ncol(X), X = unname(X), y = as.integer(d$target))
}

data_kidiq <- function() {
  d <- read.csv(file.path(data_dir, "kidiq.csv"))
  X <- standardize(d[, c("mom_hs", "mom_iq")])
  list(N = nrow(d), y = d$kid_score, X = unname(X))
}

# The simulated regressions in models/ (models/simulate.R): y first, then the predictors, raw.
data_regression <- function(file, alpha_scale, beta_scale) {
  d <- read.csv(file.path("models", file))
  X <- as.matrix(d[, -1])
  list(N = nrow(d), K = ncol(X), y = d$y, X = unname(X), alpha_scale = alpha_scale, beta_scale = beta_scale)
}

data_radon <- function() {
  d <- read.csv(file.path(data_dir, "radon_mn.csv"))
  list(N = nrow(d), J = max(d$county_idx), county = as.integer(d$county_idx),
       first_floor = d$floor_measure, y = d$log_radon)
}

data_radon_uranium <- function() {
  d <- read.csv(file.path(data_dir, "radon_mn.csv"))
  u <- read.csv(file.path(data_dir, "radon_counties.csv"))
  u <- u[order(u$county_idx), ]
  list(N = nrow(d), J = nrow(u), county = as.integer(d$county_idx),
       first_floor = d$floor_measure, y = d$log_radon, u = u$log_uranium)
}

data_mixture <- function() {
  d <- read.csv(file.path(data_dir, "mixture.csv"))
  list(N = nrow(d), y = d$y)
}

data_claims <- function() {
  d <- read.csv(file.path(data_dir, "claims.csv"))
  list(N = nrow(d), claims = as.integer(d$claims), exposure = d$exposure, x = d$x)
}

# Convert Stan's bracket names to CmdStan's dotted style: beta[1] -> beta.1
dotted <- function(nm) {
  nm <- gsub("\\[", ".", nm)
  nm <- gsub("\\]", "", nm)
  gsub(",", ".", nm)
}

# posterior draws_array from a stanfit, without lp__.
fit_draws <- function(fit) {
  a <- as.array(fit)                      # iterations x chains x parameters
  a <- a[, , dimnames(a)[[3]] != "lp__", drop = FALSE]
  posterior::as_draws_array(a)
}

# A single series in column y (models/ar2.csv, arma11.csv, garch11.csv).
data_series <- function(file) {
  d <- read.csv(file.path(data_dir, file))
  list(N = nrow(d), y = d$y)
}

# The matrix models (issue 15): data simulated by models/simulate_matrix.R.
data_gp_poisson <- function() {
  d <- read.csv(file.path("models", "gp_poisson.csv"))
  list(N = nrow(d), x = d$x, y = as.integer(d$y))
}

data_mvn <- function() {
  d <- read.csv(file.path("models", "mvn.csv"))
  Y <- as.matrix(d[, c("y1", "y2", "y3")])
  list(N = nrow(Y), K = ncol(Y), Y = unname(Y))
}
