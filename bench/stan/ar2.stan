// AR(2), conditional on the first two values; the same priors as models/ar2.model.
data {
  int<lower=3> N;
  vector[N] y;
}
parameters {
  real alpha;
  vector[2] beta;
  real<lower=0> sigma;
}
model {
  alpha ~ normal(0, 10);
  beta ~ normal(0, 1);
  sigma ~ normal(0, 2);
  y[3:N] ~ normal(alpha + beta[1] * y[2:(N - 1)] + beta[2] * y[1:(N - 2)], sigma);
}
