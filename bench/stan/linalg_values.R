# Stan's own values of the matrix functions package autodiff/linalg implements, on fixed inputs
# -> autodiff/linalg/testdata/stan_values.txt (autodiff/linalg's TestStanValues compares with it;
# the test reads the committed file and needs no R).
# Usage (from the repository root):  Rscript bench/stan/linalg_values.R
# (HMCC_LINALG_OUT=FILE writes elsewhere: TestStanValuesRegenerate does, under HMCC_REQUIRE_R=1.)
#
# rstan 2.21 (Debian) names the exponentiated-quadratic covariance cov_exp_quad; newer Stan calls
# the same function gp_exp_quad_cov. The CPC transform's log-Jacobian is not a Stan-language
# function: it is read from a stan_model with a cholesky_factor_corr parameter as
# log_prob(adjust_transform = TRUE) − log_prob(adjust_transform = FALSE), which is exactly the lp
# increment of Stan's cholesky_corr_constrain; grad_log_prob gives Stan's gradient of
# lkj_corr_cholesky_lpdf(L | eta) + log-Jacobian with respect to the unconstrained values.
#
# Output: one line per value, "key rows cols v1 v2 ...", matrices row-major, "%.17g" so every
# double (inputs included) round-trips exactly.
source("bench/stan/common.R")
setup_boost()

fns <- "
functions {
  real lkj_w(matrix L, real eta) { return lkj_corr_cholesky_lpdf(L | eta); }
  real mvnc1(vector y, vector mu, matrix L) { return multi_normal_cholesky_lpdf(y | mu, L); }
  real mvncN(vector[] y, vector mu, matrix L) { return multi_normal_cholesky_lpdf(y | mu, L); }
  real mvncNN(vector[] y, vector[] mu, matrix L) { return multi_normal_cholesky_lpdf(y | mu, L); }
  real mvn1(vector y, vector mu, matrix S) { return multi_normal_lpdf(y | mu, S); }
  real mvnN(vector[] y, vector mu, matrix S) { return multi_normal_lpdf(y | mu, S); }
  matrix chol(matrix S) { return cholesky_decompose(S); }
  matrix gp1(real[] x, real a, real r) { return cov_exp_quad(x, a, r); }
  matrix gpv(vector[] x, real a, real r) { return cov_exp_quad(x, a, r); }
  matrix dpm(vector v, matrix m) { return diag_pre_multiply(v, m); }
}
"
expose_stan_functions(stanc(model_code = fns, model_name = "linalg_values"))

# The compiled model is cached outside the repository (HMCC_RSTAN_CACHE, as the other rstan
# scripts do), keyed by its code; the exposed functions are recompiled on every run.
corr_code <- "
data { int<lower=1> K; real<lower=0> eta; }
parameters { cholesky_factor_corr[K] L; }
model { target += lkj_corr_cholesky_lpdf(L | eta); }
"
cache <- Sys.getenv("HMCC_RSTAN_CACHE", file.path(tempdir(), "hmcc-rstan"))
dir.create(cache, showWarnings = FALSE, recursive = TRUE)
code_file <- tempfile(fileext = ".stan")
writeLines(corr_code, code_file)
key <- file.path(cache, paste0("corr_cholesky_", unname(tools::md5sum(code_file)), ".rds"))
if (file.exists(key)) {
  corr_model <- readRDS(key)
} else {
  corr_model <- stan_model(model_code = corr_code, model_name = "corr_cholesky")
  saveRDS(corr_model, key)
}

lines <- character()
put <- function(key, v) {
  v <- as.matrix(v)
  if (is.null(dim(v))) v <- matrix(v, nrow = 1)
  lines <<- c(lines, paste(key, nrow(v), ncol(v), paste(sprintf("%.17g", t(v)), collapse = " ")))
}
row <- function(v) matrix(v, nrow = 1)

set.seed(20251201)
for (K in c(1, 2, 3, 5, 10)) {
  p <- paste0("K", K, ".")
  # A correlation Cholesky factor from unconstrained values, through Stan's transform.
  nfree <- K * (K - 1) / 2
  L <- matrix(1, 1, 1)
  if (nfree > 0) {
    u <- round(rnorm(nfree, sd = 0.9), 6)
    put(paste0(p, "corr.u"), row(u))
    for (eta in c(1.0, 0.7, 2.5)) {
      fit <- sampling(corr_model, data = list(K = K, eta = eta), chains = 1, iter = 1, warmup = 0,
                      algorithm = "Fixed_param", refresh = 0, seed = 1)
      withj <- log_prob(fit, u, adjust_transform = TRUE)
      without <- log_prob(fit, u, adjust_transform = FALSE)
      g <- grad_log_prob(fit, u, adjust_transform = TRUE)
      L <- constrain_pars(fit, u)$L
      e <- paste0(p, "corr.eta", eta, ".")
      put(paste0(e, "logjac"), withj - without)
      put(paste0(e, "lkj"), without)
      put(paste0(e, "grad"), row(as.numeric(g)))
    }
    put(paste0(p, "corr.L"), L)
  }
  L <- if (nfree > 0) L else matrix(1, 1, 1)
  for (eta in c(1.0, 0.7, 2.5)) {
    put(paste0(p, "lkj.eta", eta), lkj_w(L, eta))
  }

  # A covariance Cholesky factor, data and means.
  Lc <- matrix(0, K, K)
  for (i in 1:K) for (j in 1:i) Lc[i, j] <- if (i == j) exp(rnorm(1, sd = 0.3)) else rnorm(1, sd = 0.5)
  Lc <- round(Lc, 6)
  N <- 4
  Y <- round(matrix(rnorm(N * K, sd = 1.5), N, K), 6)
  Mu <- round(matrix(rnorm(N * K), N, K), 6)
  put(paste0(p, "mvn.L"), Lc)
  put(paste0(p, "mvn.Y"), Y)
  put(paste0(p, "mvn.Mu"), Mu)
  ys <- lapply(1:N, function(n) Y[n, ])
  mus <- lapply(1:N, function(n) Mu[n, ])
  put(paste0(p, "mvnc.one"), mvnc1(Y[1, ], Mu[1, ], Lc))
  put(paste0(p, "mvnc.rows"), mvncN(ys, Mu[1, ], Lc))
  put(paste0(p, "mvnc.rowsmu"), mvncNN(ys, mus, Lc))
  S <- Lc %*% t(Lc)
  S <- (S + t(S)) / 2
  put(paste0(p, "mvn.Sigma"), S)
  put(paste0(p, "mvn.one"), mvn1(Y[1, ], Mu[1, ], S))
  put(paste0(p, "mvn.rows"), mvnN(ys, Mu[1, ], S))
  put(paste0(p, "chol"), chol(S))

  # diag_pre_multiply(v, m) on a K x 3 matrix.
  v <- round(rnorm(K), 6)
  m <- round(matrix(rnorm(K * 3), K, 3), 6)
  put(paste0(p, "dpm.v"), row(v))
  put(paste0(p, "dpm.m"), m)
  put(paste0(p, "dpm"), dpm(v, m))
}

# Exponentiated-quadratic covariance: N = 6 scalars, and N = 5 points in 2 dimensions.
x <- round(sort(runif(6, -2, 3)), 6)
put("gp1.x", row(x))
for (ar in list(c(1.3, 0.8), c(0.4, 2.5))) {
  put(sprintf("gp1.a%g.r%g", ar[1], ar[2]), gp1(x, ar[1], ar[2]))
}
X <- round(matrix(rnorm(10), 5, 2), 6)
put("gpv.X", X)
put("gpv.a1.3.r0.8", gpv(lapply(1:5, function(n) X[n, ]), 1.3, 0.8))

out <- Sys.getenv("HMCC_LINALG_OUT", "autodiff/linalg/testdata/stan_values.txt")
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
writeLines(c(paste("# written by bench/stan/linalg_values.R with rstan", packageVersion("rstan"),
                   "and StanHeaders", packageVersion("StanHeaders")), lines), out)
cat("wrote", length(lines), "values to", out, "\n")
