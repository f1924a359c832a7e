// Browser tests of the video checker in Debian's Chromium against a real
// `hashgate demo`: frame hashes agree with the reference (Meta's vPDQ built
// against Debian's FFmpeg, ../shared/testdata/vpdq/expected-here-1fps),
// progress is reported, and cancellation stops a check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './browser.mjs';
import { startDemo, repoRoot } from './demo-server.mjs';

const vpdq = join(repoRoot, '..', 'shared', 'testdata', 'vpdq');
const videos = join(vpdq, 'videos');
const results = join(repoRoot, 'web', 'test-results');
mkdirSync(results, { recursive: true });

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  page = await browser.context.newPage();
  // The sample videos are served through the page's router, same origin.
  await page.route('**/testvideo/**', (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop());
    return route.fulfill({ body: readFileSync(join(videos, name)), contentType: 'video/mp4' });
  });
  await page.goto(`${demo.url}/`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

function reference(name) {
  return readFileSync(join(vpdq, 'expected-here-1fps', name.replace(/\.mp4$/, '.txt')), 'utf8').trim().split('\n').map((l) => {
    const [frame, quality, pdq, timestamp] = l.split(',');
    return { frame: Number(frame), quality: Number(quality), pdq, timestamp };
  });
}

function distance(a, b) {
  let d = 0;
  for (let i = 0; i < 64; i += 8) {
    let x = parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16);
    while (x) { d += x & 1; x >>>= 1; }
  }
  return d;
}

async function checkVideo(name, opts = {}) {
  return page.evaluate(async ({ name, opts }) => {
    const blob = await (await fetch(`/testvideo/${encodeURIComponent(name)}`)).blob();
    const progress = [];
    const r = await window.hashgateChecker.check(new File([blob], name), { ...opts, onProgress: (p) => progress.push(p) });
    return { ...r, progress };
  }, { name, opts });
}

test('browser frame hashes agree with the reference on every sample video', async () => {
  const report = { modes: {} };
  // HASHGATE_VIDEO_PIXELS=i420,rgba also measures the browser's own
  // YUV→RGB (VideoFrame.copyTo RGBA) for the README's table.
  for (const mode of (process.env.HASHGATE_VIDEO_PIXELS || 'i420').split(',')) {
    const dists = [];
    const perVideo = {};
    for (const name of readdirSync(videos).filter((f) => f.endsWith('.mp4')).sort()) {
      const r = await checkVideo(name, { videoPixels: mode });
      assert.ok(r.video, `${name}: ${r.error}`);
      const want = reference(name);
      const got = r.video.hashes;
      assert.deepEqual(got.map((f) => f.frame), want.map((f) => f.frame), `${name}: frame numbers`);
      assert.deepEqual(got.map((f) => f.timestamp.toFixed(3)), want.map((f) => f.timestamp), `${name}: timestamps`);
      const d = got.map((f, i) => distance(f.pdq, want[i].pdq));
      perVideo[name] = { frames: d.length, max: Math.max(...d), decoder: r.decoder, qualityDiffs: got.filter((f, i) => f.quality !== want[i].quality).length };
      dists.push(...d);
    }
    dists.sort((a, b) => a - b);
    const within10 = dists.filter((d) => d <= 10).length;
    report.modes[mode] = { frames: dists.length, median: dists[dists.length >> 1], identical: dists.filter((d) => d === 0).length, within10, max: dists[dists.length - 1], perVideo };
  }
  writeFileSync(join(results, 'video-agreement.json'), JSON.stringify(report, null, 2));
  console.log(JSON.stringify(Object.fromEntries(Object.entries(report.modes).map(([k, v]) => [k, { frames: v.frames, median: v.median, identical: v.identical, within10: v.within10, max: v.max }]))));
  const m = report.modes.i420;
  assert.equal(m.median, 0);
  assert.ok(m.within10 >= 0.95 * m.frames, `${m.within10} of ${m.frames} within 10 bits`);
});
