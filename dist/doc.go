package dist

import "strings"

// MarkdownTable returns the distribution table of docs/language.md, one row per registered
// distribution in registration order: its call signature, the domains of its arguments, its
// support and its log density. A test holds the document equal to it.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| distribution | arguments | support | log density |\n|---|---|---|---|\n")
	for _, r := range rows() {
		b.WriteString("| `" + r[0] + "` | " + strings.Join(r[1:], " | ") + " |\n")
	}
	return b.String()
}

// TextTable is the same table for a terminal (`hmcc distributions`): one block per distribution,
// its signature, then its arguments, support and log density on indented lines.
func TextTable() string {
	var b strings.Builder
	for _, r := range rows() {
		b.WriteString(r[0] + "\n    arguments:   " + r[1] + "\n    support:     " + r[2] + "\n    log density: " + r[3] + "\n")
	}
	return b.String()
}

// rows gives each registered distribution's signature, argument domains, support and formula.
func rows() [][4]string {
	var out [][4]string
	for _, name := range order {
		d := registry[name]
		names := make([]string, len(d.Params))
		args := make([]string, len(d.Params))
		for i, p := range d.Params {
			names[i] = p.Name
			cond := p.Cond
			if cond == "" {
				cond = p.Domain.phrase()
			}
			args[i] = p.Name + " " + cond
		}
		support := d.SupportDoc
		if support == "" {
			support = d.Support.String()
		}
		out = append(out, [4]string{d.Name + "(" + strings.Join(names, ", ") + ")", strings.Join(args, ", "), support, d.Formula})
	}
	return out
}
