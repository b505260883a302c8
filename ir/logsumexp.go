package ir

// LogSumExp is log Σ exp(xₖ) of a vector's elements, computed without overflow: log_sum_exp(x).
type LogSumExp struct {
	span
	X Expr
}

func NewLogSumExp(s span, x Expr) *LogSumExp { return &LogSumExp{s, x} }

func (e *LogSumExp) Shape() Shape          { return nil }
func (e *LogSumExp) DependsOnParams() bool { return e.X.DependsOnParams() }
