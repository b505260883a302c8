# Sourced by the bench scripts: every bundled model with its data, as "name model data [data...]";
# name is the reference's in testdata/reference.
bundled_models() {
  cat <<'LIST'
kidiq kidiq.model kidiq.csv
eight_schools eight_schools.model eight_schools.csv
wide_regression wide_regression.model wide_regression.csv
poly_regression poly_regression.model poly_regression.csv
radon radon.model radon_mn.csv
radon_slopes radon_slopes.model radon_mn.csv
radon_uranium radon_uranium.model radon_mn.csv radon_counties.csv
ar2 ar2.model ar2.csv
arma11 arma11.model arma11.csv
garch11 garch11.model garch11.csv
normal_mixture normal_mixture.model mixture.csv
poisson_exposure poisson_exposure.model claims.csv
german_credit sparse_logistic.model german_credit.csv
breast_cancer sparse_logistic.model breast_cancer.csv
LIST
}

# agree SUMMARY_CSV REFERENCE_CSV: "max|z|=… sd-ratio=… agree|DISAGREE": every quantity's mean
# within 4 combined MCSEs of the reference and its sd within 10 %.
agree() {
  python3 - "$1" "$2" <<'PY'
import csv, math, sys
try:
    got = {r["name"]: r for r in csv.DictReader(open(sys.argv[1]))}
except FileNotFoundError:
    print("no-summary DISAGREE"); sys.exit(0)
def stan_name(n):  # the reference's beta.1 is summary.csv's beta[1], X.2.3 is X[2,3]
    base, _, idx = n.partition(".")
    return base + "[" + idx.replace(".", ",") + "]" if idx else n
ref = {stan_name(r["name"]): r for r in csv.DictReader(open(sys.argv[2]))}
zmax, worst = 0.0, 1.0
missing = [n for n in ref if n not in got]
if missing:
    print(f"missing={','.join(missing[:3])} DISAGREE"); sys.exit(0)
for name, r in ref.items():
    g = got[name]
    se = math.hypot(float(g["mcse_mean"]), float(r["mcse_mean"]))
    if se > 0:
        zmax = max(zmax, abs(float(g["mean"]) - float(r["mean"])) / se)
    if float(r["sd"]) > 0 and float(g["sd"]) > 0:
        ratio = float(g["sd"]) / float(r["sd"])
        if abs(math.log(ratio)) > abs(math.log(worst)):
            worst = ratio
ok = zmax <= 4 and abs(worst - 1) <= 0.10
print(f"max|z|={zmax:.1f} sd-ratio={worst:.3g} {'agree' if ok else 'DISAGREE'}")
PY
}
