//go:build !linux

package bloom

func threadCPU() int64 { return 0 }
