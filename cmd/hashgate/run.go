package main

import (
	"context"
	"fmt"
	"io"
)

const exitUsage = 2

// run dispatches to a subcommand. It is main without the process, so tests
// call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	case "-version", "--version", "version":
		printVersion(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "hashgate: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `hashgate stops known terrorist and violent-extremist media at upload time,
in the browser (a signed, privacy-preserving filter) and at the edge.

Usage: hashgate <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'hashgate <command> --help' for a command's flags, 'hashgate --version' for this build.\n")
}
