package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

const probeSummary = "exit 0 if a URL answers 200 (a container HEALTHCHECK with no shell or curl)"

const probeAbout = `
GETs URL (default http://127.0.0.1:8080/readyz) and exits 0 if it answers
200, 1 otherwise. It is the HEALTHCHECK of the distroless image
(the repository's Dockerfile), which has no shell, curl or wget to run one.`

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("probe", "[flags] [URL]", probeAbout, stdout, stderr)
	timeout := fs.Duration("timeout", 3*time.Second, "time for the whole request")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	url := "http://127.0.0.1:8080/readyz"
	switch fs.NArg() {
	case 0:
	case 1:
		url = fs.Arg(0)
	default:
		fmt.Fprintf(stderr, "hashgate probe: unexpected argument %q\n", fs.Arg(1))
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "hashgate probe: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "hashgate probe: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "hashgate probe: %s answered %s\n", url, resp.Status)
		return 1
	}
	return 0
}
