// vPDQ of a video in the checker's worker: mediabunny (loaded on first use)
// demuxes MP4/MOV, WebM and Matroska; WebCodecs' VideoDecoder decodes every
// packet of the first video track in decode order; the frames come out in
// presentation order, numbered by an output counter from 0, and frame n is
// hashed when n % frameMod == 0, frameMod = ⌊secondsPerHash × fps⌋ (at least
// 1), fps = frames / duration of the track — the reference's selection
// (SOURCE.md of the vPDQ vectors). A hashed frame is copied out as I420,
// converted to luma as libswscale + PDQ would (frameluma.js), and hashed at
// its own size by the module (hg_frame_pdq).
import { i420Luma, rgbaLuma } from './frameluma.js';

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
// selected frames. mod is the checker module; signal { aborted } is polled;
// onProgress({ done, total }) is called as frames are decoded. It returns
// the frames [{ frame, timestamp, pdq, quality }] and the decoder's name.
export async function hashFrames(mod, v, { signal, onProgress, pixels = 'i420' } = {}) {
  if (typeof VideoDecoder !== 'function') {
    throw new VideoError('unsupported-codec', 'hashgate: this browser has no WebCodecs VideoDecoder');
  }
  const config = await v.track.getDecoderConfig();
  const support = config && await VideoDecoder.isConfigSupported(config).catch(() => ({ supported: false }));
  if (!support || !support.supported) {
    throw new VideoError('unsupported-codec', `hashgate: WebCodecs cannot decode ${v.codec || 'this codec'}`);
  }
  const out = [];
  let n = 0; // the decoder's output counter
  let failed = null;
  let chain = Promise.resolve();
  let lumaPtr = 0;
  let lumaLen = 0;
  let copyBuf = null;
  let format = '';
  const spent = { luma: 0, pdq: 0 }; // milliseconds in the worker, for the timings
  const hash = async (frame, idx) => {
    try {
      if (failed || signal?.aborted) return;
      const w = frame.visibleRect?.width ?? frame.displayWidth;
      const h = frame.visibleRect?.height ?? frame.displayHeight;
      const i420 = pixels === 'i420' && frame.format === 'I420';
      const cw = (w + 1) >> 1;
      const ch = (h + 1) >> 1;
      const need = i420 ? w * h + 2 * cw * ch : 4 * w * h;
      if (!copyBuf || copyBuf.length < need) copyBuf = new Uint8Array(need);
      let stride = 4 * w;
      if (i420) {
        await frame.copyTo(copyBuf, { layout: [{ offset: 0, stride: w }, { offset: w * h, stride: cw }, { offset: w * h + cw * ch, stride: cw }] });
      } else {
        const layout = await frame.copyTo(copyBuf, { format: 'RGBA', colorSpace: 'srgb', layout: [{ offset: 0, stride: 4 * w }] });
        stride = layout[0].stride;
      }
      format = i420 ? 'I420' : `${frame.format}→RGBA`;
      const tc = performance.now();
      frame.close();
      frame = null;
      if (lumaLen < 4 * w * h) {
        if (lumaPtr) mod.free(lumaPtr);
        lumaPtr = mod.alloc(4 * w * h);
        lumaLen = 4 * w * h;
      }
      const plane = new Float32Array(mod.bytes().buffer, lumaPtr, w * h);
      if (i420) i420Luma(copyBuf, w, h, plane); else rgbaLuma(copyBuf, w, h, stride, plane);
      const tl = performance.now();
      const r = mod.framePDQ(lumaPtr, 4 * w * h, w, h);
      spent.luma += tl - tc;
      spent.pdq += performance.now() - tl;
      out.push({ frame: idx, timestamp: Math.round(idx / v.fps * 1000) / 1000, pdq: r.pdq, quality: r.quality, width: w, height: h });
    } catch (err) {
      failed = failed || err;
    } finally {
      frame?.close();
    }
  };
  // Frame n is the n-th frame in presentation order, which is the order
  // the decoder outputs frames in (the reference's output counter). Knowing
  // every packet's rank up front lets an H.264 packet that is neither
  // selected nor a reference picture go undecoded: nothing depends on it,
  // and with B-frames that is up to half the decoding.
  const sink = new v.mb.EncodedPacketSink(v.track);
  const stamps = [];
  for await (const p of sink.packets(undefined, undefined, { metadataOnly: true })) stamps.push(p.microsecondTimestamp);
  const sorted = Float64Array.from(stamps).sort();
  const rank = new Map();
  sorted.forEach((t, i) => rank.set(t, i));
  const byRank = rank.size === sorted.length; // unique timestamps: ranks are frame numbers
  const nalLength = byRank ? avcNALLength(config) : 0;
  let wake = null;
  let done = 0;
  const decoder = new VideoDecoder({
    output(frame) {
      const idx = byRank ? rank.get(frame.timestamp) ?? -1 : n;
      n++;
      if (idx >= 0 && idx % v.frameMod === 0) {
        chain = chain.then(() => hash(frame, idx));
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
      if (nalLength && rank.get(packet.microsecondTimestamp) % v.frameMod !== 0 && !avcReference(packet.data, nalLength)) {
        skipped++;
        continue;
      }
      decoder.decode(packet.toEncodedVideoChunk());
      // Keep a few packets in flight: enough to keep the decoder's threads
      // busy, few enough that frames do not pile up.
      while (decoder.decodeQueueSize > 4 && !failed && !signal?.aborted) {
        await new Promise((res) => { wake = res; });
        wake = null;
      }
    }
    await decoder.flush();
    await chain;
    if (failed) throw failed;
    if (signal?.aborted) throw new AbortError();
  } finally {
    if (decoder.state !== 'closed') decoder.close();
    await chain.catch(() => {});
    if (lumaPtr) mod.free(lumaPtr);
  }
  if (!byRank && n !== v.frames) {
    throw new VideoError('video', `hashgate: the decoder gave ${n} frames of ${v.frames}: frame numbers would not be the reference's`);
  }
  out.sort((a, b) => a.frame - b.frame);
  return { frames: out, decoder: `VideoDecoder ${format}`, decoded: n, skipped, spent };
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
  const out = [];
  for (const f of frames) {
    const { width: w, height: h } = f;
    const p = mod.alloc(4 * w * h);
    try {
      rgbaLuma(f.data, w, h, 4 * w, new Float32Array(mod.bytes().buffer, p, w * h));
      const r = mod.framePDQ(p, 4 * w * h, w, h);
      out.push({ frame: f.frame, timestamp: Math.round(f.frame / fps * 1000) / 1000, pdq: r.pdq, quality: r.quality, width: w, height: h });
    } finally {
      mod.free(p);
    }
  }
  return out;
}
