// Package match is the edge's exact search over its hash list: which listed
// fingerprints are within the match threshold of a file's fingerprints.
//
// PDQ hashes (256 bits) match by Hamming distance, by default at most 31 and
// only for queries of PDQ quality at least 50; optionally every dihedral
// variant of a query (its rotations and mirror images) is searched. pHash,
// dHash and aHash (64 bits) match by Hamming distance, by default at most 8.
// SHA-256 and MD5 digests match exactly.
//
// The Hamming search is exact — every entry within the threshold is found —
// and sub-linear, by multi-index hashing: M. Norouzi, A. Punjani and
// D. J. Fleet, "Fast Search in Hamming Space with Multi-Index Hashing",
// CVPR 2012. The code is cut into m disjoint substrings with radii r_i such
// that sum(r_i+1) >= r+1; by the pigeonhole principle any code within r of
// the query is within r_i of it on at least one substring, so probing each
// substring's table with every value within r_i of the query's substring
// yields a candidate set that contains every true match, and checking each
// candidate's full distance removes the rest.
//
// Layout. Codes are one flat []uint64 (32 bytes per PDQ entry, no
// pointers); each substring table is a compressed sparse row array: 2^w+1
// uint32 offsets and one uint32 id per entry. Labels and sources are
// interned, and a run of entries with the same labels, source and Added time
// shares one metadata record, so an entry's metadata is one uint32.
//
// Choosing m. The substring width is capped near log2(n) (and at 22 bits),
// following the paper's advice that substrings of about log2(n) bits balance
// probes against candidates. For r = 31 and n = 1e7 the planner picks 11
// substrings of 22 bits (242 of the 256 bits; covering every bit is not
// needed for exactness) with radius 2 on ten and 1 on one: about 2,600
// bucket probes and, for uniform codes, about 6,000 candidates per query,
// against 272 probes and 41,000 candidates for 16 substrings of 16 bits at
// radius 1. For n around 1e5 the 16 x 16-bit layout wins; below a few
// thousand entries a linear scan is cheapest and is used.
//
// Real PDQ hashes are not uniform. Each hash has its bits set by the median
// of its DCT coefficients, so every hash has about 128 ones and each bit is
// roughly balanced across images, but neighbouring coefficients (one
// substring) are correlated and common image structure (flat backgrounds,
// text, letterboxing) makes some substring values far more frequent than
// others. Buckets are therefore skewed: a query that falls in a popular
// bucket draws more candidates than the uniform estimate, and p99 latency
// is set by those queries. Exactness is unaffected; only cost varies. The
// low-quality floor removes the worst case (near-flat images, whose hashes
// cluster), and the benchmarks report planted clusters as well as uniform
// codes.
//
// Digests are sorted arrays searched by binary search.
//
// An Index is immutable after NewIndex or Builder.Build and safe for
// concurrent Match calls. Nothing here parses untrusted bytes (the edge
// parses requests and lists), so there is no fuzz target.
//
// match imports only fingerprint from this project; it must not import
// edge, release, bloom or cmd.
package match
