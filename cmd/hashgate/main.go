// Command hashgate is the one CLI for publishers, edge operators and
// developers: it hashes media, builds and signs releases, and serves the edge.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand. run parses its own flags from args and returns
// the process exit code: 0 success, 1 failure, 2 usage error.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands in the order --help shows them. Each lives
// in its own file, named after it.
var commands = []command{
	// subcommands are added here, one line each
	{"hash", hashSummary, runHash},
	{"keygen", "generate publisher signing keys or an edge's list key", runKeygen},
	{"build", "build and sign a release from hash lists and media", runBuild},
	{"sign", "sign a release's manifest", runSign},
	{"verify", "apply every acceptance rule to a release", runVerify},
	{"inspect", "describe a release: counts, filter, rates, expiry, signers", runInspect},
	{"diff", "make a delta release from two releases", runDiff},
	{"publish", "promote a release to a site edges poll: versioned folders, an atomic current manifest, pruning", runPublish},
	{"check", "check files against a release locally, as a browser would", runCheck},
	{"serve", serveSummary, runServe},
	{"demo", demoSummary, runDemo},
	{"probe", probeSummary, runProbe},
}
