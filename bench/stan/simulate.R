# Simulated data sets of the bundled models (fixed seeds; run from the repository root):
#   Rscript bench/stan/simulate.R
# writes models/mixture.csv (two-component normal mixture) and models/claims.csv (counts with
# an exposure). Also derives models/radon_counties.csv, the county-level table of radon_mn.csv.
set.seed(20261201L)
n <- 300L
z <- rbinom(n, 1, 0.35)
y <- ifelse(z == 1, rnorm(n, -1.5, 0.6), rnorm(n, 2, 1.1))
write.csv(data.frame(y = round(y, 6)), "models/mixture.csv", row.names = FALSE, quote = FALSE)

set.seed(20261202L)
n <- 200L
exposure <- round(runif(n, 0.5, 10), 3)
x <- round(rnorm(n), 4)
claims <- rpois(n, exposure * exp(-1.2 + 0.5 * x))
write.csv(data.frame(claims = claims, exposure = exposure, x = x), "models/claims.csv",
          row.names = FALSE, quote = FALSE)

d <- read.csv("models/radon_mn.csv")
counties <- unique(d[, c("county_idx", "log_uranium")])
counties <- counties[order(counties$county_idx), ]
stopifnot(nrow(counties) == max(d$county_idx))
write.csv(counties, "models/radon_counties.csv", row.names = FALSE, quote = FALSE)
