package main

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// TestReportInternalError: an internal error exits 1, says "internal error" once and asks to be
// reported, whether it is the typed error (wrapped or not) or an untyped one that says so itself.
func TestReportInternalError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{diag.Internalf("no kernel %s", "nuts"), "hmcc: internal error: no kernel nuts\n" + diag.ReportTo + "\n"},
		{fmt.Errorf("sampling: %w", diag.Internalf("no kernel")), "hmcc: sampling: internal error: no kernel\n" + diag.ReportTo + "\n"},
		{errors.New("internal error: slot 3 of a ring of 2"), "hmcc: internal error: slot 3 of a ring of 2\n" + diag.ReportTo + "\n"},
		{errors.New("unexpected"), "hmcc: internal error: unexpected\n" + diag.ReportTo + "\n"},
	} {
		var b bytes.Buffer
		if code := report(c.err, &env{}, &b); code != exitInternal {
			t.Errorf("%v: exit %d, want %d", c.err, code, exitInternal)
		}
		if b.String() != c.want {
			t.Errorf("%v: printed %q, want %q", c.err, b.String(), c.want)
		}
	}
	var b bytes.Buffer
	if code := report(diag.New("k", diag.Pos{File: "m.model", Line: 1, Col: 1}, diag.Pos{}, "x is not declared"), &env{}, &b); code != exitUser {
		t.Errorf("a diagnostic exits %d, want %d", code, exitUser)
	}
}
