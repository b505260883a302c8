//go:build !cgo || !amd64 || hmcc_purego

package autodiff

// nativeBernoulli reports that the vectorised C kernel is in use; this build has only the Go one.
const nativeBernoulli = false
