package hmcc

import (
	"reflect"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

func TestSuperchains(t *testing.T) {
	if got := SuperchainIDs(6, 3); !reflect.DeepEqual(got, []int{0, 0, 1, 1, 2, 2}) {
		t.Errorf("SuperchainIDs(6, 3) = %v", got)
	}
	init := superchainInit(4, 2, 3, 1, 0)
	for j := 0; j < 3; j++ {
		if init[j] != init[3+j] || init[6+j] != init[9+j] {
			t.Fatalf("chains of a superchain start apart: %v", init)
		}
		if init[j] < -2 || init[j] > 2 {
			t.Fatalf("initial value %g outside (-2, 2)", init[j])
		}
	}
	if init[0] == init[6] {
		t.Error("different superchains share a start")
	}
	// A superchain starts where its first chain would on its own, so the second shard's
	// superchains (global chains 4-5 and 6-7) start apart from the first shard's.
	second := superchainInit(4, 2, 3, 1, 4)
	own := make([]float64, 3)
	runtime.InitialPoint(rng.KeyOf(1), 4, 0, own)
	if !reflect.DeepEqual(second[:3], own) || second[0] == init[0] {
		t.Errorf("shard 2's first superchain starts at %v, want global chain 4's own start %v (shard 1's: %v)", second[:3], own, init[:3])
	}
	if SuperchainIDs(4, 0) != nil || superchainInit(4, 0, 3, 1, 0) != nil {
		t.Error("no superchains should mean independent starts")
	}
}

func TestAutoSuperchains(t *testing.T) {
	for _, c := range []struct{ chains, draws, want int }{
		{4, 1000, 0}, {16, 1000, 0}, {16, 250, 4}, {64, 100, 16}, {12, 100, 0}, {18, 100, 0},
	} {
		if got := AutoSuperchains(c.chains, c.draws); got != c.want {
			t.Errorf("AutoSuperchains(%d, %d) = %d, want %d", c.chains, c.draws, got, c.want)
		}
	}
}

func TestShard(t *testing.T) {
	for _, c := range []struct {
		s     Shard
		first int
		name  string
		valid bool
	}{
		{Shard{}, 0, "1/1", true}, {Shard{1, 1}, 0, "1/1", true}, {Shard{3, 4}, 16, "3/4", true},
		{Shard{0, 4}, 0, "0/4", false}, {Shard{5, 4}, 32, "5/4", false}, {Shard{1, 0}, 0, "1/0", false},
	} {
		if got := c.s.FirstChain(8); got != c.first {
			t.Errorf("%v.FirstChain(8) = %d, want %d", c.s, got, c.first)
		}
		if c.s.String() != c.name {
			t.Errorf("%#v.String() = %q, want %q", c.s, c.s.String(), c.name)
		}
		err := check(Target{Chains: 8, Threads: 1}, Config{Shard: c.s}.withDefaults(), 0)
		if (err == nil) != c.valid {
			t.Errorf("check with shard %v: %v", c.s, err)
		}
	}
}
