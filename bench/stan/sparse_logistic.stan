// Sparse (horseshoe-like gamma-scale) logistic regression.
// X is expected standardized (column mean 0, population sd 1).
data {
  int<lower=0> N;
  int<lower=0> D;
  matrix[N, D] X;
  int<lower=0, upper=1> y[N];
}
parameters {
  real<lower=0> tau;
  vector<lower=0>[D] lambda;
  vector[D] beta;
}
model {
  tau ~ gamma(0.5, 0.5);     // shape, rate
  lambda ~ gamma(0.5, 0.5);
  beta ~ normal(0, 1);
  y ~ bernoulli_logit(X * (tau * lambda .* beta));
}
