package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runChains runs eight schools with the given chains and draws into a fresh directory.
func runChains(t *testing.T, chains, draws int) string {
	t.Helper()
	dir := t.TempDir()
	code, out, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", fmt.Sprint(chains), "--warmup", "150", "--draws", fmt.Sprint(draws), "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	return dir
}

// setHeader sets "# key = value" in a chain file's header: the line is replaced where it is,
// or added before hmcc_run_id's.
func setHeader(t *testing.T, path, key, value string) {
	t.Helper()
	b := mustRead(t, path)
	line := regexp.MustCompile(`(?m)^(#\s*)` + regexp.QuoteMeta(key) + ` = .*$`)
	var s string
	if line.Match(b) {
		s = line.ReplaceAllString(string(b), "${1}"+key+" = "+strings.ReplaceAll(value, "$", "$$"))
	} else {
		s = strings.Replace(string(b), "# hmcc_run_id = ", "# "+key+" = "+value+"\n# hmcc_run_id = ", 1)
	}
	if s == string(b) && !strings.Contains(s, key+" = "+value+"\n") {
		t.Fatalf("%s: cannot set %s", path, key)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// splitShards cuts a run of n·c chains in dir into n shard directories of c chains each, as
// hmcc run --shard i/n writes them: files keep their global chain numbers, and each header
// gets the shard, the chains per shard, the hashes and a run id of its own. Until every
// sampler draws from global-chain streams, this is how the tests get shards whose chains
// are exactly those of a whole run.
func splitShards(t *testing.T, dir string, n, c int) []string {
	t.Helper()
	root := t.TempDir()
	var dirs []string
	for i := 1; i <= n; i++ {
		sd := filepath.Join(root, fmt.Sprintf("shard%d", i))
		if err := os.Mkdir(sd, 0o755); err != nil {
			t.Fatal(err)
		}
		for g := (i-1)*c + 1; g <= i*c; g++ {
			name := fmt.Sprintf("output_%d.csv", g)
			p := filepath.Join(sd, name)
			if err := os.WriteFile(p, mustRead(t, filepath.Join(dir, name)), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, kv := range [][2]string{{"hmcc_chains", fmt.Sprint(c)}, {"hmcc_shard", fmt.Sprintf("%d/%d", i, n)},
				{"hmcc_model_hash", "sha256:aaaa"}, {"hmcc_data_hash", "sha256:bbbb"}, {"hmcc_rng", "philox4x32-10"},
				{"hmcc_superchains", "0"}, {"hmcc_run_id", fmt.Sprintf("RUN-%d", i)}} {
				setHeader(t, p, kv[0], kv[1])
			}
		}
		dirs = append(dirs, sd)
	}
	return dirs
}

// table returns the summary table's lines (the quantities' rows) of hmcc's output.
func table(out string) string {
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "lp__ ") || strings.HasPrefix(l, "mu ") || strings.HasPrefix(l, "tau ") || strings.HasPrefix(l, "theta") {
			rows = append(rows, l)
		}
	}
	return strings.Join(rows, "\n")
}

// Shards merge into the run they were cut from: the table is that of the whole run with the
// shards as its superchains, whatever order the directories come in, and the output names the
// criterion. Long chains are judged by split R-hat over all chains and nested R-hat over the
// shards; many short chains by nested R-hat alone.
func TestSummaryMergesShards(t *testing.T) {
	for _, c := range []struct {
		shards, per, draws int
		criterion          string
	}{
		{2, 4, 300, "criterion: split R-hat ≤ 1.01 over all 8 chains and nested R-hat ≤ 1.01 over the 2 shards as superchains of 4 chains, bulk- and tail-ESS ≥ 100 per chain"},
		{4, 4, 60, "criterion: nested R-hat ≤ 1.01 over the 4 shards as superchains of 4 chains (split R-hat is shown, not judged), bulk- and tail-ESS ≥ 100 per superchain"},
	} {
		whole := runChains(t, c.shards*c.per, c.draws)
		dirs := splitShards(t, whole, c.shards, c.per)
		code, want, errs := hmcc(t, "summary", whole, "--superchains", fmt.Sprint(c.shards))
		if code != 0 {
			t.Fatalf("summary of the whole run: exit %d: %s", code, errs)
		}
		code, got, errs := hmcc(t, append([]string{"summary"}, dirs...)...)
		if code != 0 {
			t.Fatalf("merge: exit %d: %s\n%s", code, errs, got)
		}
		if table(got) != table(want) || !strings.Contains(got, "rhat_nested") || table(got) == "" {
			t.Errorf("the merged table differs from the whole run's:\n%s\nwhole:\n%s", got, want)
		}
		if !strings.Contains(got, c.criterion) || !strings.Contains(got, fmt.Sprintf("merging %d of %d shard(s):\n  shard 1/%d  %s  chains 1–%d  (run RUN-1)", c.shards, c.shards, c.shards, dirs[0], c.per)) {
			t.Errorf("output lacks the shards or %q:\n%s", c.criterion, got)
		}
		rev := append([]string{"summary"}, dirs...)
		for i, j := 1, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		if code, back, _ := hmcc(t, rev...); code != 0 || back != got {
			t.Errorf("the shards in reverse order give another summary (exit %d):\n%s", code, back)
		}
	}
}

// Missing shards are named; the summary of the shards given is printed with the warning at
// the head of its verdict, and the exit status is 2 unless --allow-missing.
func TestSummaryReportsMissingShards(t *testing.T) {
	dirs := splitShards(t, runChains(t, 16, 60), 4, 4)
	code, out, errs := hmcc(t, "summary", dirs[0], dirs[2])
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{
		"merging 2 of 4 shard(s):",
		"verdict: ", "  - shards 2 and 4 of 4 are missing: this summary is of shards 1 and 3 only (8 chains)",
		"criterion: split R-hat ≤ 1.01 over all 8 chains and nested R-hat ≤ 1.01 over the 2 shards",
		"\nmu ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "error: shards 2 and 4 of 4 are missing (the summary above is of the shards given); finish them and merge again, or pass --allow-missing") {
		t.Errorf("stderr: %s", errs)
	}
	code, allowed, errs := hmcc(t, "summary", dirs[0], dirs[2], "--allow-missing")
	if code != 0 || allowed != out || errs != "" {
		t.Errorf("--allow-missing: exit %d, stderr %q, output differs: %v", code, errs, allowed != out)
	}
	// One shard alone is summarised as itself: asked for, not a partial run.
	code, out, errs = hmcc(t, "summary", dirs[1])
	if code != 0 || strings.Contains(out, "missing") || !strings.Contains(out, "merging 1 of 4 shard(s):\n  shard 2/4") || !strings.Contains(out, "this shard alone;") ||
		!strings.Contains(out, "criterion: split R-hat") || !strings.Contains(out, "4 chains, 60 draws each") {
		t.Errorf("one shard: exit %d:\n%s%s", code, out, errs)
	}
}

// Shards that are not of one run, or that overlap, are refused with exit status 2 and a message
// naming both directories (or files), what differs, and what to do.
func TestSummaryRefusesForeignShards(t *testing.T) {
	whole := runChains(t, 8, 30)
	edit := func(key, value string) func(t *testing.T, dirs []string) []string {
		return func(t *testing.T, dirs []string) []string {
			files, _ := filepath.Glob(filepath.Join(dirs[1], "output_*.csv"))
			for _, f := range files {
				setHeader(t, f, key, value)
			}
			return dirs
		}
	}
	for _, c := range []struct {
		name  string
		edit  func(t *testing.T, dirs []string) []string
		wants []string
	}{
		{"model", edit("hmcc_model_hash", "sha256:cccc"), []string{"shard1/output_1.csv and ", "shard2/output_5.csv: their model (hmcc_model_hash) differs (sha256:aaaa and sha256:cccc), so they are not shards of one run", "rerun the odd shard with the others' settings, or summarise each run alone"}},
		{"data", edit("hmcc_data_hash", "sha256:cccc"), []string{"their data (hmcc_data_hash) differs (sha256:bbbb and sha256:cccc)"}},
		// One hash for two data files: an hmcc before one hash per input.
		{"old data hash", func(t *testing.T, dirs []string) []string {
			for i, d := range dirs {
				files, _ := filepath.Glob(filepath.Join(d, "output_*.csv"))
				for _, f := range files {
					setHeader(t, f, "file", "a.csv,b.csv")
					setHeader(t, f, "hmcc_data_hash", []string{"sha256:bbbb", "sha256:bbbb,sha256:cccc"}[i])
				}
			}
			return dirs
		}, []string{"one was written by an hmcc that recorded one hash of all its data files together", "rerun the older shards with this hmcc"}},
		{"seed", edit("seed", "7"), []string{"their seed differs (1 and 7)"}},
		{"sampler", edit("hmcc_sampler", "nuts"), []string{"their sampler differs (chees and nuts)"}},
		{"draws", edit("num_samples", "31"), []string{"their draws (num_samples) differs (30 and 31)"}},
		{"rng", edit("hmcc_rng", "pcg"), []string{"their random number generator (hmcc_rng) differs (philox4x32-10 and pcg)"}},
		{"no hashes", edit("hmcc_model_hash", ""), []string{"their model (hmcc_model_hash) differs (sha256:aaaa and not recorded)"}},
		{"shard count", edit("hmcc_shard", "2/3"), []string{"shard1 and ", "shard2: ", "shard2 is shard 2/3, shards of runs split in 2 and in 3"}},
		{"same shard", func(t *testing.T, dirs []string) []string {
			again := filepath.Join(t.TempDir(), "again")
			copyDir(t, dirs[0], again)
			for g := 1; g <= 4; g++ {
				setHeader(t, filepath.Join(again, fmt.Sprintf("output_%d.csv", g)), "hmcc_run_id", "RUN-9")
			}
			return []string{dirs[0], again, dirs[1]}
		}, []string{"shard1 and ", "again: both hold shard 1/2 (runs RUN-1 and RUN-9), so their chains would count twice"}},
		{"same chain", func(t *testing.T, dirs []string) []string {
			// Shard 2's files, their ids edited to shard 1's: a global chain held twice.
			other := filepath.Join(t.TempDir(), "other")
			copyDir(t, dirs[1], other)
			for g := 5; g <= 8; g++ {
				setHeader(t, filepath.Join(other, fmt.Sprintf("output_%d.csv", g)), "id", fmt.Sprint(g-4))
			}
			return []string{dirs[0], other}
		}, []string{"shard1/output_1.csv and ", "other/output_5.csv both hold global chain 1"}},
		{"same directory", func(t *testing.T, dirs []string) []string {
			return []string{dirs[0], dirs[1], dirs[0] + "/"}
		}, []string{"shard1 is given twice"}},
		{"unfinished shard", func(t *testing.T, dirs []string) []string {
			for g := 5; g <= 8; g++ {
				p := filepath.Join(dirs[1], fmt.Sprintf("output_%d.csv", g))
				b := string(mustRead(t, p))
				cut := strings.Index(b, "\n# \n#  Elapsed")
				if cut < 0 {
					t.Fatalf("%s has no timing trailer", p)
				}
				body := b[:cut]
				body = body[:strings.LastIndex(body, "\n")] // drop the last draw
				os.WriteFile(p, []byte(body+"\n"), 0o644)
			}
			return dirs
		}, []string{"shard2: their chains hold 30 and 29 draws", "hmcc run --resume DIR"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dirs := c.edit(t, splitShards(t, whole, 2, 4))
			code, out, errs := hmcc(t, append([]string{"summary"}, dirs...)...)
			if code != 2 || out != "" {
				t.Errorf("exit %d, want 2 and no summary; stdout:\n%s", code, out)
			}
			for _, w := range c.wants {
				if !strings.Contains(errs, w) {
					t.Errorf("message lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

// A shard's directory holds the chains of its global ids (output_5.csv … for shard 2): it
// reads back alone, and a chain missing from it is named.
func TestSummaryShardMissingChain(t *testing.T) {
	dirs := splitShards(t, runChains(t, 8, 30), 2, 4)
	if err := os.Remove(filepath.Join(dirs[1], "output_5.csv")); err != nil {
		t.Fatal(err)
	}
	code, _, errs := hmcc(t, "summary", dirs[0], dirs[1])
	if code != 2 || !strings.Contains(errs, "shard2 has output_6.csv … output_8.csv, 3 chain file(s) of shard 2/2, which ran 4 chains: a chain is missing") {
		t.Errorf("exit %d: %s", code, errs)
	}
	// A file of the wrong number, the count right: the first missing number is named.
	dirs = splitShards(t, runChains(t, 8, 30), 2, 4)
	if err := os.Rename(filepath.Join(dirs[1], "output_7.csv"), filepath.Join(dirs[1], "output_9.csv")); err != nil {
		t.Fatal(err)
	}
	if code, _, errs = hmcc(t, "summary", dirs[1]); code != 2 || !strings.Contains(errs, "has output_5.csv … output_9.csv but no output_7.csv: a chain is missing") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(from, "*"))
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), mustRead(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
