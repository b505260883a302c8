// A multivariate normal with unknown mean and covariance (scales times an LKJ correlation).
// Stan 2.21 syntax. Same model as models/mvn.model.
data {
  int<lower=1> N;
  int<lower=1> K;
  vector[K] Y[N];
}
parameters {
  vector[K] mu;
  vector<lower=0>[K] tau;
  cholesky_factor_corr[K] L;
}
transformed parameters {
  matrix[K, K] Omega = multiply_lower_tri_self_transpose(L);
}
model {
  mu ~ normal(0, 5);
  tau ~ normal(0, 3);
  L ~ lkj_corr_cholesky(2);
  Y ~ multi_normal_cholesky(mu, diag_pre_multiply(tau, L));
}
