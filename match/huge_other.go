//go:build !linux

package match

// adviseHuge is a no-op where transparent huge pages cannot be requested.
func adviseHuge[T any](s []T) {}
