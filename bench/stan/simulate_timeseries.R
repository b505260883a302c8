# Simulated series for the time-series models -> models/ar2.csv, models/arma11.csv, models/garch11.csv
# Usage (from the repository root):  Rscript bench/stan/simulate_timeseries.R
# Each series has a fixed seed and a burn-in of 100 steps that is dropped, so it starts near
# the stationary distribution. Values are written with 6 decimals.
write_series <- function(y, file) {
  write.csv(data.frame(y = sprintf("%.6f", y)), file, row.names = FALSE, quote = FALSE)
}
burn <- 100L

# AR(2): y[t] = 0.5 + 0.6 y[t-1] - 0.3 y[t-2] + e[t], e ~ normal(0, 1)
set.seed(20261201L)
n <- 200L
y <- numeric(n + burn)
for (t in 3:(n + burn)) y[t] <- 0.5 + 0.6 * y[t - 1] - 0.3 * y[t - 2] + rnorm(1)
write_series(y[-(1:burn)], "models/ar2.csv")

# ARMA(1,1): y[t] = 1 + 0.6 (y[t-1] - 1) + 0.3 e[t-1] + e[t], e ~ normal(0, 0.8)
set.seed(20261202L)
n <- 200L
y <- rep(1, n + burn)
e <- rnorm(n + burn, 0, 0.8)
for (t in 2:(n + burn)) y[t] <- 1 + 0.6 * (y[t - 1] - 1) + 0.3 * e[t - 1] + e[t]
write_series(y[-(1:burn)], "models/arma11.csv")

# GARCH(1,1): y[t] = 0.1 + sigma[t] z[t], sigma[t]^2 = 0.2 + 0.3 (y[t-1] - 0.1)^2 + 0.5 sigma[t-1]^2
set.seed(20261203L)
n <- 300L
y <- numeric(n + burn)
s2 <- numeric(n + burn)
s2[1] <- 0.2 / (1 - 0.3 - 0.5)
y[1] <- 0.1 + sqrt(s2[1]) * rnorm(1)
for (t in 2:(n + burn)) {
  s2[t] <- 0.2 + 0.3 * (y[t - 1] - 0.1)^2 + 0.5 * s2[t - 1]
  y[t] <- 0.1 + sqrt(s2[t]) * rnorm(1)
}
write_series(y[-(1:burn)], "models/garch11.csv")
