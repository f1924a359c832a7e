// One selected video frame to vPDQ's PDQ: the frame is copied out (I420 by
// default, else RGBA converted by the browser), closed at once, converted to
// PDQ's float32 luma plane straight into the module's memory
// (frameluma.js) and hashed there at its own size (hg_frame_pdq). The
// checker's worker uses it inline, or a hasher worker (hasher.js) runs it
// beside the decoding so the two use both cores.
import { i420Luma, rgbaLuma } from './frameluma.js';

export class FrameHasher {
  constructor(mod) {
    this.mod = mod;
    this.copyBuf = null;
    this.lumaPtr = 0;
    this.lumaLen = 0;
    this.spent = { copy: 0, luma: 0, pdq: 0 }; // milliseconds, for the timings
    this.queue = Promise.resolve();
  }

  // hash hashes and closes frame (a VideoFrame); pixels is 'i420' or 'rgba'.
  // It resolves to { pdq, quality, width, height, format }. Calls run one
  // after another (they share the buffers).
  hash(frame, pixels = 'i420') {
    const p = this.queue.then(() => this.hashNow(frame, pixels));
    this.queue = p.catch(() => {});
    return p;
  }

  async hashNow(frame, pixels) {
    try {
      const t0 = performance.now();
      const w = frame.visibleRect?.width ?? frame.displayWidth;
      const h = frame.visibleRect?.height ?? frame.displayHeight;
      const i420 = pixels === 'i420' && frame.format === 'I420';
      const cw = (w + 1) >> 1;
      const ch = (h + 1) >> 1;
      const need = i420 ? w * h + 2 * cw * ch : 4 * w * h;
      if (!this.copyBuf || this.copyBuf.length < need) this.copyBuf = new Uint8Array(need);
      let stride = 4 * w;
      if (i420) {
        await frame.copyTo(this.copyBuf, { layout: [{ offset: 0, stride: w }, { offset: w * h, stride: cw }, { offset: w * h + cw * ch, stride: cw }] });
      } else {
        const layout = await frame.copyTo(this.copyBuf, { format: 'RGBA', colorSpace: 'srgb', layout: [{ offset: 0, stride: 4 * w }] });
        stride = layout[0].stride;
      }
      const format = i420 ? 'I420' : `${frame.format}→RGBA`;
      frame.close();
      frame = null;
      const tc = performance.now();
      const plane = this.plane(w, h);
      if (i420) i420Luma(this.copyBuf, w, h, plane); else rgbaLuma(this.copyBuf, w, h, stride, plane);
      const tl = performance.now();
      const r = this.mod.framePDQ(this.lumaPtr, 4 * w * h, w, h);
      this.spent.copy += tc - t0;
      this.spent.luma += tl - tc;
      this.spent.pdq += performance.now() - tl;
      return { pdq: r.pdq, quality: r.quality, width: w, height: h, format };
    } finally {
      frame?.close();
    }
  }

  // plane is a Float32Array view of a w·h luma buffer in the module's
  // memory (a fresh view each time: memory may have grown).
  plane(w, h) {
    if (this.lumaLen < 4 * w * h) {
      if (this.lumaPtr) this.mod.free(this.lumaPtr);
      this.lumaPtr = 0;
      this.lumaPtr = this.mod.alloc(4 * w * h);
      this.lumaLen = 4 * w * h;
    }
    return new Float32Array(this.mod.bytes().buffer, this.lumaPtr, w * h);
  }

  // hashRGBA hashes w×h RGBA pixels the page captured (the <video> fallback).
  hashRGBA(data, w, h) {
    const plane = this.plane(w, h);
    rgbaLuma(data, w, h, 4 * w, plane);
    const r = this.mod.framePDQ(this.lumaPtr, 4 * w * h, w, h);
    return { pdq: r.pdq, quality: r.quality, width: w, height: h };
  }

  release() {
    if (this.lumaPtr) this.mod.free(this.lumaPtr);
    this.lumaPtr = 0;
    this.lumaLen = 0;
  }
}
