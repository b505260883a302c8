package cmdstan

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// Reopen continues a chain file that Create (or CreatePending) began with cfg and columns, as
// if its Writer had never been closed: it cuts the file back to size bytes (the end of the last
// whole row a checkpoint recorded: what came after, whole rows or part of one, a trailer, is
// dropped) and appends from there. headerPath is the name the header recorded (the output path
// as the run was given it); metric is the metric the file's adaptation block names. It refuses
// a file whose header is not the one cfg writes, apart from the values learned in the run.
func Reopen(path, headerPath string, cfg Config, columns []string, metric string, size int64) (*Writer, error) {
	header, slots := cfg.header(headerPath)
	if cfg.RunID != "" {
		header += fmt.Sprintf("# hmcc_run_id = %s\n", cfg.RunID)
	}
	header += strings.Join(append(append([]string(nil), SamplerColumns...), columns...), ",") + "\n"
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	fail := func(format string, a ...any) (*Writer, error) {
		f.Close()
		return nil, fmt.Errorf(format, a...)
	}
	fi, err := f.Stat()
	if err != nil {
		return fail("%v", err)
	}
	if fi.Size() < size || size < int64(len(header)) {
		return fail("%s has %d bytes; the checkpoint describes %d (it was cut or replaced after the run stopped)", path, fi.Size(), size)
	}
	got := make([]byte, len(header))
	if _, err := io.ReadFull(f, got); err != nil {
		return fail("%v", err)
	}
	// The slots hold what the run learned (the step size, the metric): compare around them.
	want := []byte(header)
	for key, at := range slots {
		width := slotWidth
		if key == "metric" {
			width = len("dense_e")
		}
		copy(got[at:at+int64(width)], want[at:at+int64(width)])
	}
	if !bytes.Equal(got, want) {
		return fail("the header of %s is not the one this run wrote (the file was edited or belongs to another run)", path)
	}
	if err := f.Truncate(size); err != nil {
		return fail("%v", err)
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		return fail("%v", err)
	}
	out := &countingFile{f: f, n: size}
	return &Writer{f: f, out: out, w: bufio.NewWriterSize(out, 8<<10), metric: metric, slots: slots, path: path}, nil
}

// Sync flushes the buffered rows and commits the file to stable storage, so that a checkpoint
// written after it never describes rows a crash of the machine could lose.
func (w *Writer) Sync() error {
	if err := w.w.Flush(); err != nil {
		return err
	}
	return w.f.Sync()
}
