# Simulates the data of the matrix models in models/ (issue 15; see models/DATA.md).
# Run from the repository root: Rscript models/simulate_matrix.R
# Base R only; set.seed fixes every draw, so the CSVs are reproduced bit for bit by R >= 3.6
# (the default "Rejection" sample.kind and Mersenne-Twister / Inversion generators).

# gp_poisson.csv: counts over a one-dimensional input, log rate a + f(x) with f a draw of a
# Gaussian process with an exponentiated-quadratic covariance (alpha = 1, rho = 1.5) and a = 0.5;
# N = 40 inputs spread over (0, 10).
set.seed(20261215)
N <- 40
x <- sort(round(runif(N, 0, 10), 3))
K <- outer(x, x, function(a, b) exp(-(a - b)^2 / (2 * 1.5^2))) + diag(1e-9, N)
f <- as.vector(t(chol(K)) %*% rnorm(N))
y <- rpois(N, exp(0.5 + f))
write.csv(data.frame(x = x, y = y), "models/gp_poisson.csv", row.names = FALSE, quote = FALSE)

# mvn.csv: 100 draws of a three-dimensional normal with means (1, -1, 0.5), standard deviations
# (1, 2, 0.5) and correlations 0.6 (1-2), -0.3 (1-3), 0.2 (2-3).
set.seed(20261216)
N <- 100
mu <- c(1, -1, 0.5)
s <- c(1, 2, 0.5)
R <- matrix(c(1, 0.6, -0.3, 0.6, 1, 0.2, -0.3, 0.2, 1), 3, 3)
Sigma <- diag(s) %*% R %*% diag(s)
Y <- matrix(rnorm(N * 3), N, 3) %*% chol(Sigma) + matrix(mu, N, 3, byrow = TRUE)
write.csv(data.frame(y1 = round(Y[, 1], 6), y2 = round(Y[, 2], 6), y3 = round(Y[, 3], 6)),
          "models/mvn.csv", row.names = FALSE, quote = FALSE)
