// GARCH(1,1) as in the Stan User's Guide, with the first variance the sample variance (divide
// by N) and the same priors as models/garch11.model.
data {
  int<lower=2> N;
  vector[N] y;
}
transformed data {
  real v1 = mean(square(y - mean(y)));
}
parameters {
  real mu;
  real<lower=0> alpha0;
  real<lower=0, upper=1> alpha1;
  real<lower=0, upper=1> beta1;
}
model {
  vector[N] sigma2;
  sigma2[1] = v1;
  for (t in 2:N)
    sigma2[t] = alpha0 + alpha1 * square(y[t - 1] - mu) + beta1 * sigma2[t - 1];
  mu ~ normal(0, 10);
  alpha0 ~ normal(0, 1);
  y ~ normal(mu, sqrt(sigma2));
}
