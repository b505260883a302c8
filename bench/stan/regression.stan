// Linear regression on raw (unstandardised) predictors, for models/wide_regression.model and
// models/poly_regression.model; the prior scales come with the data.
data {
  int<lower=0> N;
  int<lower=1> K;
  vector[N] y;
  matrix[N, K] X;
  real<lower=0> alpha_scale;
  real<lower=0> beta_scale;
}
parameters {
  real alpha;
  vector[K] beta;
  real<lower=0> sigma;
}
model {
  alpha ~ normal(0, alpha_scale);
  beta ~ normal(0, beta_scale);
  sigma ~ exponential(1);
  y ~ normal(alpha + X * beta, sigma);
}
