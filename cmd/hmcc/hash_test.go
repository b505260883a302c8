package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	hmcclib "github.com/hmcc-dev/hmcc"
)

// The one hash of each input: a run with two data files records, in every chain file's header,
// the model's and each data file's SHA-256 as sha256sum prints them (hmcc_data_hash joins the
// data files' in command-line order), and its checkpoint records the same digests, and that of
// the --init file (read once, for its hash and its values).
func TestHeaderHashesAreSha256sum(t *testing.T) {
	sum, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("no sha256sum:", err)
	}
	model, data := "../../models/radon_uranium.model", []string{"../../models/radon_mn.csv", "../../models/radon_counties.csv"}
	init := write(t, "init.json", `{"g0": 0.5, "sigma_a": 1}`)
	want := map[string]string{}
	for _, p := range append([]string{model, init}, data...) {
		out, err := exec.Command(sum, p).Output()
		if err != nil {
			t.Fatal(err)
		}
		want[p] = strings.Fields(string(out))[0]
	}
	dir := filepath.Join(t.TempDir(), "out")
	if code, out, errs := hmcc(t, "run", model, data[0], data[1], "--chains", "2", "--sampler", "nuts", "--warmup", "0", "--draws", "3", "--output-dir", dir, "--quiet", "--init", init); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	h := header(t, filepath.Join(dir, "output_1.csv"))
	if w := "sha256:" + want[model]; h["hmcc_model_hash"] != w {
		t.Errorf("hmcc_model_hash %q, sha256sum %q", h["hmcc_model_hash"], w)
	}
	if w := "sha256:" + want[data[0]] + ",sha256:" + want[data[1]]; h["hmcc_data_hash"] != w {
		t.Errorf("hmcc_data_hash %q, sha256sum %q", h["hmcc_data_hash"], w)
	}
	b, err := os.ReadFile(filepath.Join(dir, hmcclib.CheckpointName))
	if err != nil {
		t.Fatal(err)
	}
	var ck hmcclib.Checkpoint
	if err := json.Unmarshal(b, &ck); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ck.Inputs {
		got = append(got, in.SHA256)
	}
	if w := []string{want[model], want[data[0]], want[data[1]], want[init]}; strings.Join(got, " ") != strings.Join(w, " ") {
		t.Errorf("the checkpoint's hashes %v, sha256sum's %v", got, w)
	}
}
