// The worker's YUV→RGB conversion against FFmpeg's own (libswscale, the
// path the edge and Meta's vPDQ reference hash from), on the sample videos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { i420RGB } from '../src/frameluma.js';
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
