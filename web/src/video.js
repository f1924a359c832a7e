// vPDQ of a video in the checker's worker: mediabunny (loaded on first use)
// demuxes MP4/MOV, WebM and Matroska; WebCodecs' VideoDecoder decodes every
// packet of the first video track in decode order; the frames come out in
// presentation order, numbered by an output counter from 0, and frame n is
// hashed when n % frameMod == 0, frameMod = ⌊secondsPerHash × fps⌋ (at least
// 1), fps = frames / duration of the track — the reference's selection
// (SOURCE.md of the vPDQ vectors). A hashed frame is copied out as I420,
// converted to luma as libswscale + PDQ would (frameluma.js), and hashed at
// its own size by the module (hg_frame_pdq).
import { FrameHasher } from './framehash.js';

// The demuxer, as served beside src/ (web/node_modules); a page can point
// createChecker's demuxerURL elsewhere.
export const defaultDemuxerURL = new URL('../node_modules/mediabunny/dist/bundles/mediabunny.min.mjs', import.meta.url).href;

let demuxer = null;
async function loadDemuxer(url) {
  if (!demuxer || demuxer.url !== url) demuxer = { url, mod: await import(url) };
  return demuxer.mod;
}

// sniffVideo names the container from the first bytes, or returns null:
// ISO BMFF (MP4, MOV, 3GP) by its 'ftyp' (or a leading 'moov'/'mdat'/'free'/
// 'wide' box), Matroska and WebM by the EBML magic.
export function sniffVideo(b) {
  if (!b || b.length < 12) return null;
  const tag = String.fromCharCode(b[4], b[5], b[6], b[7]);
  if (tag === 'ftyp') {
    const brand = String.fromCharCode(b[8], b[9], b[10], b[11]);
    // HEIF/AVIF images are ISO BMFF too; they go to the image path.
    if (/^(hei[cxms]|hev[cx]|mif1|msf1|avif|avis)$/.test(brand)) return null;
    return 'mp4';
  }
  if (tag === 'moov' || tag === 'mdat' || tag === 'wide' || tag === 'free') return 'mp4';
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'matroska';
  return null;
}

export class VideoError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'VideoError';
    this.code = code;
  }
}

export class AbortError extends Error {
  constructor() {
    super('hashgate: the check was cancelled');
    this.name = 'AbortError';
  }
}

// probe opens the file and returns what frame selection needs, without
// decoding: { input, track, config, fps, frameMod, frames, duration, width, height }.
export async function probe(file, { demuxerURL = defaultDemuxerURL, secondsPerHash = 1 } = {}) {
  const mb = await loadDemuxer(demuxerURL);
  const input = new mb.Input({ source: new mb.BlobSource(file), formats: mb.ALL_FORMATS });
  let track;
  try {
    track = await input.getPrimaryVideoTrack();
  } catch (err) {
    throw new VideoError('video', `hashgate: cannot read the video container: ${err.message}`);
  }
  if (!track) throw new VideoError('video', 'hashgate: the file has no video track');
  const stats = await track.computePacketStats();
  if (!stats.packetCount) throw new VideoError('video', 'hashgate: the video track has no frames');
  // FFmpeg's avg_frame_rate, which the reference reads: for MP4 frames ÷
  // the track's duration; for Matroska and WebM the track's DefaultDuration
  // (millisecond timestamps would make frames ÷ duration 29.9975 for 30 fps),
  // which mediabunny recovers as the timestamps' underlying rate.
  const format = (await input.getFormat()).name;
  let fps = stats.averagePacketRate;
  if (format === 'WebM' || format === 'Matroska') {
    const m = await track.computeFrameRateMetrics().catch(() => null);
    if (m?.underlyingFrameRate) fps = m.underlyingFrameRate;
  }
  // ⌊secondsPerHash × fps⌋ as the reference casts it; the rate is a
  // rational the demuxer turned into a double (30 may arrive as
  // 29.999999999999996), so a hair is added before rounding down.
  const frameMod = secondsPerHash > 0 ? Math.max(1, Math.floor(secondsPerHash * fps + 1e-9)) : 1;
  return {
    mb, input, track, fps, frameMod, frames: stats.packetCount, format,
    duration: stats.packetCount / fps,
    width: track.codedWidth, height: track.codedHeight, codec: await track.getCodecParameterString(),
  };
}

// hashFrames decodes the probed track with WebCodecs and hashes the
// selected frames. mod is the checker module; hasher, when given, hashes
// frames elsewhere ({ hash(frame, pixels) → Promise, spent() → Promise }, a
// second worker: see hasher.js), else they are hashed here; signal
// { aborted } is polled; onProgress({ done, total }) is called as frames
// are decoded. It returns the frames [{ frame, timestamp, pdq, quality }]
// and the decoder's name.
export async function hashFrames(mod, v, { signal, onProgress, pixels = 'i420', hasher = null } = {}) {
  if (typeof VideoDecoder !== 'function') {
    throw new VideoError('unsupported-codec', 'hashgate: this browser has no WebCodecs VideoDecoder');
  }
  const config = await v.track.getDecoderConfig();
  const support = config && await VideoDecoder.isConfigSupported(config).catch(() => ({ supported: false }));
  if (!support || !support.supported) {
    throw new VideoError('unsupported-codec', `hashgate: WebCodecs cannot decode ${v.codec || 'this codec'}`);
  }
  const local = hasher ? null : new FrameHasher(mod);
  const h = hasher || local;
  const out = [];
  let n = 0; // the decoder's output counter
  let failed = null;
  let format = '';
  let inflight = 0; // selected frames handed to the hasher, not yet hashed
  const hashing = [];
  const hash = (frame, idx) => {
    if (failed || signal?.aborted) {
      frame.close();
      return;
    }
    inflight++;
    hashing.push(h.hash(frame, pixels).then((r) => {
      format = r.format;
      out.push({ frame: idx, timestamp: Math.round(idx / v.fps * 1000) / 1000, pdq: r.pdq, quality: r.quality, width: r.width, height: r.height });
    }, (err) => {
      failed = failed || (err instanceof Error ? err : new VideoError('video', `hashgate: hashing a frame failed: ${err}`));
    }).finally(() => {
      inflight--;
      wake?.();
    }));
  };
  // Frame n is the n-th frame in presentation order, which is the order
  // the decoder outputs frames in (the reference's output counter). Knowing
  // every packet's rank up front lets an H.264 packet that is neither
  // selected nor a reference picture go undecoded: nothing depends on it,
  // and with B-frames that is up to half the decoding.
  const sink = new v.mb.EncodedPacketSink(v.track);
  const stamps = [];
  const keys = []; // [decode index, packet] of the key packets
  for await (const p of sink.packets(undefined, undefined, { metadataOnly: true })) {
    if (p.type === 'key') keys.push([stamps.length, p]);
    stamps.push(p.microsecondTimestamp);
  }
  const sorted = Float64Array.from(stamps).sort();
  const rank = new Map();
  sorted.forEach((t, i) => rank.set(t, i));
  const byRank = rank.size === sorted.length; // unique timestamps: ranks are frame numbers
  const nalLength = byRank ? avcNALLength(config) : 0;
  const needed = nalLength ? await neededPackets(sink, stamps, keys, rank, v.frameMod, nalLength) : null;
  let wake = null;
  let done = 0;
  const decoder = new VideoDecoder({
    output(frame) {
      const idx = byRank ? rank.get(frame.timestamp) ?? -1 : n;
      n++;
      if (idx >= 0 && idx % v.frameMod === 0) {
        hash(frame, idx);
      } else {
        frame.close();
      }
    },
    error(e) { failed = failed || new VideoError('video', `hashgate: decoding the video failed: ${e.message}`); wake?.(); },
  });
  decoder.ondequeue = () => wake?.();
  let skipped = 0;
  try {
    decoder.configure(config);
    for await (const packet of sink.packets()) {
      if (signal?.aborted) throw new AbortError();
      if (failed) throw failed;
      done++;
      if (onProgress && (done % 15 === 0 || done === v.frames)) onProgress({ done, total: v.frames });
      if (needed && !needed[done - 1] || nalLength && rank.get(packet.microsecondTimestamp) % v.frameMod !== 0 && !avcReference(packet.data, nalLength)) {
        skipped++;
        continue;
      }
      decoder.decode(packet.toEncodedVideoChunk());
      // Keep a few packets in flight: enough to keep the decoder's threads
      // busy, few enough that frames do not pile up.
      // Frames waiting for the hasher hold decoder buffers: a few at most.
      while ((decoder.decodeQueueSize > 4 || inflight > 3) && !failed && !signal?.aborted) {
        await new Promise((res) => { wake = res; });
        wake = null;
      }
    }
    await decoder.flush();
    await Promise.all(hashing);
    if (failed) throw failed;
    if (signal?.aborted) throw new AbortError();
  } finally {
    if (decoder.state !== 'closed') decoder.close();
    await Promise.all(hashing);
    local?.release();
  }
  if (!byRank && n !== v.frames) {
    throw new VideoError('video', `hashgate: the decoder gave ${n} frames of ${v.frames}: frame numbers would not be the reference's`);
  }
  out.sort((a, b) => a.frame - b.frame);
  const spent = local ? local.spent : await h.spent();
  return { frames: out, decoder: `VideoDecoder ${format}` + (hasher ? ' (hasher worker)' : ''), decoded: n, skipped, spent };
}

// neededPackets marks, by decode index, the H.264 packets a selected frame
// can depend on: an IDR picture empties the decoder's reference list, so
// nothing after it refers to anything before it, and a packet whose GOP
// (from one IDR to the next) has no selected frame at or after it in decode
// order need not be decoded, reference or not: the tail of a GOP after its
// last selected frame, and whole GOPs shorter than the selection step. Only
// key packets whose data holds an IDR slice (NAL type 5) count as bounds; an
// open-GOP I picture is not one. Selected packets are always needed.
async function neededPackets(sink, stamps, keys, rank, frameMod, nalLength) {
  const idr = new Uint8Array(stamps.length);
  for (const [d, p] of keys) {
    const k = await sink.getKeyPacket(p.timestamp).catch(() => null);
    if (k && k.microsecondTimestamp === p.microsecondTimestamp && avcIDR(k.data, nalLength)) idr[d] = 1;
  }
  const needed = new Uint8Array(stamps.length);
  let pending = false;
  for (let d = stamps.length - 1; d >= 0; d--) {
    if (rank.get(stamps[d]) % frameMod === 0) pending = true;
    needed[d] = pending ? 1 : 0;
    if (idr[d]) pending = false;
  }
  return needed;
}

// avcIDR reports whether an AVCC access unit holds an IDR slice.
function avcIDR(data, lengthSize) {
  let p = 0;
  while (p + lengthSize < data.length) {
    let len = 0;
    for (let i = 0; i < lengthSize; i++) len = len * 256 + data[p + i];
    p += lengthSize;
    if (len === 0 || p + len > data.length) return false;
    if ((data[p] & 0x1f) === 5) return true;
    p += len;
  }
  return false;
}

// avcNALLength is the NAL length field size of an AVCC (MP4-style) H.264
// config, or 0 when the stream is not one (then nothing is skipped).
function avcNALLength(config) {
  if (!/^avc[13]\./.test(config.codec) || !config.description) return 0;
  const d = ArrayBuffer.isView(config.description)
    ? new Uint8Array(config.description.buffer, config.description.byteOffset, config.description.byteLength)
    : new Uint8Array(config.description);
  if (d.length < 5 || d[0] !== 1) return 0;
  return (d[4] & 3) + 1;
}

// avcReference reports whether an H.264 access unit holds a reference
// picture: a slice NAL unit with nal_ref_idc ≠ 0. Anything it cannot read
// counts as a reference, so it is decoded.
function avcReference(data, lengthSize) {
  let p = 0;
  let slices = 0;
  while (p + lengthSize < data.length) {
    let len = 0;
    for (let i = 0; i < lengthSize; i++) len = len * 256 + data[p + i];
    p += lengthSize;
    if (len === 0 || p + len > data.length) return true;
    const h = data[p];
    const type = h & 0x1f;
    if (type === 1 || type === 5) {
      slices++;
      if ((h >> 5) & 3) return true;
    }
    p += len;
  }
  return slices === 0;
}

// hashRGBAFrames hashes frames the page captured itself (the <video>
// fallback): [{ frame, data (RGBA), width, height }].
export function hashRGBAFrames(mod, fps, frames) {
  const fh = new FrameHasher(mod);
  try {
    return frames.map((f) => ({ frame: f.frame, timestamp: Math.round(f.frame / fps * 1000) / 1000, ...fh.hashRGBA(f.data, f.width, f.height) }));
  } finally {
    fh.release();
  }
}
