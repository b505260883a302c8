//go:build !unix

package main

func raiseFileLimit() {}

func fileLimit() (soft, hard uint64) { return 0, 0 }
