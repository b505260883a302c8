package cmdstan

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Shard lists read as a person writes them, runs of three or more as ranges.
func TestDescribeShards(t *testing.T) {
	for _, c := range []struct {
		idx  []int
		want string
	}{
		{[]int{2}, "2"},
		{[]int{2, 4}, "2 and 4"},
		{[]int{2, 3}, "2 and 3"},
		{[]int{1, 3, 4}, "1, 3 and 4"},
		{[]int{2, 5, 6, 7, 9}, "2, 5–7 and 9"},
		{[]int{1, 2, 3, 4}, "1–4"},
	} {
		if got := DescribeShards(c.idx); got != c.want {
			t.Errorf("DescribeShards(%v) = %q, want %q", c.idx, got, c.want)
		}
	}
}

// A file without hmcc_shard is a whole run, 1/1; a malformed or out-of-range one is an error.
func TestShardOf(t *testing.T) {
	for v, want := range map[string]ShardID{"": {1, 1}, "2/4": {2, 4}, " 3 / 3": {3, 3}} {
		f := &File{Config: map[string]string{}}
		if v != "" {
			f.Config["hmcc_shard"] = v
		}
		if got, err := ShardOf(f); err != nil || got != want {
			t.Errorf("ShardOf(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"0/4", "5/4", "2", "a/b", "2/-1"} {
		if _, err := ShardOf(&File{Config: map[string]string{"hmcc_shard": v}}); err == nil {
			t.Errorf("ShardOf(%q) accepted", v)
		}
	}
}

// setHeader sets every "key = …" line of the chain file's header to value, or adds one before
// hmcc_run_id's when there is none (the reader keeps a key's first value).
func setHeader(t *testing.T, p, key, value string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^(#\s*)` + regexp.QuoteMeta(key) + ` = .*$`)
	s := string(b)
	if re.MatchString(s) {
		s = re.ReplaceAllString(s, "${1}"+key+" = "+value)
	} else {
		s = strings.Replace(s, "# hmcc_run_id = ", "# "+key+" = "+value+"\n# hmcc_run_id = ", 1)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeShard writes shard i of n: c chains of 3 draws in files named by global chain id, run
// id R<i>, and every setting the shards of a run share set to "x" but those in other, "y".
func writeShard(t *testing.T, i, n, c int, other string) string {
	t.Helper()
	dir := t.TempDir()
	for g := (i-1)*c + 1; g <= i*c; g++ {
		p := filepath.Join(dir, fmt.Sprintf("output_%d.csv", g))
		writeChain(t, dir, filepath.Base(p), fmt.Sprintf("R%d", i), 3, "a")
		setHeader(t, p, "id", fmt.Sprint(g))
		setHeader(t, p, "hmcc_shard", fmt.Sprintf("%d/%d", i, n))
		for _, s := range shared {
			v := "x"
			if s.key == other {
				v = "y"
			}
			if s.key == "hmcc_chains" {
				v = fmt.Sprint(c)
			}
			setHeader(t, p, strings.TrimPrefix(s.key, "random."), v)
		}
	}
	return dir
}

// Every setting the shards of one run share is compared: a shard differing in any one of them
// is refused, naming it; shards that agree merge in shard order, with each chain's shard as its
// superchain and the shards not given listed.
func TestReadShardsComparesEverySetting(t *testing.T) {
	for _, s := range shared {
		t.Run(s.key, func(t *testing.T) {
			a, b := writeShard(t, 1, 3, 2, ""), writeShard(t, 3, 3, 2, s.key)
			if s.key == "hmcc_chains" {
				b = writeShard(t, 3, 3, 3, "")
			}
			_, err := ReadShards([]string{a, b})
			if err == nil || !strings.Contains(err.Error(), "their "+s.what+" differs") {
				t.Errorf("%s differs: %v", s.key, err)
			}
		})
	}
	a, b := writeShard(t, 3, 3, 2, ""), writeShard(t, 1, 3, 2, "")
	m, err := ReadShards([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if m.Count != 3 || fmt.Sprint(m.Missing) != "[2]" || fmt.Sprint(m.IDs) != "[1 2 5 6]" || fmt.Sprint(m.Superchains) != "[0 0 1 1]" || m.Shards[0].Dir != b || len(m.Files) != 4 || m.Draws != 3 {
		t.Errorf("merged: count %d, missing %v, ids %v, superchains %v, %d files of %d draws", m.Count, m.Missing, m.IDs, m.Superchains, len(m.Files), m.Draws)
	}
}
