// Radon, varying intercepts by county (Gelman & Hill 2006, ch. 12), centred.
// Stan 2.21 syntax (Debian rstan 2.21.7). Same model as models/radon.model.
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county[N];
  vector[N] first_floor;
  vector[N] y;
}
parameters {
  real mu_a;
  real<lower=0> sigma_a;
  vector[J] a;
  real b;
  real<lower=0> sigma_y;
}
model {
  mu_a ~ normal(0, 10);
  sigma_a ~ normal(0, 2);    // half-normal via the <lower=0> constraint
  a ~ normal(mu_a, sigma_a);
  b ~ normal(0, 10);
  sigma_y ~ normal(0, 2);
  y ~ normal(a[county] + b * first_floor, sigma_y);
}
