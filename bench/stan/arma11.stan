// ARMA(1,1) as in the Stan User's Guide, with phi and theta in (-1, 1) (stationary and
// invertible, as posteriordb's arma11) and uniform there; the same priors as models/arma11.model.
data {
  int<lower=1> N;
  vector[N] y;
}
parameters {
  real mu;
  real<lower=-1, upper=1> phi;
  real<lower=-1, upper=1> theta;
  real<lower=0> sigma;
}
model {
  vector[N] nu;
  vector[N] err;
  nu[1] = mu + phi * mu;  // the error before the first is 0
  err[1] = y[1] - nu[1];
  for (t in 2:N) {
    nu[t] = mu + phi * y[t - 1] + theta * err[t - 1];
    err[t] = y[t] - nu[t];
  }
  mu ~ normal(0, 10);
  sigma ~ cauchy(0, 5);
  err ~ normal(0, sigma);
}
