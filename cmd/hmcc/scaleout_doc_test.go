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

// TestScaleOutTranscript replays docs/scale-out.md's merge examples in a fresh directory
// holding eight schools: the `hmcc run` lines of its ```sh blocks run first (a line in a
// `for i in …` loop once per i), then each ```console block's command, whose standard output
// then standard error must equal the block, with the same exit status, once run ids and
// timings (which differ from run to run) are blotted out of both. Console blocks that do not
// end in "exit status N" show a command without its output and are not replayed.
func TestScaleOutTranscript(t *testing.T) {
	doc, err := os.ReadFile("../../docs/scale-out.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"eight_schools.model", "eight_schools.csv"} {
		if err := os.WriteFile(filepath.Join(dir, f), mustRead(t, filepath.Join("../../models", f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	loop := regexp.MustCompile(`for i in ([0-9 ]+); do`)
	runs := 0
	for _, b := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		is := []string{""}
		if m := loop.FindStringSubmatch(b[1]); m != nil {
			is = strings.Fields(m[1])
		}
		for _, line := range strings.Split(b[1], "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "hmcc run eight_schools.model") {
				continue
			}
			line, _, _ = strings.Cut(line, ">")
			for _, i := range is {
				if !strings.Contains(line, "$i") && i != is[0] {
					continue
				}
				args := strings.Fields(strings.ReplaceAll(strings.TrimPrefix(line, "hmcc "), "$i", i))
				var o, e bytes.Buffer
				if code := Main(args, &o, &e); code != 0 {
					t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, e.String())
				}
				runs++
			}
		}
	}
	if runs < 4 {
		t.Fatalf("docs/scale-out.md runs %d shards; its example is missing", runs)
	}
	blotted := func(s string) string {
		s = regexp.MustCompile(`\d{8}T\d{6}Z-[0-9a-f]{8}`).ReplaceAllString(s, "RUN")
		s = regexp.MustCompile(`[0-9.]+s\b`).ReplaceAllString(s, "Ts")
		return regexp.MustCompile(`[0-9.]+ per second`).ReplaceAllString(s, "N per second")
	}
	transcripts := 0
	for _, b := range regexp.MustCompile("(?s)```console\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		lines := strings.Split(strings.TrimSuffix(b[1], "\n"), "\n")
		cmd, last := lines[0], lines[len(lines)-1]
		if !strings.HasPrefix(cmd, "$ hmcc ") || !strings.HasPrefix(last, "exit status ") {
			continue // a command shown, not a transcript (the Resume section's)
		}
		transcripts++
		want, _ := strconv.Atoi(strings.TrimPrefix(last, "exit status "))
		var stdout, stderr bytes.Buffer
		code := Main(strings.Fields(strings.TrimPrefix(cmd, "$ hmcc ")), &stdout, &stderr)
		// Directories are printed as absolute paths; the transcript's are relative to dir.
		got := strings.TrimSuffix(strings.ReplaceAll(stdout.String()+stderr.String(), dir+string(filepath.Separator), ""), "\n")
		if code != want {
			t.Errorf("%s: exit status %d, the transcript says %d\n%s", cmd, code, want, got)
		}
		if shown := strings.Join(lines[1:len(lines)-1], "\n"); blotted(got) != blotted(shown) {
			t.Errorf("%s: output differs from docs/scale-out.md\ngot:\n%s\nthe transcript:\n%s", cmd, got, shown)
		}
	}
	if transcripts < 3 {
		t.Errorf("docs/scale-out.md has %d transcripts (console blocks from \"$ hmcc\" to \"exit status N\"); the merge examples are missing", transcripts)
	}
}
