// Package video computes vPDQ, Meta's video fingerprint, of MP4/MOV, WebM,
// Matroska and animated GIF files, with the MD5 and SHA-256 of their bytes.
//
// Decoding is FFmpeg's (Debian's ffmpeg and ffprobe binaries), run as a
// supervised child process: no network (-protocol_whitelist), a fixed set
// of demuxers (-format_whitelist), address-space and CPU limits, its own
// process group killed on cancellation or timeout, stderr kept (bounded)
// for errors. The file is probed first (ffprobe JSON) and refused early
// when it breaks a limit; the decoder then streams raw RGB24 frames over a
// pipe, one frame in memory at a time.
//
// Frame selection, colour conversion and hashing follow Meta's C++
// reference (facebook/ThreatExchange vpdq/cpp, vpdq-hash-video): every
// decoded frame of the first video stream is counted in decoder output
// order; frame n is hashed when n % frameMod == 0 with frameMod =
// int(secondsPerHash × fps), fps the stream's avg_frame_rate (else
// r_frame_rate), frameMod 1 when that is 0; a hashed frame is converted by
// libswscale (SWS_AREA, BT.601 matrix, range from the pixel format) to
// RGB24 at the stream's own size, ignoring rotation metadata, and hashed
// with PDQ at full resolution (fingerprint.FrameHasher); its timestamp is
// n/fps in float32. docs/video.md lists where hashgate differs.
//
// The package also reads and writes the reference's text format
// (frame,quality,hex,timestamp lines) and computes the reference's
// two-sided match percentages for two frame lists (Compare).
//
// It is for native builds (edge, CLI): it must not be imported by the wasm
// checker (it uses os/exec and encoding/json). It imports only hashgate's
// fingerprint and fingerprint/canon (Options.Trim) packages.
package video
