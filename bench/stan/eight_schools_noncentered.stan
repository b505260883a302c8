// Eight schools, non-centered parameterisation (Rubin 1981; BDA3 sec. 5.5).
// Stan 2.21 syntax (Debian rstan 2.21.7).
data {
  int<lower=0> J;
  real y[J];
  real<lower=0> sigma[J];
}
parameters {
  real mu;
  real<lower=0> tau;
  vector[J] theta_raw;
}
transformed parameters {
  vector[J] theta = mu + tau * theta_raw;
}
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);        // half-Cauchy via the <lower=0> constraint
  theta_raw ~ std_normal();
  y ~ normal(theta, sigma);
}
