package diag

import (
	"errors"
	"fmt"
	"testing"
)

func TestInternalError(t *testing.T) {
	cause := errors.New("index 7 of 3")
	inner := Internalf("evaluating data: %w", cause)
	if got, want := inner.Error(), "internal error: evaluating data: index 7 of 3"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(inner, cause) {
		t.Error("an internal error does not unwrap to its cause")
	}
	outer := Internalf("lowering y: %w", inner)
	if got, want := outer.Error(), "internal error: lowering y: evaluating data: index 7 of 3"; got != want {
		t.Errorf("wrapped: got %q, want %q (one prefix)", got, want)
	}
	wrapped := fmt.Errorf("compiling: %w", outer)
	if !IsInternal(wrapped) || !errors.Is(wrapped, cause) {
		t.Error("an internal error wrapped by fmt.Errorf is not found")
	}
	if IsInternal(New("k", Pos{}, Pos{}, "x")) || IsInternal(cause) {
		t.Error("a user error or a plain error counts as internal")
	}
	at := InternalAt(Pos{File: "m.model", Line: 3, Col: 5}, "the bound of %s has no scalar value", "sigma")
	if got, want := at.Error(), "m.model:3:5: internal error: the bound of sigma has no scalar value"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
