package dataset

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxLevels bounds the number of groups a column may define; more is almost surely a column of
// measurements named by mistake.
const maxLevels = 1 << 20

// Levels reads the named column as a grouping: each row's group as a 1-based index, and the
// label of each of the J groups (labels[k-1] names group k).
//
//   - A column of whole numbers that are all at least 1 is used as it is: group k is the value k
//     and J is the largest value, so the groups keep the numbers the data give them (a group
//     that never occurs still counts).
//   - Any other column (text such as county names, or numbers with 0, negatives or fractions)
//     is a set of labels: the distinct values, sorted (numerically when every cell is a number,
//     otherwise by their text), are groups 1 … J.
//
// An empty cell or a missing-value marker is an error naming its line.
func (t *Table) Levels(name string) (codes []int, labels []string, err error) {
	if t == nil {
		return nil, nil, errNoTable(name)
	}
	j, ok := t.index[name]
	if !ok {
		return nil, nil, t.missing(name)
	}
	c := &t.cols[j]
	codes = make([]int, len(t.lines))
	if !c.isText() {
		whole := true
		J := 0
		for _, v := range c.nums {
			if v < 1 || v != math.Trunc(v) || v > maxLevels {
				whole = false
				break
			}
			J = max(J, int(v))
		}
		if whole {
			for i, v := range c.nums {
				codes[i] = int(v)
			}
			labels = make([]string, J)
			for k := range labels {
				labels[k] = strconv.Itoa(k + 1)
			}
			return codes, labels, nil
		}
		distinct := map[float64]int{}
		for _, v := range c.nums {
			distinct[v] = 0
		}
		vals := make([]float64, 0, len(distinct))
		for v := range distinct {
			vals = append(vals, v)
		}
		sort.Float64s(vals)
		labels = make([]string, len(vals))
		for k, v := range vals {
			distinct[v] = k + 1
			labels[k] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		for i, v := range c.nums {
			codes[i] = distinct[v]
		}
		return codes, labels, nil
	}
	cells := make([]string, len(t.lines))
	distinct := map[string]int{}
	for i := range t.lines {
		s := strings.TrimSpace(c.cell(i))
		if s == "" || missingTokens[strings.ToLower(s)] {
			what := "the cell is empty"
			if s != "" {
				what = quote(s) + " marks a missing value"
			}
			return nil, nil, errMissingGroup(t.Path, int(t.lines[i]), name, what)
		}
		cells[i] = s
		distinct[s] = 0
	}
	labels = make([]string, 0, len(distinct))
	for s := range distinct {
		labels = append(labels, s)
	}
	sort.Strings(labels)
	if len(labels) > maxLevels {
		return nil, nil, errTooManyGroups(t.Path, name, len(labels))
	}
	for k, s := range labels {
		distinct[s] = k + 1
	}
	for i, s := range cells {
		codes[i] = distinct[s]
	}
	return codes, labels, nil
}
