// kidiq: kid_score on standardized mom_hs and mom_iq.
data {
  int<lower=0> N;
  vector[N] y;
  matrix[N, 2] X;
}
parameters {
  real alpha;
  vector[2] beta;
  real<lower=0> sigma;
}
model {
  alpha ~ normal(0, 100);
  beta ~ normal(0, 10);
  sigma ~ exponential(0.1);
  y ~ normal(alpha + X * beta, sigma);
}
