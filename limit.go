package hmcc

import "fmt"

// reservedFiles are the descriptors a run needs besides its chain files: the standard streams,
// the model and data while they are read, the output directory's lock, the draw store's
// spill file, the summary, and the Go runtime's own.
const reservedFiles = 16

// CheckFileLimit refuses a run of chains that would need more open files than this process may
// open: every chain keeps its CSV open while sampling. It says how to raise the limit or how
// many chains fit.
func CheckFileLimit(chains int) error {
	if soft, _ := fileLimit(); soft > 0 && uint64(chains)+reservedFiles > soft {
		return fmt.Errorf("--chains %d needs %d open files (one CSV per chain, kept open while sampling), but this process may open only %d (ulimit -n); raise the limit (ulimit -n %d, which needs the hard limit raised by an administrator when it is lower) or use at most --chains %d",
			chains, uint64(chains)+reservedFiles, soft, uint64(chains)+reservedFiles, max(int64(soft)-int64(reservedFiles), 1))
	}
	return nil
}
