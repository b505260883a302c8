package summary

import (
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// csvHeader is summary.csv's first row.
var csvHeader = []string{"name", "mean", "sd", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail", "mcse_mean", "mcse_q5", "mcse_q95", "rhat_nested"}

func (r Row) values() []float64 {
	nested := r.RhatNested
	if nested == 0 {
		nested = math.NaN()
	}
	return []float64{r.Mean, r.SD, r.Q5, r.Q50, r.Q95, r.Rhat, r.EssBulk, r.EssTail, r.McseMean, r.McseQ5, r.McseQ95, nested}
}

// WriteCSV writes summary.csv to path. It writes a temporary file beside it (.summary-*.csv)
// and renames it, so a crash leaves either the old summary or the new one, never half of one.
// The file gets the chain CSVs' mode (0666 less the umask, as os.Create gives), not
// os.CreateTemp's 0600.
func WriteCSV(path string, rows []Row) error {
	var b [4]byte
	rand.Read(b[:])
	name := ".summary-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]) + ".csv"
	tmp, err := os.OpenFile(filepath.Join(filepath.Dir(path), name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	w := csv.NewWriter(tmp)
	w.Write(csvHeader)
	for _, r := range rows {
		rec := []string{r.Name}
		for _, v := range r.values() {
			rec = append(rec, strconv.FormatFloat(v, 'g', 8, 64))
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
