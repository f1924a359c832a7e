package hashlist_test

import (
	"fmt"
	"strings"

	"github.com/hashgate/hashgate/release/hashlist"
)

func ExampleList_Add() {
	var l hashlist.List
	in := `pdq f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22
video_md5 d35c7855ab20d5d7ab2a7df5d5a2d6e2
url https://example.com/
pdq f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22
`
	l.Add(strings.NewReader(in), "signals.txt", hashlist.Options{})
	fmt.Println(l.Len(), "entries,", l.Duplicates, "duplicate")
	for _, p := range l.Problems {
		fmt.Println(p)
	}
	// Output:
	// 2 entries, 1 duplicate
	// signals.txt:3: unsupported signal type "url"
}
