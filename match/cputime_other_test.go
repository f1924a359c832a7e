//go:build !linux

package match

import "time"

// threadCPU falls back to the wall clock where thread CPU time is not read.
func threadCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }

// processRSS is not read outside Linux.
func processRSS() (rss, peak int64) { return 0, 0 }
