// Latent Gaussian-process Poisson regression, non-centred. Stan 2.21 syntax. Same model as
// models/gp_poisson.model.
data {
  int<lower=1> N;
  real x[N];
  int<lower=0> y[N];
}
parameters {
  real<lower=0> rho;
  real<lower=0> alpha;
  real a;
  vector[N] eta;
}
transformed parameters {
  vector[N] f;
  {
    matrix[N, N] K = cov_exp_quad(x, alpha, rho);
    for (n in 1:N) K[n, n] = K[n, n] + 1e-9;
    f = cholesky_decompose(K) * eta;
  }
}
model {
  rho ~ inv_gamma(5, 5);
  alpha ~ normal(0, 1);
  a ~ normal(0, 1);
  eta ~ normal(0, 1);
  y ~ poisson_log(a + f);
}
