package hmcc

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
)

// Exit statuses Report returns: 1 for hmcc's own failure or the machine's (IOError), 2 for a
// problem the user can fix.
const (
	ExitInternal = 1
	ExitUser     = 2
)

// Report writes err to w as the hmcc command prints it and returns the exit status: model
// diagnostics rendered with their source lines (src is the model's text), data and user
// errors as "error: …" (status 2), machine failures likewise (status 1), and hmcc's own
// failures (a diag.InternalError, or an error of no known type) asking to be reported.
func Report(w io.Writer, err error, src string) int {
	var dl diag.List
	var de *diag.Error
	var data *dataset.Error
	var ue UserError
	var ioe IOError
	var ie *diag.InternalError
	switch {
	case errors.As(err, &ie):
		// hmcc itself failed, wherever the error was wrapped: exit 1 and ask for a report.
		fmt.Fprintf(w, "hmcc: %v\n%s\n", err, diag.ReportTo)
		return ExitInternal
	case errors.As(err, &dl):
		fmt.Fprint(w, diag.Render(dl, src))
		return ExitUser
	case errors.As(err, &de):
		fmt.Fprint(w, diag.Render(de, src))
		return ExitUser
	case errors.As(err, &data):
		fmt.Fprintf(w, "error: %v\n", data)
		return ExitUser
	case errors.As(err, &ue):
		fmt.Fprintf(w, "error: %v\n", ue.Err)
		return ExitUser
	case errors.As(err, &ioe):
		fmt.Fprintf(w, "error: %v\n", ioe.Err)
		return ExitInternal
	}
	// An error of no known type is taken for hmcc's own failure. Some stages still mark theirs by
	// the text "internal error" alone; it is not said twice.
	if strings.HasPrefix(err.Error(), "internal error") {
		fmt.Fprintf(w, "hmcc: %v\n%s\n", err, diag.ReportTo)
	} else {
		fmt.Fprintf(w, "hmcc: internal error: %v\n%s\n", err, diag.ReportTo)
	}
	return ExitInternal
}
