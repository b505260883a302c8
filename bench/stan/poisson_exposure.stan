// Poisson regression with an exposure offset. Stan 2.21 syntax.
// Same model as models/poisson_exposure.model (data: models/claims.csv).
data {
  int<lower=1> N;
  int<lower=0> claims[N];
  vector<lower=0>[N] exposure;
  vector[N] x;
}
parameters {
  real a;
  real b;
}
model {
  a ~ normal(0, 5);
  b ~ normal(0, 2);
  claims ~ poisson_log(log(exposure) + a + b * x);
}
