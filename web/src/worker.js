// The checker's Web Worker: it owns the wasm module, so decoding, hashing and
// filter look-ups never block the page. Messages are { id, op, ... } and
// answers { id, result } or { id, error: { name, code, message } }.
import { Module } from './module.js';
import { update } from './release.js';
import { imageSize } from './imagesize.js';

let mod = null;
let releaseURL = null;
let release = null;

const CHUNK = 1 << 20; // bytes digested per call
const SIDE = 512; // the canonical pipeline's sampling size

// pixels decodes a file to 8-bit RGBA with EXIF orientation applied.
// resize 'wasm': the full image goes to the module, which samples it
// exactly as the reference (floor(x*W/512)); 'browser': the full decode is
// resized to 512x512 by Chromium with resizeQuality 'pixelated'; 'decode':
// when the header says a side is over 512, Chromium decodes straight to
// 512x512 (it may decode JPEGs at a reduced scale, which is much faster).
async function pixels(file, resize) {
  const opts = { imageOrientation: 'from-image', colorSpaceConversion: 'none', premultiplyAlpha: 'none' };
  if (resize === 'decode') {
    const dims = await imageSize(file);
    if (dims && (dims.width > SIDE || dims.height > SIDE)) {
      const bmp = await createImageBitmap(file, { ...opts, resizeWidth: SIDE, resizeHeight: SIDE, resizeQuality: 'pixelated' });
      const c = new OffscreenCanvas(SIDE, SIDE);
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(bmp, 0, 0);
      bmp.close();
      return { data: ctx.getImageData(0, 0, SIDE, SIDE).data, w: SIDE, h: SIDE, width: dims.width, height: dims.height };
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
  const out = { data, w: bmp.width, h: bmp.height, width, height };
  bmp.close();
  return out;
}

async function digest(file) {
  const id = mod.digestInit();
  const p = mod.alloc(Math.min(CHUNK, Math.max(file.size, 1)));
  try {
    for (let off = 0; off < file.size; off += CHUNK) {
      const chunk = new Uint8Array(await file.slice(off, off + CHUNK).arrayBuffer());
      mod.bytes().set(chunk, p); // a fresh view: memory may have grown
      mod.digestUpdate(id, p, chunk.length);
    }
  } finally {
    mod.free(p);
  }
  return mod.digestFinal(id);
}

async function check(file, resize) {
  const t0 = performance.now();
  const px = await pixels(file, resize);
  const t1 = performance.now();
  const p = mod.put(px.data);
  let fp;
  try {
    fp = mod.fingerprintAt(p, px.data.length, px.w, px.h);
  } finally {
    mod.free(p);
  }
  const t2 = performance.now();
  const dg = await digest(file);
  const t3 = performance.now();
  const fingerprints = {
    width: px.width, height: px.height, pdq: fp.pdq, pdqQuality: fp.quality,
    phash: fp.phash, dhash: fp.dhash, ahash: fp.ahash, sha256: dg.sha256, md5: dg.md5, bytes: dg.bytes,
  };
  const q = `pdq ${fp.pdq}\nphash ${fp.phash}\nsha256 ${dg.sha256}\nmd5 ${dg.md5}\n`;
  const localHit = mod.check(q);
  const t4 = performance.now();
  return {
    fingerprints, localHit, release: release && release.version,
    timings: { decode: t1 - t0, fingerprint: t2 - t1, digest: t3 - t2, lookup: t4 - t3, worker: t4 - t0 },
  };
}

const ops = {
  async init({ wasmURL, releaseURL: rurl, publicKeys }) {
    mod = await Module.load(fetch(wasmURL));
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
  async check({ file, resize }) {
    if (!mod) throw new Error('hashgate: checker not initialised');
    return check(file, resize || 'wasm');
  },
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
