//go:build !race

package video_test

const raceEnabled = false
