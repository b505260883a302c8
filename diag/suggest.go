package diag

import (
	"strings"
	"unicode/utf8"
)

// Suggest returns the candidate closest to name when it is close enough to be a plausible
// misspelling, or "". Of several equally close, it returns the first. It is the one "did you
// mean" of hmcc: for the names of variables, sizes, distributions, functions, data files, CSV
// columns, JSON values and the quantities a flag names, so every misspelling is judged alike.
//
// Names are compared ignoring case, by optimal string alignment distance: inserting, deleting or
// replacing a letter, or swapping two adjacent letters, is one edit (Nromal is one edit from
// Normal). A candidate is close enough within max(2, ⌈len/3⌉) edits of a name of len letters,
// and fewer edits than len, so a longer name may be more misspelt and a one-letter name is never
// "corrected" into another.
func Suggest(name string, candidates []string) string {
	if all := closest(name, candidates); len(all) > 0 {
		return all[0]
	}
	return ""
}

// SuggestNames is Suggest for hints that can name several candidates: every candidate at the
// closest distance, as "a", "a or b" or "a, b or c" (in the candidates' order), or "". A user who
// writes sigma where sigma_a and sigma_y exist should be shown both.
func SuggestNames(name string, candidates []string) string {
	all := closest(name, candidates)
	switch len(all) {
	case 0:
		return ""
	case 1:
		return all[0]
	}
	return strings.Join(all[:len(all)-1], ", ") + " or " + all[len(all)-1]
}

// closest returns the candidates at the smallest distance from name, if that is close enough.
func closest(name string, candidates []string) []string {
	n := utf8.RuneCountInString(name)
	limit := min(max(2, (n+2)/3), n-1)
	lower := strings.ToLower(name)
	var best []string
	bestD := limit
	for _, c := range candidates {
		d := editDistance(lower, strings.ToLower(c))
		switch {
		case d > limit:
		case d < bestD || best == nil:
			best, bestD = []string{c}, d
		case d == bestD:
			best = append(best, c)
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b, counted in runes:
// insertions, deletions, substitutions and transpositions of adjacent runes each count one.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Three rows of the table: d[i-2], d[i-1], d[i], each over t.
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
