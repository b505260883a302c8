# Simulates the two hard-geometry regression data sets in models/ (see models/DATA.md).
# Run from the repository root: Rscript models/simulate.R
# Base R only; set.seed fixes every draw, so the CSVs are reproduced bit for bit by R >= 3.6
# (the default "Rejection" sample.kind and Mersenne-Twister / Inversion generators).

# wide_regression.csv: four predictors on their raw scales (up to about +-400, most of them far
# from zero), 40 rows, noise sd 1: coefficient posterior sds ~1e-3 against the intercept's ~0.7,
# and the intercept strongly correlated with the slopes.
set.seed(20261201)
N <- 40
x1 <- runif(N, 0, 400)
x2 <- rnorm(N, 200, 100)
x3 <- runif(N, -400, 400)
x4 <- runif(N, 100, 400)
y <- 10 + 0.05 * x1 - 0.02 * x2 + 0.03 * x3 + 0.01 * x4 + rnorm(N, 0, 1)
write.csv(data.frame(y = round(y, 6), x1 = round(x1, 4), x2 = round(x2, 4), x3 = round(x3, 4),
                     x4 = round(x4, 4)),
          "models/wide_regression.csv", row.names = FALSE, quote = FALSE)

# poly_regression.csv: five correlated inputs (a shared factor, pairwise correlation ~0.64) and
# their powers 1..5, unstandardised and all positive (about 0.3 to 3, so z^5 reaches ~250):
# 25 predictors whose correlations reach 0.99.
set.seed(20261202)
N <- 200
f <- rnorm(N)
X <- NULL
for (k in 1:5) {
  z <- 1.5 + 0.4 * f + 0.3 * rnorm(N)
  for (p in 1:5) {
    col <- data.frame(z^p)
    names(col) <- sprintf("z%d_%d", k, p)
    X <- if (is.null(X)) col else cbind(X, col)
  }
}
beta <- rep(c(0.5, -0.3, 0.2, 0.05, -0.02), 5) * rep(c(1, -1, 0.5, 0.8, -0.6), each = 5)
y <- 1 + as.matrix(X) %*% beta + rnorm(N, 0, 1)
out <- cbind(data.frame(y = round(as.vector(y), 6)), round(X, 6))
write.csv(out, "models/poly_regression.csv", row.names = FALSE, quote = FALSE)
