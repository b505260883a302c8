package ir

import "testing"

// A grouping's labels are listed by number, the first six and the last; labels that are already
// the numbers 1…K are not repeated.
func TestGroupLabels(t *testing.T) {
	for _, c := range []struct {
		labels []string
		want   string
	}{
		{[]string{"1", "2", "3"}, "numbered as in the data"},
		{[]string{"B", "A"}, "1 = B, 2 = A"},
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, "1 = a, 2 = b, 3 = c, 4 = d, 5 = e, 6 = f, 7 = g"},
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h"}, "1 = a, 2 = b, 3 = c, 4 = d, 5 = e, 6 = f, …, 8 = h"},
		{[]string{"2", "1"}, "1 = 2, 2 = 1"},
	} {
		if got := groupLabels(c.labels); got != c.want {
			t.Errorf("groupLabels(%q) = %q, want %q", c.labels, got, c.want)
		}
	}
}
