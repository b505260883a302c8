package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// Outline lists the model's parameters (name, shape, with its sizes once bound, constraint and
// prior) and its data (name and shape, and a grouping's labels), a line each, as hmcc check
// prints them.
func Outline(m *Model) string {
	var b strings.Builder
	for _, p := range m.Params {
		size := p.Shape.String()
		if m.Bound() && len(p.Shape) > 0 {
			size = fmt.Sprintf("%s = %v", size, m.Sizes.Resolve(p.Shape))
		}
		fmt.Fprintf(&b, "  param %-10s %-14s %-9s ~ %s\n", p.Name, size, p.Constraint, p.Prior.Dist.Name)
	}
	for _, d := range m.Data {
		if d.Labels == nil {
			fmt.Fprintf(&b, "  data  %-10s %s\n", d.Name, d.Shape)
			continue
		}
		fmt.Fprintf(&b, "  data  %-10s %-14s %d groups (%s): %s\n", d.Name, d.Shape, len(d.Labels),
			d.Source.LevelsSize, groupLabels(d.Labels))
	}
	return b.String()
}

// groupLabels lists a grouping's labels by number, "1 = AITKIN, 2 = ANOKA, …", the first few
// and the last, so that a.17 in the output can be told apart.
func groupLabels(labels []string) string {
	const head = 6
	same := true
	for i, l := range labels {
		same = same && l == strconv.Itoa(i+1)
	}
	if same {
		return "numbered as in the data"
	}
	var parts []string
	for i, l := range labels {
		if i == head && len(labels) > head+1 {
			parts = append(parts, "…")
			i = len(labels) - 1
			parts = append(parts, fmt.Sprintf("%d = %s", i+1, labels[i]))
			break
		}
		parts = append(parts, fmt.Sprintf("%d = %s", i+1, l))
	}
	return strings.Join(parts, ", ")
}
