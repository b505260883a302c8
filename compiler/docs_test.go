package compiler_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

var fence = regexp.MustCompile("(?s)```(model|model bad|model warn|text)\n(.*?)```")

// TestLanguageDocExamples checks every model in docs/language.md: plain `model` blocks must
// parse and check; a `model bad` block must produce exactly the `text` block after it, and a
// `model warn` block must check and warn exactly as the `text` block after it says.
func TestLanguageDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := fence.FindAllStringSubmatch(string(doc), -1)
	good, bad, warn := 0, 0, 0
	for i := 0; i < len(blocks); i++ {
		kind, src := blocks[i][1], blocks[i][2]
		switch kind {
		case "model":
			good++
			ast, err := lang.Parse("example.model", src)
			if err == nil {
				_, err = compiler.Check(ast)
			}
			if err != nil {
				t.Errorf("example %d does not check:\n%s\n%s", good, src, diag.Render(err, src))
			}
		case "model bad":
			bad++
			if i+1 >= len(blocks) || blocks[i+1][1] != "text" {
				t.Fatalf("bad example %d has no expected output block after it", bad)
			}
			want := blocks[i+1][2]
			ast, err := lang.Parse("example.model", src)
			if err == nil {
				_, err = compiler.Check(ast)
			}
			if err == nil {
				t.Errorf("bad example %d checks without error", bad)
				continue
			}
			if got := diag.Render(err, src); got != want {
				t.Errorf("bad example %d renders\n%s\nthe doc says\n%s", bad, got, want)
			}
			i++
		case "model warn":
			warn++
			if i+1 >= len(blocks) || blocks[i+1][1] != "text" {
				t.Fatalf("warning example %d has no expected output block after it", warn)
			}
			ast, err := lang.Parse("example.model", src)
			var m *ir.Model
			if err == nil {
				m, err = compiler.Check(ast)
			}
			if err != nil {
				t.Errorf("warning example %d does not check:\n%s", warn, diag.Render(err, src))
			} else if got := diag.Render(compiler.Warnings(m), src); got != blocks[i+1][2] {
				t.Errorf("warning example %d renders\n%s\nthe doc says\n%s", warn, got, blocks[i+1][2])
			}
			i++
		}
	}
	if good < 4 || bad < 1 || warn < 1 {
		t.Errorf("found %d good, %d bad and %d warning examples; the doc has more", good, bad, warn)
	}
}

// TestLanguageDocDistributionTable holds the distribution table in docs/language.md equal to the
// one the registry produces (dist.MarkdownTable): every distribution with its parameters, their
// domains, its support and its log density. HMCC_UPDATE_DOCS=1 rewrites the table in the doc.
func TestLanguageDocDistributionTable(t *testing.T) {
	const path = "../docs/language.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start := strings.Index(doc, "| distribution | arguments | support | log density |\n")
	if start < 0 {
		t.Fatal("docs/language.md has no distribution table")
	}
	end := start
	for end < len(doc) && doc[end] == '|' {
		end += strings.IndexByte(doc[end:], '\n') + 1
	}
	want := dist.MarkdownTable()
	if got := doc[start:end]; got != want {
		if os.Getenv("HMCC_UPDATE_DOCS") == "1" {
			if err := os.WriteFile(path, []byte(doc[:start]+want+doc[end:]), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Log("rewrote the distribution table of docs/language.md")
			return
		}
		t.Errorf("the distribution table of docs/language.md is not the registry's; run\n"+
			"  HMCC_UPDATE_DOCS=1 go test -run DistributionTable ./compiler/\ngot\n%s\nwant\n%s", got, want)
	}
	for _, name := range dist.Names() {
		d, _ := dist.Lookup(name)
		params := make([]string, len(d.Params))
		for i, p := range d.Params {
			params[i] = p.Name
		}
		if sig := "| `" + name + "(" + strings.Join(params, ", ") + ")` |"; !strings.Contains(want, sig) {
			t.Errorf("dist.MarkdownTable has no row %s", sig)
		}
	}
}
