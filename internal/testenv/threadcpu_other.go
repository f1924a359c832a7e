//go:build !linux

package testenv

import "time"

// ThreadCPU is not read outside Linux: 0, so callers report wall time only.
func ThreadCPU() time.Duration { return 0 }

// ProcessRSS is not read outside Linux.
func ProcessRSS() (rss, peak int64) { return 0, 0 }
