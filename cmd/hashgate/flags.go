package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// Flag parsing, repeatable flags and exit codes shared by every subcommand.

// newFlags returns a flag set whose --help prints synopsis, description and
// flags to stdout (exit 0), and whose errors go to stderr (exit 2).
func newFlags(name, synopsis, about string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: hashgate %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps the outcome to an exit code: -1 means go
// on. --help prints to stdout and exits 0.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		if a == "--" {
			break
		}
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		return exitUsage
	}
	return -1
}

// interleave moves flags after positional arguments to the front, so
// "verify DIR --pub KEYS" works like "verify --pub KEYS DIR".
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, append([]string{"--"}, pos...)...)
}

// listFlag is the one repeatable flag: each use appends its value to *p.
// With splitCommas each value is also split at commas (blanks dropped), for
// flags whose values never hold one (serve's paths and origins), so that a
// single HASHGATE_* variable can carry several; paths of files are taken
// whole.
type listFlag struct {
	p           *[]string
	splitCommas bool
}

// listVar is a listFlag for fs.Var.
func listVar(p *[]string, splitCommas bool) *listFlag { return &listFlag{p, splitCommas} }

func (l *listFlag) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.splitCommas {
		*l.p = append(*l.p, v)
		return nil
	}
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l.p = append(*l.p, s)
		}
	}
	return nil
}

// fail prints "hashgate CMD: err" and returns exit code 1.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "hashgate %s: %v\n", cmd, err)
	return 1
}

// usageErr prints a usage problem and returns exit code 2.
func usageErr(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "hashgate %s: %s (see hashgate %s --help)\n", cmd, msg, cmd)
	return exitUsage
}

// flagSet reports whether the command line gave flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
