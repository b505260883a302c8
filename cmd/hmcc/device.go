package main

import hmcclib "github.com/hmcc-dev/hmcc"

// checkDevice validates --device for this build: the GPU backend is in the hmcc-gpu build only
// (device_cuda.go registers it).
func (r *runCmd) checkDevice() error {
	return hmcclib.Target{Device: r.Device, Precision: r.Precision}.Check()
}
