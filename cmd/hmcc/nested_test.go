package main

import (
	"strings"
	"testing"
)

// Many short chains are judged by nested R-hat over automatic superchains, and the output says
// so; a default run says it judged split R-hat.
func TestVerdictSaysWhichCriterion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--chains", "16", "--warmup", "300", "--draws", "100"}, "criterion: nested R-hat ≤ 1.01 over 4 superchains of 4 chains"},
		{[]string{"--chains", "4", "--warmup", "300", "--draws", "300"}, "criterion: split R-hat ≤ 1.01"},
	} {
		args := append([]string{"run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
			"--output-dir", t.TempDir(), "--quiet"}, c.args...)
		code, out, errs := hmcc(t, args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
		if !strings.Contains(out, c.want) {
			t.Errorf("%v: output lacks %q:\n%s", c.args, c.want, out)
		}
		if strings.Contains(c.want, "nested") && !strings.Contains(out, "rhat_nested") {
			t.Errorf("nested R-hat not reported:\n%s", out)
		}
	}
}
