package ir

import (
	"reflect"
	"testing"
)

// counted is an expression that counts how often it is asked its shape and whether it depends on
// the parameters.
type counted struct {
	span
	asked *int
}

func (e counted) Shape() Shape          { *e.asked++; return Shape{{Size: 3}} }
func (e counted) DependsOnParams() bool { *e.asked++; return true }

// TestLetChainAskedOnce: in a chain of lets (let a1 = -a0, let a2 = -a1, ...), asking every
// reference its shape and parameter dependence reaches the root a bounded number of times in
// all, not once per link per question: the walk along the chain made checking a long chain
// quadratic (8000 lets took seconds, issue 12). Clone keeps what a reference knows.
func TestLetChainAskedOnce(t *testing.T) {
	asked := 0
	prev := &LetVar{Name: "a0", Value: counted{asked: &asked}}
	var refs []*LetRef
	for i := 0; i < 1000; i++ {
		ref := NewLetRef(sp, prev)
		refs = append(refs, ref)
		prev = &LetVar{Name: "a", Value: NewUnary(sp, Negate, ref)}
	}
	for _, r := range refs {
		if !reflect.DeepEqual(r.Shape(), Shape{{Size: 3}}) || !r.DependsOnParams() {
			t.Fatalf("reference to %s: shape %v, depends on params %v", r.Var.Name, r.Shape(), r.DependsOnParams())
		}
	}
	if asked > 2 {
		t.Errorf("the chain's root was asked %d times, want at most 2 (once each at the first reference)", asked)
	}
	// A clone's references know what the originals knew.
	root := &LetVar{Name: "b0", Value: NewConst(sp, 1)}
	next := &LetVar{Name: "b1", Value: NewUnary(sp, Negate, NewLetRef(sp, root))}
	c := (&Model{Lets: []*LetVar{root, next}}).Clone()
	ref := c.Lets[1].Value.(*Unary).X.(*LetRef)
	if ref.Var != c.Lets[0] || !ref.known || ref.Shape() != nil || ref.DependsOnParams() {
		t.Errorf("clone's reference: known %v, shape %v, depends on params %v", ref.known, ref.Shape(), ref.DependsOnParams())
	}
}

// TestLetRefWithoutValueAsks: a reference made before its let has a value asks the value later.
func TestLetRefWithoutValueAsks(t *testing.T) {
	asked := 0
	v := &LetVar{Name: "w"}
	ref := NewLetRef(sp, v)
	v.Value = counted{asked: &asked}
	if !reflect.DeepEqual(ref.Shape(), Shape{{Size: 3}}) || !ref.DependsOnParams() || asked != 2 {
		t.Errorf("shape %v, asked %d times", ref.Shape(), asked)
	}
}
