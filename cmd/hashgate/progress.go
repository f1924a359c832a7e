package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// isTerminal reports whether w is a character device (a terminal), without
// a dependency: progress output is for people, never for pipes and logs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws a one-line progress bar on a terminal, only once the work
// has taken a second, at most ten times a second; elsewhere it is silent.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	on      bool
	label   string
	total   int64
	done    int64
	start   time.Time
	last    time.Time
	printed bool
}

func newProgress(w io.Writer, label string, total int64) *progress {
	now := time.Now()
	return &progress{w: w, on: isTerminal(w), label: label, total: total, start: now}
}

// Add advances the bar by n units.
func (p *progress) Add(n int64) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.draw()
}

func (p *progress) draw() {
	const width = 30
	if p.total > 0 {
		frac := float64(p.done) / float64(p.total)
		frac = min(max(frac, 0), 1)
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r%-14s [%s%s] %3.0f%% %d/%d", p.label, strings.Repeat("=", fill),
			strings.Repeat(" ", width-fill), 100*frac, p.done, p.total)
	} else {
		fmt.Fprintf(p.w, "\r%-14s %d", p.label, p.done)
	}
	p.printed = true
}

// Done finishes the bar's line if one was drawn.
func (p *progress) Done() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed {
		p.draw()
		fmt.Fprintln(p.w)
	}
}

// countingReader reports bytes read to a progress bar.
type countingReader struct {
	r io.Reader
	p *progress
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.Add(int64(n))
	return n, err
}
