package cmdstan

import "testing"

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
