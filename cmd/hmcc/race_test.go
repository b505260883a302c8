//go:build race

package main

// raceEnabled is true in the race detector's build, where tests that exercise an external
// program rather than hmcc's concurrency skip to keep the race run within its time limit.
const raceEnabled = true
