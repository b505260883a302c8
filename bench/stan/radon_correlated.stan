// Radon with correlated county intercepts and floor slopes, non-centred through the Cholesky
// factor of their correlation matrix. Stan 2.21 syntax. Same model as models/radon_correlated.model.
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county[N];
  vector[N] first_floor;
  vector[N] y;
}
parameters {
  vector[2] mu;
  vector<lower=0>[2] tau;
  cholesky_factor_corr[2] L;
  matrix[2, J] z;
  real<lower=0> sigma_y;
}
transformed parameters {
  matrix[2, J] ab = diag_pre_multiply(tau, L) * z;
}
model {
  mu ~ normal(0, 10);
  tau ~ normal(0, 2);
  L ~ lkj_corr_cholesky(2);
  to_vector(z) ~ normal(0, 1);
  sigma_y ~ normal(0, 2);
  y ~ normal(mu[1] + ab[1, county]' + (mu[2] + ab[2, county]') .* first_floor, sigma_y);
}
