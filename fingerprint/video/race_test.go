//go:build race

package video_test

// raceEnabled: the race detector slows the PDQ loops about tenfold, so
// the every-frame test hashes one sample video instead of two.
const raceEnabled = true
