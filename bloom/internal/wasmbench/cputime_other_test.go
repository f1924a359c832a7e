//go:build !linux

package wasmbench

func threadCPU() int64 { return 0 }
