// Package hmcc compiles a Bayesian model written in hmcc's modelling language and samples its
// posterior with many Hamiltonian Monte Carlo chains batched into one evaluation: the library
// behind the hmcc command.
//
// Compile chains the stages (parse, check, read and bind the data); Model.Sample builds the
// batched log density for a Target (device, chains, threads, precision) and runs the sampler,
// keeping the draws in memory or writing CmdStan CSVs to a directory:
//
//	m, err := hmcc.Compile("eight_schools.model", src, hmcc.File("eight_schools.csv"))
//	...
//	fit, err := m.Sample(ctx, hmcc.Target{Chains: 4}, hmcc.Config{Seed: 1})
//	...
//	tau, err := fit.Draws("tau") // [chain][draw]
//
// Errors the caller can fix (the model, the data, the options) are *diag.Error, diag.List,
// *dataset.Error or UserError; IOError is a failure of the machine (a full disk).
package hmcc
