// The checker's Web Worker: it owns the wasm module, so decoding, hashing and
// filter look-ups never block the page. Messages are { id, op, ... } and
// answers { id, result } or { id, error: { name, code, message } }.
import { Module } from './module.js';
import { update } from './release.js';
import { imageSize, sniffHEIF } from './imagesize.js';
import { sniffVideo, probe, hashFrames, hashRGBAFrames, VideoError } from './video.js';
import { framesNeeded, videoCandidate } from './videorule.js';
import { MD5 } from './md5.js';

let mod = null;
let releaseURL = null;
let release = null;
let edgeURL = null; // the edge that evaluates an oblivious release's keys

const CHUNK = 1 << 20; // bytes digested per call
const SIDE = 512; // the canonical pipeline's sampling size
const WHOLE = 256 << 20; // files up to this size are read into memory whole
const SMALL = 16 << 20; // files up to this size are read whole before their first bytes are looked at
const SPARE = 1 << 20; // files from this size up are read into a buffer touched beforehand (readSpare)

// pixels decodes a file to 8-bit RGBA with EXIF orientation applied, at
// most 512×512 (the canonical pipeline's nearest-neighbour step). resize:
// 'auto' (default): a JPEG goes to WebCodecs' ImageDecoder, which hands over
// its decoded planes without colour conversion, and the worker samples the
// luma plane at the reference's coordinates (see planePixels); anything else,
// or a browser without ImageDecoder, takes the 'wasm' path. 'wasm': the full
// image goes to the module, which samples it exactly as the reference
// (floor(x*W/512)); 'browser': the full decode is resized to 512×512 by
// Chromium with resizeQuality 'pixelated'; 'decode': Chromium decodes a large
// image straight to 512×512. The last two are kept for measurement.
async function pixels(file, bytes, resize, heif, give) {
  if (heif) return decodedPixels(bytes || file.stream(), heif);
  if (resize === 'auto' && bytes && typeof ImageDecoder === 'function') {
    const info = await imageSize(bytes);
    if (info && info.type === 'image/jpeg') {
      const px = await planePixels(bytes, info, give);
      if (px) return px;
    }
  }
  const opts = { imageOrientation: 'from-image', colorSpaceConversion: 'none', premultiplyAlpha: 'none' };
  if (resize === 'decode') {
    const dims = await imageSize(file);
    if (dims && (dims.width > SIDE || dims.height > SIDE)) {
      const bmp = await createImageBitmap(file, { ...opts, resizeWidth: SIDE, resizeHeight: SIDE, resizeQuality: 'pixelated' });
      const c = new OffscreenCanvas(SIDE, SIDE);
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(bmp, 0, 0);
      bmp.close();
      return { data: ctx.getImageData(0, 0, SIDE, SIDE).data, w: SIDE, h: SIDE, width: dims.width, height: dims.height, decoder: 'createImageBitmap 512x512' };
    }
  }
  let bmp = await createImageBitmap(file, opts);
  const width = bmp.width;
  const height = bmp.height;
  if (resize === 'browser' && (width > SIDE || height > SIDE)) {
    const small = await createImageBitmap(bmp, { ...opts, resizeWidth: SIDE, resizeHeight: SIDE, resizeQuality: 'pixelated' });
    bmp.close();
    bmp = small;
  }
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  ctx.drawImage(bmp, 0, 0);
  const data = ctx.getImageData(0, 0, bmp.width, bmp.height, { colorSpace: 'srgb' }).data;
  const out = { data, w: bmp.width, h: bmp.height, width, height, decoder: resize === 'browser' ? 'createImageBitmap 512x512' : 'createImageBitmap' };
  bmp.close();
  return out;
}

// decodedPixels decodes a HEIF-family image (AVIF in Chromium) with
// ImageDecoder and reads it back as sRGB RGBA at full size; the module then
// samples it as the reference does, like the 'wasm' path. createImageBitmap
// would decode it too, but only ImageDecoder says beforehand whether it can.
async function decodedPixels(data, type) {
  const dec = new ImageDecoder({ data, type, preferAnimation: false });
  let frame;
  try {
    frame = (await dec.decode({ frameIndex: 0 })).image;
    const c = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
    const ctx = c.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
    ctx.drawImage(frame, 0, 0);
    const { width, height } = c;
    return { data: ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data, w: width, h: height, width, height, decoder: `ImageDecoder ${type}` };
  } finally {
    frame?.close();
    dec.close();
  }
}

// heifSupport says whether this browser's ImageDecoder decodes type
// (asked once per type).
const heifSupport = new Map();
function canDecode(type) {
  if (typeof ImageDecoder !== 'function') return Promise.resolve(false);
  if (!heifSupport.has(type)) heifSupport.set(type, ImageDecoder.isTypeSupported(type).catch(() => false));
  return heifSupport.get(type);
}

// Formats whose first plane is full-resolution luma (JPEG's Y, which is
// what PDQ's 0.299R+0.587G+0.114B recovers from the edge's RGB, to rounding).
const LUMA_FIRST = new Set(['I420', 'I420A', 'I422', 'I422A', 'I444', 'I444A', 'NV12']);

// planePixels decodes a JPEG with ImageDecoder and samples the result the
// way the edge does: orientation applied, then floor(x*W/512) nearest
// neighbour when a side is over 512. Only the sampled 512×512 pixels ever
// exist as RGBA. Up to 2048 px on the short side the decoder hands over the
// YCbCr planes at full size (no colour conversion, no canvas read-back) and
// the worker samples luma. Larger photos are decoded at 1/4 or 1/8 scale
// (libjpeg's DCT scaling: the Huffman data is read once, the inverse DCT
// produces fewer pixels), still at least 512 px on each side, and the pixel
// covering the reference's sample point is taken: on the four 12-MP photos
// of the corpus that lands 0–4 bits from the edge's PDQ, in about half the
// time of a full decode. With give, bytes' buffer is handed to the decoder
// (ImageDecoderInit.transfer) instead of copied: the copy cost ~12 ms of this
// thread for a 3.6 MB file, before the decode could start; bytes are then
// detached, so the caller must not need them. It returns null when the
// browser cannot decode the file this way; the caller falls back.
async function planePixels(bytes, info, give) {
  let dec;
  let frame;
  try {
    // The whole file as a buffer, not a stream: only then does Chromium
    // decode a JPEG to YCbCr planes instead of converting to RGB.
    const opt = { data: bytes, type: info.type, colorSpaceConversion: 'none', preferAnimation: false };
    if (give) opt.transfer = [bytes.buffer];
    const scale = Math.min(info.width, info.height) >= 8 * SIDE ? 8 : Math.min(info.width, info.height) >= 4 * SIDE ? 4 : 1;
    if (scale > 1) {
      opt.desiredWidth = Math.ceil(info.width / scale);
      opt.desiredHeight = Math.ceil(info.height / scale);
    }
    dec = new ImageDecoder(opt);
    frame = (await dec.decode({ frameIndex: 0 })).image;
  } catch {
    dec?.close();
    return null;
  }
  try {
    const luma = LUMA_FIRST.has(frame.format);
    const rgb = /^(RGB|BGR)[AX]$/.test(frame.format || '');
    if (!luma && !rgb) return null;
    const buf = scratch(frame.allocationSize());
    const [{ offset, stride }] = await frame.copyTo(buf);
    const { width: DW, height: DH } = frame.visibleRect;
    if (DW > info.width || DH > info.height || DW < Math.min(SIDE, info.width) || DH < Math.min(SIDE, info.height)) {
      return null; // not the header's image, or scaled below what sampling needs
    }
    const px = sample(buf, offset, stride, info.width, info.height, DW, DH, info.orientation, luma ? 1 : 4, frame.format.startsWith('BGR'), true);
    px.decoder = `ImageDecoder ${frame.format}` + (DW < info.width ? ` ${DW}x${DH}` : '');
    return px;
  } finally {
    frame.close();
    dec.close();
  }
}

// scratch returns a buffer of at least n bytes, kept between checks up to
// 64 MB: the page faults of a fresh 18 MB buffer cost more than the copy of
// a 12-MP frame into it.
let kept = null;
function scratch(n) {
  if (kept && kept.length >= n) return kept;
  const b = new Uint8Array(n);
  if (n <= 64 << 20) kept = b;
  return b;
}

// sample maps each output pixel of the oriented (and, above 512, resampled)
// image back to the stored W×H image, then to the decoded DW×DH plane (the
// same size unless the decoder scaled it). bpp 1: a luma plane, written as
// grey RGBA; bpp 4: interleaved RGB(A/X), bgr when blue comes first. With
// inModule the pixels are written straight into a buffer of the module
// (modulePixels), so they are not copied again to be hashed; the result
// then names it by ptr.
function sample(buf, offset, stride, W, H, DW, DH, orientation, bpp, bgr, inModule) {
  const swap = orientation >= 5; // 5–8 transpose the image
  const OW = swap ? H : W;
  const OH = swap ? W : H;
  const big = OW > SIDE || OH > SIDE;
  const w = big ? SIDE : OW;
  const h = big ? SIDE : OH;
  // Output (x, y) reads stored (sx, sy): sx depends on x alone and sy on y
  // alone, or the other way round for a transposed orientation, so the
  // byte offset in buf is rows[y] + cols[x].
  const rows = new Int32Array(h);
  const cols = new Int32Array(w);
  const flipX = orientation === 2 || orientation === 3 || orientation === 7 || orientation === 8;
  const flipY = orientation === 3 || orientation === 4 || orientation === 6 || orientation === 7;
  // sxOf(i): the decoded plane's column for index i along the stored
  // width, flipped as the orientation says; syOf likewise for rows.
  const sxOf = (i) => Math.floor((flipX ? W - 1 - i : i) * DW / W);
  const syOf = (i) => Math.floor((flipY ? H - 1 - i : i) * DH / H);
  for (let y = 0; y < h; y++) {
    const Y = big ? Math.floor(y * OH / SIDE) : y;
    rows[y] = offset + (swap ? sxOf(Y) * bpp : syOf(Y) * stride);
  }
  for (let x = 0; x < w; x++) {
    const X = big ? Math.floor(x * OW / SIDE) : x;
    cols[x] = swap ? syOf(X) * stride : sxOf(X) * bpp;
  }
  const n = w * h * 4;
  const dst = inModule ? modulePixels(n) : null;
  const data = dst ? dst.view : new Uint8ClampedArray(n);
  const out = new Uint32Array(data.buffer, data.byteOffset, w * h);
  const ri = bgr ? 2 : 0;
  const bi = bgr ? 0 : 2;
  let o = 0;
  for (let y = 0; y < h; y++) {
    const r = rows[y];
    if (bpp === 1) {
      for (let x = 0; x < w; x++) out[o++] = buf[r + cols[x]] * 0x10101 + 0xff000000; // v, v, v, 255
    } else {
      for (let x = 0; x < w; x++) {
        const p = r + cols[x];
        out[o++] = buf[p + ri] + (buf[p + 1] << 8) + (buf[p + bi] << 16) + 0xff000000;
      }
    }
  }
  return { data, ptr: dst ? dst.ptr : 0, release: dst?.release, w, h, width: OW, height: OH };
}

// modulePixels returns n bytes of a module buffer for sampled pixels: its
// ptr, a view (valid until the next call into the module) and release, to
// call once they are hashed. One buffer is kept between checks (a 512×512
// image is 1 MB); a check that finds it in use by another gets its own.
let pixBuf = null;
function modulePixels(n) {
  if (pixBuf && !pixBuf.busy && pixBuf.n < n) {
    mod.free(pixBuf.ptr);
    pixBuf = null;
  }
  let b = pixBuf;
  if (!b || b.busy) {
    b = { ptr: mod.alloc(n), n, busy: false };
    pixBuf ??= b;
  }
  b.busy = true;
  const release = b === pixBuf ? () => { b.busy = false; } : () => mod.free(b.ptr);
  return { ptr: b.ptr, view: mod.bytes().subarray(b.ptr, b.ptr + n), release };
}

// hold copies bytes into module buffers of up to CHUNK bytes each, for
// digest; free them with unhold.
function hold(bytes) {
  const held = [];
  try {
    for (let off = 0; off < bytes.length; off += CHUNK) {
      const chunk = bytes.subarray(off, off + CHUNK);
      held.push({ p: mod.put(chunk), n: chunk.length });
    }
  } catch (err) {
    unhold(held);
    throw err;
  }
  return held;
}

function unhold(held) {
  for (const { p } of held) mod.free(p);
}

// digest streams the file through the module's SHA-256 and MD5 in chunks:
// from held (hold's buffers) when the file's bytes were put into the
// module, else from bytes when the file was read whole, else reading slice
// by slice so a large file never sits in memory. onChunk(bytesDone) follows
// each chunk; it may throw to stop (an aborted check).
async function digest(file, bytes, onChunk, held = null) {
  await null; // let a decode started just before reach the browser first
  const id = mod.digestInit();
  if (held) {
    let done = 0;
    for (const { p, n } of held) {
      mod.digestUpdate(id, p, n);
      done += n;
      onChunk?.(done);
    }
    return mod.digestFinal(id);
  }
  const p = mod.alloc(Math.min(CHUNK, Math.max(file.size, 1)));
  try {
    for (let off = 0; off < file.size; off += CHUNK) {
      const chunk = bytes ? bytes.subarray(off, off + CHUNK) : new Uint8Array(await file.slice(off, off + CHUNK).arrayBuffer());
      mod.bytes().set(chunk, p); // a fresh view: memory may have grown
      mod.digestUpdate(id, p, chunk.length);
      onChunk?.(off + chunk.length);
    }
  } finally {
    mod.free(p);
  }
  return mod.digestFinal(id);
}

// Fresh large buffers are dear in a browser: a new 3.6 MB ArrayBuffer's
// page faults cost ~11 ms on this thread, more than reading a file into
// memory already touched (file.arrayBuffer() of a 12-MP JPEG: ~24 ms, into
// a touched buffer: ~13 ms). So an image is read into a spare buffer
// touched while the previous check's decode ran, the decoder is given that
// buffer, and the digest reads a copy kept between checks.
let spare = null; // an ArrayBuffer whose pages are touched, for the next read
let keptCopy = null;

// readSpare reads a file of up to SMALL bytes into the spare buffer (or a
// fresh one when it is too small) through a BYOB reader.
async function readSpare(file) {
  const n = file.size;
  let ab = spare && spare.byteLength >= n ? spare : new ArrayBuffer(n);
  spare = null;
  const rd = file.stream().getReader({ mode: 'byob' });
  let off = 0;
  try {
    while (off < n) {
      const { done, value } = await rd.read(new Uint8Array(ab, off, n - off));
      if (done) throw new Error('hashgate: the file shrank while it was read');
      ab = value.buffer; // the same memory, transferred
      off += value.length;
    }
  } finally {
    rd.cancel().catch(() => {});
  }
  return new Uint8Array(ab, 0, n);
}

// touchSpare makes the next read's buffer: n bytes rounded up to a MB,
// each page written once.
function touchSpare(n) {
  if (n > SMALL || (spare && spare.byteLength >= n)) return;
  const size = Math.min(SMALL, Math.ceil(n / (1 << 20)) << 20);
  const v = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) v[i] = 0;
  spare = v.buffer;
}

// copyKept copies bytes into a buffer kept between checks (up to SMALL
// bytes).
function copyKept(bytes) {
  if (!keptCopy || keptCopy.length < bytes.length) {
    keptCopy = null;
    const b = new Uint8Array(bytes.length);
    b.set(bytes);
    if (bytes.length <= SMALL) keptCopy = b;
    return b;
  }
  const b = keptCopy.subarray(0, bytes.length);
  b.set(bytes);
  return b;
}

// webDigest computes the SHA-256 with WebCrypto (native; Chromium hashes
// on the calling thread, and its copy of the input is most of the time) and
// the MD5 here in JavaScript, over bytes; it resolves to the module
// digest's { sha256, md5, bytes }. It first lets a decode started just
// before reach the browser (ImageDecoder is constructed a few microtasks
// after pixels is called).
async function webDigest(subtle, bytes) {
  await new Promise((res) => setTimeout(res, 0));
  const shaP = subtle.digest('SHA-256', bytes);
  const m = new MD5();
  m.update(bytes);
  const md5 = m.hex();
  return { sha256: hex(await shaP), md5, bytes: bytes.length };
}

function hex(buf) {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

// stopIfAborted ends an aborted image check between its steps (the page has
// already rejected it; this spares the work).
function stopIfAborted(signal) {
  if (signal?.aborted) throw new DOMException('hashgate: the check was cancelled', 'AbortError');
}

async function check(file, resize, opts) {
  const t0 = performance.now();
  // A file that may be an image is read whole at once (decoder and digest
  // share the bytes): one read of the blob instead of two, which at 512 px
  // was 1.5-2 ms. A short video is read for nothing, a few ms beside its
  // decode. From 1 MB up it is read into a buffer touched beforehand
  // (readSpare).
  const subtle = globalThis.crypto?.subtle;
  const fromSpare = subtle && file.size >= SPARE && file.size <= SMALL;
  let bytes = null;
  if (fromSpare) bytes = await readSpare(file);
  else if (file.size <= SMALL) bytes = new Uint8Array(await file.arrayBuffer());
  const head = bytes ? bytes.subarray(0, 64) : new Uint8Array(await file.slice(0, 64).arrayBuffer());
  if (sniffVideo(head)) {
    if (fromSpare) spare = bytes.buffer; // not given to a decoder: the next read may have it
    // A video's frames would each cost the edge eight evaluations: in
    // oblivious mode the edge checks videos on upload instead.
    if (release && release.oblivious) return { unsupported: 'video: this release is in oblivious mode, in which the edge checks videos on upload' };
    return checkVideo(file, opts, t0);
  }
  // HEIC (and AVIF where the browser lacks its decoder) is not checked here:
  // the answer says so and nothing is looked up or sent; the edge, which
  // decodes both, checks the upload.
  const heif = sniffHEIF(head);
  if (heif && !(await canDecode(heif))) {
    return { unsupported: `${heif.slice(6)}: this browser cannot decode it; the edge will check the upload` };
  }
  // An image's progress is its bytes digested: { done, total, unit: 'bytes' }.
  const progress = (done) => opts.onProgress?.({ done, total: file.size, unit: 'bytes' });
  const { signal } = opts;
  progress(0);
  // An image is read whole once (decoder and digest share the bytes); only
  // files too large to be images the checker decodes are streamed.
  if (!bytes && file.size <= WHOLE) bytes = new Uint8Array(await file.arrayBuffer());
  const tRead = performance.now();
  // A file of up to 16 MB is digested from a copy, so that the decoder can
  // be given the bytes themselves: where WebCrypto is (a secure context),
  // the SHA-256 natively and the MD5 in JavaScript, which take a 12-MP
  // JPEG's 3.6 MB in about a third of the module's time (both at once,
  // ~45 ms of this thread beside the decoder); elsewhere the copy is put
  // into the module (the digest would copy the bytes there chunk by chunk
  // anyway) and digested there.
  const small = bytes && bytes.length <= SMALL;
  const copy = small && subtle ? copyKept(bytes) : null;
  const held = small && !copy ? hold(bytes) : null;
  // Decoding runs on the browser's own threads; the digest runs here in the
  // meantime, so the two overlap instead of adding up.
  let t1 = 0;
  const pxP = pixels(file, bytes, resize, heif, small).then((px) => { t1 = performance.now(); return px; });
  pxP.catch(() => {}); // handled below, after the digest; not an unhandled rejection meanwhile
  let dg;
  let tDigest = t0;
  let px;
  try {
    if (copy) {
      dg = await webDigest(subtle, copy);
      // The next read's buffer is touched while the decoder still works,
      // or after this check when it is done already.
      if (fromSpare && !t1) touchSpare(copy.length);
      else if (fromSpare) setTimeout(() => touchSpare(copy.length), 0);
      stopIfAborted(signal);
      progress(dg.bytes);
    } else {
      dg = await digest(file, bytes, (done) => { stopIfAborted(signal); progress(done); }, held);
    }
    tDigest = performance.now();
  } finally {
    if (held) unhold(held);
    px = await pxP; // never leave the decode running unobserved
    if (!dg) px.release?.();
  }
  const t3 = performance.now();
  // Pixels sampled into the module are hashed where they are.
  const p = px.ptr || mod.put(px.data);
  let fp;
  try {
    stopIfAborted(signal);
    fp = mod.fingerprintAt(p, 4 * px.w * px.h, px.w, px.h);
  } finally {
    if (px.ptr) px.release();
    else mod.free(p);
  }
  const t2 = performance.now();
  const fingerprints = {
    width: px.width, height: px.height, pdq: fp.pdq, pdqQuality: fp.quality,
    phash: fp.phash, sha256: dg.sha256, md5: dg.md5, bytes: dg.bytes,
  };
  const dihedral = opts.dihedral !== false;
  if (dihedral) fingerprints.pdqDihedral = fp.dihedral;
  // The rotations and mirror images are looked up too (dihedral matching,
  // on by default as at the edge); dihedral[0] is the PDQ itself.
  const dih = dihedral ? (fp.dihedral || []).slice(1).filter((h) => h !== fp.pdq).map((h) => `pdq ${h}\n`).join('') : '';
  // The robust hashes (the picture with borders, bands and blurred fill
  // trimmed, as the edge computes it) of quality >= 50, the edge's floor,
  // are looked up too, with their variants when dihedral look-ups are on.
  const robust = (fp.robust || []).filter((r) => r.quality >= 50);
  if (robust.length) fingerprints.pdqRobust = robust.map((r) => ({ quality: r.quality, dihedral: r.dihedral }));
  const seen = new Set([fp.pdq, ...(dihedral ? fp.dihedral || [] : [])]);
  const rob = robust.flatMap((r) => (dihedral ? r.dihedral : r.dihedral.slice(0, 1)))
    .filter((h) => !seen.has(h) && seen.add(h)).map((h) => `pdq ${h}\n`).join('');
  const q = `pdq ${fp.pdq}\n${dih}${rob}phash ${fp.phash}\nsha256 ${dg.sha256}\nmd5 ${dg.md5}\n`;
  let tOPRF;
  let localHit;
  if (release && release.oblivious) {
    const t = performance.now();
    localHit = await obliviousCheck(q, signal);
    tOPRF = performance.now() - t;
  } else {
    localHit = mod.check(q);
  }
  const t4 = performance.now();
  return {
    fingerprints, localHit, release: release && release.version, decoder: px.decoder,
    // decode and digest overlap: decode is from the start until the pixels
    // were ready, digest until the digest was done.
    timings: { read: tRead - t0, decode: t1 - t0, digest: tDigest - t0, fingerprint: t2 - t3, lookup: t4 - t2, worker: t4 - t0, ...(tOPRF !== undefined && { oprf: tOPRF }) },
  };
}

// obliviousCheck is the look-up of an oblivious-mode release, whose filter
// keys only the edge can help compute: the module blinds the query's VOPRF
// inputs, one POST /v1/oprf carries them, the module verifies the edge's
// proof, unblinds and looks the keys up. Any failure (no edge, a refusal,
// the budget spent, a proof that does not verify) throws: the check is an
// error, never a "clear".
const OPRF_TIMEOUT_MS = 30000;

async function obliviousCheck(q, signal) {
  if (!edgeURL) {
    throw new Error('hashgate: the release is in oblivious mode: createChecker needs edgeURL, the edge that evaluates its keys');
  }
  const body = mod.oprfBlind(q);
  stopIfAborted(signal);
  let resp;
  try {
    resp = await fetch(new URL('/v1/oprf', edgeURL).href, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body,
      // An edge that does not answer must not hold the check forever.
      signal: AbortSignal.timeout(OPRF_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Error(err.name === 'TimeoutError'
      ? `hashgate: the edge did not answer /v1/oprf within ${OPRF_TIMEOUT_MS / 1000} s`
      : `hashgate: asking the edge (/v1/oprf): ${err.message}`);
  }
  const answer = new Uint8Array(await resp.arrayBuffer());
  if (!resp.ok) {
    let msg = '';
    try { msg = JSON.parse(new TextDecoder().decode(answer)).message || ''; } catch { /* not JSON */ }
    const err = new Error(resp.status === 429
      ? `hashgate: the edge's evaluation budget is spent: retry after ${resp.headers.get('retry-after') || '?'} s`
      : `hashgate: the edge answered /v1/oprf with ${resp.status}${msg ? `: ${msg}` : ''}`);
    err.code = resp.status === 429 ? 'budget' : 'oprf';
    if (resp.status === 429) err.retryAfter = Number(resp.headers.get('retry-after')) || undefined;
    throw err;
  }
  return mod.oprfFinalize(answer);
}

// Frames of PDQ quality under this are dropped by the vPDQ matcher on both
// sides, so they are not looked up either.
const MIN_FRAME_QUALITY = 50;

// lookupVideo looks up the file's digests and every frame's PDQ (listed
// videos put the PDQ keys of their frames in the filter). The video is a
// candidate when a digest hits or enough distinct usable frames hit for one
// of the edge's rules to be possible (videorule.js). The hit frames give the
// moderator's time ranges.
function lookupVideo(frames, dg, rules) {
  const base = mod.check(`sha256 ${dg.sha256}\nmd5 ${dg.md5}\n`);
  const hits = [...base.hits];
  const hitFrames = [];
  const seen = new Set();
  for (const f of frames) {
    // Low-quality frames are dropped by the matcher, repeats counted once.
    if (f.quality < MIN_FRAME_QUALITY || seen.has(f.pdq)) continue;
    seen.add(f.pdq);
    const r = mod.check(`pdq ${f.pdq}\n`);
    if (r.hit) {
      hitFrames.push(f.frame);
      for (const h of r.hits) hits.push({ ...h, frame: f.frame });
    }
  }
  const need = framesNeeded(seen.size, rules);
  return {
    hit: videoCandidate({ digestHit: base.hit, hitFrames: hitFrames.length, usable: seen.size }, rules),
    hits, frames: hitFrames, usable: seen.size, need: Number.isFinite(need) ? need : null,
  };
}

function videoResult(v, frames, dg, decoder, t0, tFrames, videoRules) {
  const t2 = performance.now();
  const localHit = lookupVideo(frames, dg, videoRules);
  const t3 = performance.now();
  return {
    video: {
      fps: v.fps, frameMod: v.frameMod, frames: v.frames, duration: v.duration, codec: v.codec,
      width: frames[0]?.width ?? v.width, height: frames[0]?.height ?? v.height, hashes: frames,
    },
    fingerprints: { width: frames[0]?.width ?? v.width, height: frames[0]?.height ?? v.height, sha256: dg.sha256, md5: dg.md5, bytes: dg.bytes },
    localHit, release: release && release.version, decoder,
    timings: { decode: tFrames - t0, lookup: t3 - t2, worker: t3 - t0 },
  };
}

// A second worker hashes the selected video frames while this one feeds the
// decoder (hasher.js); started on the first video, kept for the next. null
// when it cannot start: frames are then hashed here.
let hasherP = null;
function videoHasher() {
  hasherP ??= startHasher().catch(() => null);
  return hasherP;
}

async function startHasher() {
  if (typeof Worker !== 'function' || !mod.compiled) return null;
  const w = new Worker(new URL('./hasher.js', import.meta.url), { type: 'module', name: 'hashgate-hasher' });
  const ready = await new Promise((res) => {
    w.onmessage = (e) => res(e.data);
    w.onerror = () => res({ ready: false });
    w.postMessage({ init: mod.compiled });
  });
  if (!ready.ready) {
    w.terminate();
    return null;
  }
  const pending = new Map();
  let next = 1;
  let spentWaiter = null;
  const fail = (msg) => {
    for (const p of pending.values()) p.reject(new VideoError('video', msg));
    pending.clear();
  };
  w.onmessage = (e) => {
    const d = e.data;
    if (d.spent) {
      spentWaiter?.(d.spent);
      return;
    }
    const p = pending.get(d.id);
    if (!p) return;
    pending.delete(d.id);
    if (d.error) p.reject(new VideoError('video', `hashgate: hashing a frame failed: ${d.error}`));
    else p.resolve(d.result);
  };
  w.onerror = (e) => {
    fail(`hashgate: the hasher worker failed: ${e.message || 'unknown'}`);
    hasherP = null; // the next video starts a new one
  };
  return {
    hash(frame, pixels) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, frame, pixels }, [frame]);
      });
    },
    spent() {
      return new Promise((res) => {
        spentWaiter = res;
        w.postMessage({ spent: true });
      });
    },
  };
}

// checkVideo hashes a video's frames with WebCodecs while the module
// digests its bytes. When WebCodecs cannot decode the codec it answers
// { fallback } with what the page needs to capture the frames from a
// <video> element itself (see index.js).
async function checkVideo(file, opts, t0) {
  const v = await probe(file, { demuxerURL: opts.demuxerURL });
  let tDigest = 0;
  const dgP = digest(file, null).then((d) => { tDigest = performance.now() - t0; return d; });
  dgP.catch(() => {});
  let r;
  try {
    if (opts.decoder === 'video') throw new VideoError('unsupported-codec', 'hashgate: the <video> path was asked for');
    const hasher = opts.videoHasher === false ? null : await videoHasher();
    r = await hashFrames(mod, v, { signal: opts.signal, onProgress: opts.onProgress, pixels: opts.videoPixels, hasher });
  } catch (err) {
    await dgP.catch(() => {});
    if (err instanceof VideoError && err.code === 'unsupported-codec' && opts.fallback !== false) {
      return { fallback: { fps: v.fps, frameMod: v.frameMod, frames: v.frames, duration: v.duration, width: v.width, height: v.height, codec: v.codec, reason: err.message } };
    }
    throw err;
  }
  const tFrames = performance.now();
  const res = videoResult(v, r.frames, await dgP, r.decoder, t0, tFrames, opts.videoRules);
  res.video.skipped = r.skipped;
  res.timings.copy = r.spent.copy;
  res.timings.luma = r.spent.luma;
  res.timings.fingerprint = r.spent.pdq;
  res.timings.digest = tDigest;
  return res;
}

// checkCaptured finishes a video check from frames the page captured.
async function checkCaptured(file, info, captured, videoRules) {
  const t0 = performance.now();
  const frames = hashRGBAFrames(mod, info.fps, captured);
  const dg = await digest(file, null);
  return videoResult(info, frames, dg, 'HTMLVideoElement', t0, performance.now(), videoRules);
}

const aborted = new Set();

const ops = {
  async init({ wasmURL, releaseURL: rurl, publicKeys, edgeURL: eurl }) {
    mod = await Module.load(fetch(wasmURL));
    edgeURL = eurl || null;
    mod.setTrust(publicKeys);
    releaseURL = rurl;
    const r = await update(mod, releaseURL);
    release = r.info;
    return r;
  },
  async update() {
    const r = await update(mod, releaseURL, { current: release });
    release = r.info;
    return r;
  },
  async check({ id, file, resize, dihedral, demuxerURL, videoPixels, fallback, decoder, videoRules, videoHasher: vh }) {
    if (!mod) throw new Error('hashgate: checker not initialised');
    const signal = { get aborted() { return aborted.has(id); } };
    const onProgress = (p) => self.postMessage({ id, progress: p });
    try {
      return await check(file, resize || 'auto', { signal, onProgress, demuxerURL, videoPixels, fallback, decoder, videoRules, videoHasher: vh, dihedral: dihedral !== false });
    } finally {
      aborted.delete(id);
    }
  },
  async videoFrames({ file, info, frames, videoRules }) {
    if (!mod) throw new Error('hashgate: checker not initialised');
    return checkCaptured(file, info, frames, videoRules);
  },
  abort({ target }) { aborted.add(target); return null; },
};

self.onmessage = async (e) => {
  const { id, op } = e.data;
  try {
    const f = ops[op];
    if (!f) throw new Error(`hashgate: unknown operation ${op}`);
    self.postMessage({ id, result: await f(e.data) });
  } catch (err) {
    self.postMessage({ id, error: { name: err.name, code: err.code, message: String(err.message || err) } });
  }
};
