# Stan's side of the scripts that compare hmcc with Stan on a bundled model (bench/compare.sh,
# bench/time_to_answer.sh): sourced, from the repository root, by a script that has set -euo
# pipefail. Stan runs through bench/stan/compare_stan.R, in two steps, so that the sampling
# process's memory can be measured without the C++ compiler's.

# stan_install installs from Debian what the comparison needs and is missing: rstan and posterior
# for Stan, OpenBLAS for hmcc's products, GNU time for hmcc's peak memory.
stan_install() {
  local need=()
  [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || need+=(libopenblas-dev)
  Rscript -e 'suppressMessages({library(rstan); library(posterior)})' >/dev/null 2>&1 || need+=(r-cran-rstan r-cran-posterior)
  [ -x /usr/bin/time ] || need+=(time)
  [ ${#need[@]} -gt 0 ] || return 0
  echo "installing ${need[*]} from Debian..." >&2
  local sudo=sudo
  [ "$(id -u)" -eq 0 ] && sudo=
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# model_files MODEL prints hmcc's model file and data file for a model compare_stan.R knows.
model_files() {
  case "$1" in
    german_credit) echo "models/sparse_logistic.model models/german_credit.csv" ;;
    breast_cancer) echo "models/sparse_logistic.model models/breast_cancer.csv" ;;
    eight_schools) echo "models/eight_schools.model models/eight_schools.csv" ;;
    kidiq) echo "models/kidiq.model models/kidiq.csv" ;;
    radon) echo "models/radon.model models/radon_mn.csv" ;;
    radon_correlated) echo "models/radon_correlated.model models/radon_mn.csv" ;;
    gp_poisson) echo "models/gp_poisson.model models/gp_poisson.csv" ;;
    *) echo "unknown model $1 (german_credit, breast_cancer, eight_schools, kidiq, radon, radon_correlated, gp_poisson)" >&2; exit 2 ;;
  esac
}

# get KEY FILE prints the last KEY=value of a key=value report.
get() { sed -n "s/^$1=//p" "$2" | tail -1; }

# stan_compile MODEL DIR compiles MODEL's Stan program into DIR; DIR/compile.txt holds compile_s.
stan_compile() {
  Rscript bench/stan/compare_stan.R compile "$1" "$2" > "$2/compile.txt" 2> "$2/compile.err" || { cat "$2/compile.err" >&2; exit 1; }
}

# stan_sample MODEL DIR [DRAWS] samples the compiled model with Stan's NUTS, 4 chains × (1000
# warmup + DRAWS, default 1000), both cores, seed 1; DIR/stan.txt holds first_draw_s, sampling_s,
# gradients, min_bulk_ess and max_rhat.
stan_sample() {
  Rscript bench/stan/compare_stan.R sample "$@" > "$2/stan.txt" 2> "$2/stan.err" || { cat "$2/stan.err" >&2; exit 1; }
}

# stan_peak_mb MODEL DIR [DRAWS] prints the peak memory in MB of the same sampling, its process and
# chain workers together (bench/peak_rss.sh). A run apart from stan_sample's: the polling would
# slow the timed one.
stan_peak_mb() {
  bench/peak_rss.sh Rscript bench/stan/compare_stan.R sample "$@" > /dev/null 2> "$2/stanmem.err" || { cat "$2/stanmem.err" >&2; exit 1; }
  get peak_rss_mb "$2/stanmem.err"
}
