package hmcc

import (
	"reflect"
	"testing"
)

func TestSuperchains(t *testing.T) {
	if got := SuperchainIDs(6, 3); !reflect.DeepEqual(got, []int{0, 0, 1, 1, 2, 2}) {
		t.Errorf("SuperchainIDs(6, 3) = %v", got)
	}
	init := superchainInit(4, 2, 3, 1)
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
	if SuperchainIDs(4, 0) != nil || superchainInit(4, 0, 3, 1) != nil {
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
