// Radon, varying intercepts (centred) and varying floor slopes (non-centred) by county
// (Gelman & Hill 2006, ch. 13). Stan 2.21 syntax. Same model as models/radon_slopes.model.
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county[N];
  vector[N] first_floor;
  vector[N] y;
}
parameters {
  real mu_a;
  real<lower=0> sigma_a;
  vector[J] a;
  real mu_b;
  real<lower=0> sigma_b;
  vector[J] b_raw;
  real<lower=0> sigma_y;
}
transformed parameters {
  vector[J] b = mu_b + sigma_b * b_raw;
}
model {
  mu_a ~ normal(0, 10);
  sigma_a ~ normal(0, 2);
  a ~ normal(mu_a, sigma_a);
  mu_b ~ normal(0, 10);
  sigma_b ~ normal(0, 2);
  b_raw ~ std_normal();
  sigma_y ~ normal(0, 2);
  y ~ normal(a[county] + b[county] .* first_floor, sigma_y);
}
