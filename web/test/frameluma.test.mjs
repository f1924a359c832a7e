// The worker's YUV→RGB conversion against FFmpeg's own (libswscale, the
// path the edge and Meta's vPDQ reference hash from), on the sample videos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { i420RGB, i420Luma } from '../src/frameluma.js';
import { repoRoot } from './demo-server.mjs';

const videos = join(repoRoot, '..', 'shared', 'testdata', 'vpdq', 'videos');

function raw(file, pixFmt, frames) {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', String(frames), '-sws_flags', 'area',
    '-f', 'rawvideo', '-pix_fmt', pixFmt, '-'], { maxBuffer: 1 << 28 });
}

for (const [name, w, h] of [
  ['chair-22-sd-sepia-bar', 480, 720],
  ['doorknob-hd-no-bar', 1280, 720],
  ['pattern-hd-no-bar', 720, 1280],
  ['test-padded-dimensions', 1080, 1080],
]) {
  test(`I420 to RGB is FFmpeg's, bit for bit: ${name}`, () => {
    const file = join(videos, `${name}.mp4`);
    const frames = 2;
    const yuv = raw(file, 'yuv420p', frames);
    const rgb = raw(file, 'rgb24', frames);
    const fy = w * h * 3 / 2;
    const fr = w * h * 3;
    assert.equal(yuv.length, frames * fy);
    for (let f = 0; f < frames; f++) {
      const got = i420RGB(yuv.subarray(f * fy, (f + 1) * fy), w, h);
      const want = rgb.subarray(f * fr, (f + 1) * fr);
      let diff = 0;
      for (let i = 0; i < fr; i++) if (got[i] !== want[i]) diff++;
      assert.equal(diff, 0, `frame ${f}: ${diff} of ${fr} samples differ`);
    }
  });
}

// i420Luma is PDQ's float32 luma of i420RGB's pixels (R itself when every
// pixel is grey), on real frames, odd sizes, extreme and grey planes.
function lumaOf(rgb, n) {
  const f32 = Math.fround;
  const [wr, wg, wb] = [f32(0.299), f32(0.587), f32(0.114)];
  const out = new Float32Array(n);
  let grey = true;
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]];
    if (r !== g || r !== b) grey = false;
    out[i] = f32(f32(wr * r) + f32(wg * g)) + f32(wb * b);
  }
  if (grey) for (let i = 0; i < n; i++) out[i] = rgb[3 * i];
  return out;
}

test('i420Luma is the float32 luma of the converted RGB', () => {
  const cases = [];
  const yuv = raw(join(videos, 'doorknob-hd-no-bar.mp4'), 'yuv420p', 1);
  cases.push(['doorknob frame 0', yuv, 1280, 720]);
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (const [w, h] of [[7, 5], [33, 17], [64, 64]]) {
    const n = w * h + 2 * ((w + 1) >> 1) * ((h + 1) >> 1);
    cases.push([`random ${w}x${h}`, Uint8Array.from({ length: n }, rnd), w, h]);
    cases.push([`extremes ${w}x${h}`, Uint8Array.from({ length: n }, (_, i) => (rnd() & 1 ? 255 : 0) ^ (i & 1)), w, h]);
    const grey = Uint8Array.from({ length: n }, (_, i) => (i < w * h ? rnd() : 128));
    cases.push([`grey ${w}x${h}`, grey, w, h]);
  }
  for (const [name, src, w, h] of cases) {
    const want = lumaOf(i420RGB(src, w, h), w * h);
    const got = i420Luma(src, w, h, new Float32Array(w * h));
    let diff = 0;
    for (let i = 0; i < w * h; i++) if (!Object.is(got[i], want[i])) diff++;
    assert.equal(diff, 0, `${name}: ${diff} of ${w * h} values differ`);
  }
});
