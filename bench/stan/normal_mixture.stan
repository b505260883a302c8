// Two-component normal mixture with ordered means. Stan 2.21 syntax.
// Same model as models/normal_mixture.model (data: models/mixture.csv).
data {
  int<lower=1> N;
  vector[N] y;
}
parameters {
  simplex[2] w;
  ordered[2] mu;
  vector<lower=0>[2] sigma;
}
model {
  w ~ dirichlet(rep_vector(2, 2));
  mu ~ normal(0, 5);
  sigma ~ normal(0, 2);
  for (n in 1:N) {
    vector[2] lp = log(w);
    for (k in 1:2) lp[k] += normal_lpdf(y[n] | mu[k], sigma[k]);
    target += log_sum_exp(lp);
  }
}
