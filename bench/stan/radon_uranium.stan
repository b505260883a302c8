// Radon with the county-level predictor log uranium (Gelman & Hill 2006, ch. 12.6): varying
// intercepts whose mean depends on the county's uranium, non-centred. Stan 2.21 syntax.
// Same model as models/radon_uranium.model (county table: models/radon_counties.csv).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county[N];
  vector[N] first_floor;
  vector[N] y;
  vector[J] u;
}
parameters {
  real g0;
  real g1;
  real<lower=0> sigma_a;
  vector[J] eta;
  real b;
  real<lower=0> sigma_y;
}
transformed parameters {
  vector[J] a = g0 + g1 * u + sigma_a * eta;
}
model {
  g0 ~ normal(0, 10);
  g1 ~ normal(0, 10);
  sigma_a ~ normal(0, 2);
  eta ~ normal(0, 1);
  b ~ normal(0, 10);
  sigma_y ~ normal(0, 2);
  y ~ normal(a[county] + b * first_floor, sigma_y);
}
