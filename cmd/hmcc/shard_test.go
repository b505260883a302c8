package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every malformed or out-of-range --shard exits 2, before anything is written, with a message
// that shows the form.
func TestShardFlagIsValidated(t *testing.T) {
	bin := buildHmcc(t)
	for _, s := range []string{"0/4", "5/4", "a/b", "1/0", "2", "-1/4", "1/4/2", "2/ 4"} {
		dir := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command(bin, "run", "../../models/kidiq.model", "../../models/kidiq.csv", "--shard", s, "--output-dir", dir, "--quiet")
		out, _ := cmd.CombinedOutput()
		code := cmd.ProcessState.ExitCode()
		if code != 2 || !strings.Contains(string(out), "--shard takes i/n") || !strings.Contains(string(out), "e.g. --shard 2/4") {
			t.Errorf("--shard %q: exit %d\n%s", s, code, out)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("--shard %q: %s was created", s, dir)
		}
	}
}

// header reads the "# key = value" comments of a chain file.
func header(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "#"), " = "); ok && strings.HasPrefix(line, "#") {
			h[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return h
}

// rows are a chain file's lines that are not comments.
func rows(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func sha(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// Shard 2 of 2 of a 4-chain run writes global chains 3 and 4 as output_3.csv and output_4.csv,
// with the shard, the hashes of the model and data, the seed and the generator in the headers;
// hmcc summary reads the shard's directory. Without warmup (no pooled adaptation) every chain
// of the shard is bitwise the same as that chain of the whole run in one process, for each
// sampler whose draws are the chain's own (nuts, and chees whose jitter is a fixed sequence).
//
// The nuts+generate case's model draws a replicated data set per draw (generate y_rep ~ …),
// which the global chain's generate streams make the same too.
func TestShardChainsAreTheGlobalChains(t *testing.T) {
	data := "../../models/kidiq.csv"
	for _, c := range []struct{ name, sampler, model string }{
		{"nuts", "nuts", "../../models/kidiq.model"},
		{"chees", "chees", "../../models/kidiq.model"},
		{"nuts+generate", "nuts", "testdata/kidiq_ppc.model"},
	} {
		sampler, model := c.sampler, c.model
		t.Run(c.name, func(t *testing.T) {
			whole, shard := t.TempDir(), t.TempDir()
			common := []string{"--warmup", "0", "--draws", "30", "--seed", "9", "--sampler", sampler}
			if code, out, errs := hmcc(t, append([]string{"run", model, data, "--chains", "4", "--output-dir", whole, "--quiet"}, common...)...); code != 0 {
				t.Fatalf("whole run: exit %d\n%s\n%s", code, out, errs)
			}
			code, out, errs := hmcc(t, append([]string{"run", model, data, "--chains", "2", "--shard", "2/2", "--output-dir", shard, "--quiet"}, common...)...)
			if code != 0 {
				t.Fatalf("shard run: exit %d\n%s\n%s", code, out, errs)
			}
			if !strings.Contains(out, "wrote 2 chain CSVs (shard 2/2: output_3.csv to output_4.csv)") {
				t.Errorf("the shard run does not say which files it wrote:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(shard, "output_1.csv")); err == nil {
				t.Error("shard 2/2 wrote output_1.csv")
			}
			for g := 3; g <= 4; g++ {
				path := filepath.Join(shard, "output_"+strconv.Itoa(g)+".csv")
				h := header(t, path)
				want := map[string]string{"id": strconv.Itoa(g), "hmcc_shard": "2/2", "seed": "9", "hmcc_rng": "philox4x32-10",
					"hmcc_model_hash": sha(t, model), "hmcc_data_hash": sha(t, data), "hmcc_chains": "2"}
				for k, v := range want {
					if h[k] != v {
						t.Errorf("output_%d.csv: %s = %q, want %q", g, k, h[k], v)
					}
				}
				if w := header(t, filepath.Join(whole, "output_"+strconv.Itoa(g)+".csv")); w["hmcc_shard"] != "1/1" || w["id"] != strconv.Itoa(g) {
					t.Errorf("the whole run's output_%d.csv: hmcc_shard %q, id %q", g, w["hmcc_shard"], w["id"])
				}
				a, b := rows(t, path), rows(t, filepath.Join(whole, "output_"+strconv.Itoa(g)+".csv"))
				if len(a) != 31 || len(a) != len(b) {
					t.Fatalf("chain %d: %d rows in the shard, %d in the whole run", g, len(a), len(b))
				}
				for i := range a {
					if a[i] != b[i] {
						t.Fatalf("chain %d row %d: shard\n%s\nwhole run\n%s", g, i, a[i], b[i])
					}
				}
			}
			// Neighbouring global chains draw differently.
			if r3, r4 := rows(t, filepath.Join(shard, "output_3.csv")), rows(t, filepath.Join(shard, "output_4.csv")); r3[5] == r4[5] {
				t.Error("chains 3 and 4 drew the same row")
			}
			code, out, errs = hmcc(t, "summary", shard)
			if code != 0 || !strings.Contains(out, "2 chains") {
				t.Errorf("hmcc summary of the shard: exit %d\n%s\n%s", code, out, errs)
			}
		})
	}
}
