# Exact posterior summaries of the simulated regressions in models/ (models/simulate.R):
#   alpha ~ normal(0, a), beta ~ normal(0, b), sigma ~ exponential(1), y ~ normal(alpha + X beta, sigma).
# Given sigma, (alpha, beta) is Gaussian (conjugate), and sigma's marginal posterior is
#   p(sigma | y) ∝ exp(-sigma) N(y | 0, sigma² I + X0 S0 X0ᵀ),  X0 = [1, X], S0 = diag(a², b², ...),
# so every moment is a one-dimensional integral over sigma, done here on a fine grid.
# Usage (repository root): Rscript bench/stan/exact_regression.R MODEL ALPHA_SCALE BETA_SCALE [OUT]
# e.g.  Rscript bench/stan/exact_regression.R poly_regression 10 5 testdata/reference/poly_regression.csv
args <- commandArgs(trailingOnly = TRUE)
model <- args[1]; a <- as.numeric(args[2]); b <- as.numeric(args[3])
out <- if (length(args) > 3) args[4] else ""
d <- read.csv(file.path("models", paste0(model, ".csv")))
y <- d$y; X0 <- cbind(1, as.matrix(d[, -1])); N <- length(y); K <- ncol(X0)
prec0 <- diag(1 / c(a^2, rep(b^2, K - 1)))
XtX <- crossprod(X0); Xty <- crossprod(X0, y)
# log p(sigma | y) up to a constant, through the conditional posterior (numerically stabler
# than the N×N marginal): log p(y|σ) = log N(y | X0 m, ...) written with the posterior precision.
cond <- function(s) {
  P <- XtX / s^2 + prec0
  R <- chol(P)
  m <- backsolve(R, forwardsolve(t(R), Xty / s^2))
  rss <- sum((y - X0 %*% m)^2)
  quad <- rss / s^2 + sum(m * (prec0 %*% m))
  logml <- -N * log(s) - 0.5 * quad - sum(log(diag(R))) # + constants
  list(m = as.vector(m), V = chol2inv(R), lp = logml - s)
}
# grid: find the mode region first
coarse <- exp(seq(log(0.05), log(50), length.out = 400))
lp <- sapply(coarse, function(s) cond(s)$lp)
keep <- coarse[lp > max(lp) - 40]
grid <- seq(min(keep) * 0.9, max(keep) * 1.1, length.out = 4001)
parts <- lapply(grid, cond)
lw <- sapply(parts, `[[`, "lp"); w <- exp(lw - max(lw)); w <- w / sum(w)
M <- sapply(parts, `[[`, "m")               # K × G
Vd <- sapply(parts, function(p) diag(p$V))  # K × G
mean_t <- as.vector(M %*% w)
m2_t <- as.vector((Vd + M^2) %*% w)
sd_t <- sqrt(m2_t - mean_t^2)
mixq <- function(k, p) {
  f <- function(q) sum(w * pnorm(q, M[k, ], sqrt(Vd[k, ]))) - p
  uniroot(f, c(mean_t[k] - 20 * sd_t[k], mean_t[k] + 20 * sd_t[k]), tol = 1e-12)$root
}
cw <- cumsum(w)
sq <- function(p) grid[which(cw >= p)[1]]
smean <- sum(w * grid); ssd <- sqrt(sum(w * grid^2) - smean^2)
names_t <- c("alpha", paste0("beta.", 1:(K - 1)))
fmt <- function(x) vapply(signif(as.numeric(x), 8), format, "", digits = 8, scientific = FALSE, trim = TRUE)
res <- data.frame(name = c(names_t, "sigma"),
  mean = fmt(c(mean_t, smean)), sd = fmt(c(sd_t, ssd)),
  q5 = fmt(c(sapply(1:K, mixq, 0.05), sq(0.05))), q50 = fmt(c(sapply(1:K, mixq, 0.5), sq(0.5))),
  q95 = fmt(c(sapply(1:K, mixq, 0.95), sq(0.95))),
  mcse_mean = 0, ess_bulk = "Inf", ess_tail = "Inf", rhat = 1)
if (nzchar(out)) write.csv(res, out, row.names = FALSE, quote = FALSE) else print(res)
