package main

// The edge's memory figures at 10 million PDQ entries, quoted by
// `hashgate serve --help`, README.md and docs/edge.md. They are kept here
// only, and TestMemoryFiguresAgree checks the documents quote these
// numbers. Measured with `CACHE=/tmp/hg-edgecache bash bench/edge.sh`
// (the 1e7 load and reload rows) on the project's 2-core machine; the
// bytes per entry are the index's own accounting (match/doc.go).
const (
	memBytesPerEntry = "88"   // index bytes per PDQ entry
	memIndexMiB      = "840"  // the index alone
	memSteadyMiB     = "853"  // edge RSS with the release loaded
	memFirstLoadMiB  = "1005" // peak RSS while loading the first release
	memReloadMiB     = "1732" // peak RSS while a reload builds beside the index in use
)

// memoryHelp is the paragraph serve --help prints.
const memoryHelp = `Memory, at 10 million PDQ entries: the index holds about ` + memBytesPerEntry + ` bytes
per entry (` + memIndexMiB + ` MiB) and the edge ` + memSteadyMiB + ` MiB resident; loading the first
release peaks at ` + memFirstLoadMiB + ` MiB, and a reload, which builds the new index beside
the one in use, peaks at ` + memReloadMiB + ` MiB: size memory for about twice the
steady RSS.`
