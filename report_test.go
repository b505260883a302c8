package hmcc

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
		if code := Report(&b, c.err, ""); code != ExitInternal {
			t.Errorf("%v: exit %d, want %d", c.err, code, ExitInternal)
		}
		if b.String() != c.want {
			t.Errorf("%v: printed %q, want %q", c.err, b.String(), c.want)
		}
	}
	var b bytes.Buffer
	if code := Report(&b, diag.New("k", diag.Pos{File: "m.model", Line: 1, Col: 1}, diag.Pos{}, "x is not declared"), ""); code != ExitUser {
		t.Errorf("a diagnostic exits %d, want %d", code, ExitUser)
	}
}

// A user error exits 2 and a machine failure 1, each printed as "error: " and its message,
// however deeply wrapped; a user error inside a machine failure is the user's to fix.
func TestReportUserAndIOErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		want string
	}{
		{UserError{errors.New("--thin must be at least 1")}, ExitUser, "error: --thin must be at least 1\n"},
		{fmt.Errorf("run: %w", UserError{errors.New("bad")}), ExitUser, "error: bad\n"},
		{IOError{errors.New("disk full")}, ExitInternal, "error: disk full\n"},
		{IOError{UserError{errors.New("both")}}, ExitUser, "error: both\n"},
	} {
		var b bytes.Buffer
		if code := Report(&b, c.err, ""); code != c.code || b.String() != c.want {
			t.Errorf("%v: exit %d printing %q, want %d and %q", c.err, code, b.String(), c.code, c.want)
		}
	}
}
