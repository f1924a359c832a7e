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
// pointers); each substring table is a compressed sparse row array: one
// id per entry, and bucket start offsets stored in two levels (a uint32
// base per 64 buckets, which stays cached, and a uint16 per bucket relative
// to it; plain uint32 offsets when a block overflows). An id takes 3 bytes
// while the list has at most 2^24 (16.7M) entries and 4 above; a query
// reads each with one unaligned 4-byte load and a mask, which the one byte
// of padding after each table keeps in bounds. Labels and
// sources are interned, and a run of entries with the same labels, source
// and Added time shares one metadata record, so an entry's metadata is one
// uint32. The large arrays are advised to take transparent huge pages on
// Linux: a query reads a few thousand random places in them.
//
// Choosing m. The planner tries substring widths up to log2(n) (and 23
// bits, and no more buckets than twice the entries) and every number of
// substrings, and keeps the layout of least modelled cost: probes times a
// bucket read plus expected candidates times a candidate check, the latter
// measured at about three times the former once the codes outgrow the
// cache. For r = 31 and n = 1e7 it picks 11 substrings of 23 bits (253 of
// the 256 bits; substrings need not cover the code) with radius 2 on ten
// and 1 on one: about 2,800 bucket probes and, for uniform codes, about
// 3,300 candidates per query, where 16 of 16 bits at radius 1 need 272
// probes but 41,000 candidates. The 23-bit cap is for memory: three 24-bit
// tables would cut candidates by a seventh (measured 10-20% faster
// queries) for 48 MiB more offsets, and an edge reloading a list of 1e7
// holds two indexes at once. For n around 1e5 the 16 x 16-bit layout
// wins; below a few thousand entries a linear scan is cheapest and is
// used. At 1e7 the index holds about 88 bytes an entry: 32 of code, 4 of
// metadata, 33 of ids, 19 of bucket offsets; building it takes 8 bytes of
// scratch per entry and build worker on top, or 4 with a single worker
// (Builder.SetWorkers), which then re-reads each code in its sort's second
// pass and takes about twice as long.
//
// Real PDQ hashes are not uniform, and that moves the candidate count, not
// the result. Each hash has its bits set by the median of its own DCT
// coefficients, so every hash has about 128 ones, but across images
// neighbouring coefficients (one substring) are correlated and common
// structure (flat backgrounds, text, letterboxing) makes some substring
// values far more frequent than others. The expected number of candidates
// is n times the probability that a random entry shares a bucket with the
// query; for independent bits set with probability p the chance of equal
// bits is c = p^2 + (1-p)^2 >= 1/2, so an exact-bucket collision on w bits
// has probability c^w instead of 2^-w. At p = 0.65 (c = 0.545) a 23-bit
// bucket draws 7.2 times the uniform share, and BenchmarkMatchPDQSkewed
// measures about 3.1 times the uniform query time (0.85 ms against
// 0.28 ms median CPU time at 1e7). Skew is worst for the queries that look most
// like the list, so p99 latency is set by them. The quality floor removes
// the worst case (near-flat images, whose hashes cluster).
//
// Digests are sorted arrays searched by binary search.
//
// Videos (vPDQ, Builder.AddVideo and Index.MatchVideo) are sets of frame
// hashes, one per second of video. Each distinct listed frame hash is stored
// once in its own exact Hamming index, with the ids of the videos that hold
// it (compressed sparse rows), so a query frame costs one PDQ search however
// many videos share it. The rule is python-threatexchange's: frames of
// quality below 50 dropped on both sides, repeated hashes counted once, two
// frames match within 31, and a listed video matches when at least 80 % of
// the upload's frames match it and at least 0 % of its own match the upload
// (RuleWhole). RuleContains adds the case an upload holds a listed clip
// among other footage: at least 80 % of the listed video's frames matched,
// and at least DefaultContainsMinFrames of them. TestMatchVideoMetaTool
// holds both percentages to Meta's own matcher on the sample videos.
//
// An Index is immutable after NewIndex or Builder.Build and safe for
// concurrent Match calls. Nothing here parses untrusted bytes (the edge
// parses requests and lists), so the fuzz target, FuzzMatch, is a
// differential test: fuzzed lists, queries and layouts against brute force.
//
// match imports only fingerprint from this project; it must not import
// edge, release, bloom or cmd.
package match
