package dist

import "strings"

// MarkdownTable returns the distribution table of docs/language.md, one row per registered
// distribution in registration order: its call signature, the domains of its arguments, its
// support and its log density. A test holds the document equal to it.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| distribution | arguments | support | log density |\n|---|---|---|---|\n")
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
		b.WriteString("| `" + d.Name + "(" + strings.Join(names, ", ") + ")` | " + strings.Join(args, ", ") +
			" | " + support + " | " + d.Formula + " |\n")
	}
	return b.String()
}
