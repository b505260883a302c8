package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestErrorsTranscript replays docs/errors.md: each ```model block becomes radon_mine.model in a
// fresh directory holding the radon data, each ```console block's command runs in-process there,
// and its standard output then standard error, with the directory's path removed, must equal the
// block (for "console excerpt" blocks, every line shown must appear) with the same exit status.
// After an `hmcc fmt -w` the file must pass `hmcc fmt --check`.
func TestErrorsTranscript(t *testing.T) {
	doc, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../models/radon_mn.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "radon_mn.csv"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	blocks := regexp.MustCompile("(?s)```(model|console|console excerpt)\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 8 {
		t.Fatalf("docs/errors.md has %d blocks; the transcript is missing", len(blocks))
	}
	for i, b := range blocks {
		kind, body := b[1], b[2]
		if kind == "model" {
			if err := os.WriteFile("radon_mine.model", []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
		cmd, last := lines[0], lines[len(lines)-1]
		if !strings.HasPrefix(cmd, "$ hmcc ") || !strings.HasPrefix(last, "exit status ") {
			t.Fatalf("block %d: a console block starts with \"$ hmcc\" and ends with \"exit status N\":\n%s", i, body)
		}
		want, _ := strconv.Atoi(strings.TrimPrefix(last, "exit status "))
		var stdout, stderr bytes.Buffer
		code := Main(strings.Fields(strings.TrimPrefix(cmd, "$ hmcc ")), &stdout, &stderr)
		got := strings.ReplaceAll(stdout.String()+stderr.String(), dir+string(filepath.Separator), "")
		shown := strings.Join(lines[1:len(lines)-1], "\n")
		if code != want {
			t.Errorf("%s: exit status %d, the transcript says %d\n%s", cmd, code, want, got)
		}
		if strings.Contains(cmd, " fmt -w ") {
			var o, e bytes.Buffer
			if c := Main([]string{"fmt", "--check", "radon_mine.model"}, &o, &e); c != 0 {
				t.Errorf("after %s, fmt --check exits %d: %s%s", cmd, c, o.String(), e.String())
			}
		}
		switch kind {
		case "console":
			if strings.TrimSuffix(got, "\n") != shown {
				t.Errorf("%s: output differs from docs/errors.md\ngot:\n%s\nthe transcript:\n%s", cmd, got, shown)
			}
		case "console excerpt":
			for _, l := range lines[1 : len(lines)-1] {
				if !strings.Contains(got, l) {
					t.Errorf("%s: output lacks %q:\n%s", cmd, l, got)
				}
			}
		}
	}
}
