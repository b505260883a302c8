//go:build !unix

package main

// pauseForTests is pause_unix.go's hook; without SIGSTOP there is none.
func pauseForTests(progress func(phase string, iter, total int)) func(phase string, iter, total int) {
	return progress
}
