// Command variants measures how well hashgate catches reposted variants of
// listed images (crops, borders, caption bands, frames, rotations, mirrors,
// re-encodes, ...) and how often it matches images that are not listed.
// See docs/variants.md for the recipe, the corpus and the results.
//
//	variants prepare -out CORPUS -set NAME=DIR[,DIR...] ...
//	variants edit    -corpus CORPUS [-j 2]
//	variants eval    -corpus CORPUS [-md FILE] [-png FILE]
//	variants regions -corpus CORPUS [-edits LIST]
//	variants recipe
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: variants prepare|edit|eval|regions|recipe [flags]")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch args[0] {
	case "prepare":
		err = runPrepare(ctx, args[1:], stderr)
	case "edit":
		err = runEdit(ctx, args[1:], stderr)
	case "eval":
		err = runEval(ctx, args[1:], stdout, stderr)
	case "regions":
		err = runRegions(ctx, args[1:], stdout, stderr)
	case "recipe":
		writeRecipe(stdout)
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, "variants:", err)
		return 1
	}
	return 0
}

// writeRecipe prints the edit table as markdown.
func writeRecipe(w io.Writer) {
	fmt.Fprintln(w, "| edit | kind | what | ImageMagick operators (for a 1000×750 input) | also on unrelated |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, e := range edits {
		u := ""
		if e.Unrelated {
			u = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %s | `%s` | %s |\n", e.Name, e.Group, e.What, joinArgs(e.Args(1000, 750)), u)
	}
}

func joinArgs(a []string) string {
	s := ""
	for i, x := range a {
		if i > 0 {
			s += " "
		}
		for _, c := range x {
			if c == ' ' || c == '(' || c == ')' || c == '!' || c == '#' {
				x = "'" + x + "'"
				break
			}
		}
		s += x
	}
	return s
}
