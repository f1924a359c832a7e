// The luma plane a video frame is hashed from, computed exactly as the edge
// and Meta's vPDQ reference get it: libswscale converts the decoded frame to
// RGB24 (BT.601, limited range, unscaled yuv420p→rgb24), then PDQ takes
// 0.299·R + 0.587·G + 0.114·B in float32 (hashgate's
// fingerprint.PDQFullResolution; the plane is R itself when every pixel is
// grey). The conversion is libswscale's x86 SIMD one (what Debian's FFmpeg
// runs on the edge): 13-bit coefficients, every term rounded down on its
// own, each chroma sample used for its 2×2 block. On the sample videos it
// reproduces FFmpeg's RGB bit for bit (test/frameluma.test.mjs), so a frame
// the browser decodes to the same YUV hashes to the same PDQ.
//
// It runs in JavaScript, not in the wasm module, because the module's size
// budget has no room for it; it is a few milliseconds a 720p frame.

const f32 = Math.fround;
const mulhw = (a, b) => (a * b) >> 16;
// libswscale's ff_yuv2rgb_coeffs for the default (BT.601) colour space,
// luma scaled by 255/219, then held as 16-bit values with 13 fraction bits.
const coeff = (c) => (c * (1 << 13) + (1 << 15)) >> 16;
const CY = coeff(76309);
const CVR = coeff(104597);
const CUB = coeff(132201);
const CUG = coeff(25675);
const CVG = coeff(53279);

const TY = new Int32Array(256);
const TVR = new Int32Array(256);
const TUB = new Int32Array(256);
const TUG = new Int32Array(256);
const TVG = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  TY[i] = mulhw((i - 16) << 3, CY);
  TVR[i] = mulhw((i - 128) << 3, CVR);
  TUB[i] = mulhw((i - 128) << 3, CUB);
  TUG[i] = mulhw((i - 128) << 3, -CUG);
  TVG[i] = mulhw((i - 128) << 3, -CVG);
}

// float32 products of PDQ's luma weights with every 8-bit value: exact in
// a double, then rounded to float32 as Go's float32 multiply does.
const LR = new Float32Array(256);
const LG = new Float32Array(256);
const LB = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  LR[i] = f32(f32(0.299) * i);
  LG[i] = f32(f32(0.587) * i);
  LB[i] = f32(f32(0.114) * i);
}

const clip = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);

// i420RGB converts tightly packed I420 (Y, then U and V at ⌈w/2⌉×⌈h/2⌉)
// to packed RGB24, as libswscale does. Exported for the tests.
export function i420RGB(src, w, h, dst = new Uint8Array(3 * w * h)) {
  const cw = (w + 1) >> 1;
  const uo = w * h;
  const vo = uo + cw * ((h + 1) >> 1);
  let o = 0;
  for (let y = 0; y < h; y++) {
    const yr = y * w;
    const cr = (y >> 1) * cw;
    for (let x = 0; x < w; x++) {
      const l = TY[src[yr + x]];
      const u = src[uo + cr + (x >> 1)];
      const v = src[vo + cr + (x >> 1)];
      dst[o++] = clip(l + TVR[v]);
      dst[o++] = clip(l + TUG[u] + TVG[v]);
      dst[o++] = clip(l + TUB[u]);
    }
  }
  return dst;
}

// Clamped float32 luma terms indexed by an unclamped RGB value + OFF:
// TY + a chroma term stays within [-280, 540], so one table look-up does
// clip() and the weight product together.
const OFF = 320;
const CLR = new Float32Array(1024);
const CLG = new Float32Array(1024);
const CLB = new Float32Array(1024);
for (let i = 0; i < 1024; i++) {
  const c = clip(i - OFF);
  CLR[i] = LR[c];
  CLG[i] = LG[c];
  CLB[i] = LB[c];
}

// i420Luma writes the frame's PDQ luma plane (w·h float32) into out. Each
// chroma sample's three terms are computed once for its 2×2 block.
export function i420Luma(src, w, h, out) {
  const cw = (w + 1) >> 1;
  const uo = w * h;
  const vo = uo + cw * ((h + 1) >> 1);
  if (i420Grey(src, w, h)) {
    for (let i = 0; i < w * h; i++) out[i] = clip(TY[src[i]]);
    return out;
  }
  const cr = new Int32Array(cw);
  const cg = new Int32Array(cw);
  const cb = new Int32Array(cw);
  for (let y = 0; y < h; y++) {
    if ((y & 1) === 0) {
      const co = (y >> 1) * cw;
      for (let c = 0; c < cw; c++) {
        const u = src[uo + co + c];
        const v = src[vo + co + c];
        cr[c] = TVR[v] + OFF;
        cg[c] = TUG[u] + TVG[v] + OFF;
        cb[c] = TUB[u] + OFF;
      }
    }
    const yr = y * w;
    for (let x = 0; x < w; x++) {
      const l = TY[src[yr + x]];
      const c = x >> 1;
      out[yr + x] = f32(CLR[l + cr[c]] + CLG[l + cg[c]]) + CLB[l + cb[c]];
    }
  }
  return out;
}

// i420Grey reports whether every pixel converts to R = G = B (then PDQ
// takes R itself); it stops at the first one that does not.
function i420Grey(src, w, h) {
  const cw = (w + 1) >> 1;
  const uo = w * h;
  const vo = uo + cw * ((h + 1) >> 1);
  for (let y = 0; y < h; y++) {
    const yr = y * w;
    const co = (y >> 1) * cw;
    for (let x = 0; x < w; x++) {
      const l = TY[src[yr + x]];
      const u = src[uo + co + (x >> 1)];
      const v = src[vo + co + (x >> 1)];
      const r = clip(l + TVR[v]);
      if (r !== clip(l + TUG[u] + TVG[v]) || r !== clip(l + TUB[u])) return false;
    }
  }
  return true;
}

// rgbaLuma writes the PDQ luma plane of w×h RGBA pixels (row stride in
// bytes) into out: for frames the browser converted to RGB itself.
export function rgbaLuma(src, w, h, stride, out) {
  let grey = true;
  for (let y = 0; y < h; y++) {
    let p = y * stride;
    const yr = y * w;
    for (let x = 0; x < w; x++, p += 4) {
      const r = src[p];
      const g = src[p + 1];
      const b = src[p + 2];
      if (grey && (r !== g || r !== b)) grey = false;
      out[yr + x] = f32(LR[r] + LG[g]) + LB[b];
    }
  }
  if (grey) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) out[y * w + x] = src[y * stride + 4 * x];
    }
  }
  return out;
}
