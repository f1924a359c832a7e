// Phone formats in the browser checker, in Debian's Chromium against a real
// `hashgate demo`: an AVIF decodes through ImageDecoder and its match is
// confirmed by the edge; a HEIC, which Chromium cannot decode, gets the
// 'unsupported' verdict and nothing is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './browser.mjs';
import { startDemo, repoRoot } from './demo-server.mjs';
import { sniffHEIF } from '../src/imagesize.js';
import { sniffVideo } from '../src/video.js';

// The edge's own AVIF and HEIC copies of the listed testdata/demo/listed/harbour.jpg.
const media = join(repoRoot, 'fingerprint', 'media', 'testdata');

let demo;
let browser;
let page;
const requests = [];

before(async () => {
  demo = await startDemo();
  browser = await launch();
  page = await browser.context.newPage();
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await page.goto(`${demo.url}/`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function checkFile(path) {
  const b64 = readFileSync(path).toString('base64');
  const name = path.split('/').pop();
  return page.evaluate(async ({ b64, name }) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return window.hashgateChecker.check(new File([bin], name));
  }, { b64, name });
}

test('an AVIF copy of a listed image decodes through ImageDecoder and the edge confirms the match', async () => {
  assert.equal(await page.evaluate(() => ImageDecoder.isTypeSupported('image/avif')), true, 'this Chromium decodes AVIF');
  const n0 = requests.length;
  const r = await checkFile(join(media, 'harbour-640x480.avif'));
  assert.equal(r.verdict, 'match', JSON.stringify(r));
  assert.equal(r.decoder, 'ImageDecoder image/avif');
  assert.equal(r.fingerprints.width, 640);
  assert.equal(r.fingerprints.height, 480);
  assert.equal(r.edge.match, true);
  assert.ok(r.edge.matches.some((m) => m.labels.includes('demo:harbour')), JSON.stringify(r.edge));
  assert.deepEqual(requests.slice(n0), ['POST /v1/verify']);
});

// harbour-irot1-480x640.avif is the AVIF above with an 'irot' property
// (angle 1: a quarter turn anticlockwise) added to its ipco box and
// associated with the primary item (box sizes and iloc offsets adjusted):
// the picture stands 480×640 at the edge (libheif) and in the browser.
test('an AVIF, upright or turned by irot, fingerprints as at the edge', async () => {
  for (const f of [join(media, 'harbour-640x480.avif'), join(repoRoot, 'web', 'test', 'testdata', 'harbour-irot1-480x640.avif')]) {
    const body = readFileSync(f);
    const e = await (await fetch(`${demo.url}/demo/api/fingerprint`, { method: 'POST', body })).json();
    const r = await checkFile(f);
    assert.ok(e.pdq && r.fingerprints, `${f}: edge ${JSON.stringify(e)}, browser ${JSON.stringify(r)}`);
    assert.deepEqual([r.fingerprints.width, r.fingerprints.height], [e.width, e.height], f);
    const d = hamming(r.fingerprints.pdq, e.pdq);
    assert.ok(d <= 8, `${f}: browser PDQ ${d} bits from the edge's`);
  }
});

function hamming(a, b) {
  let n = 0;
  for (let i = 0; i < a.length; i += 2) {
    let x = parseInt(a.slice(i, i + 2), 16) ^ parseInt(b.slice(i, i + 2), 16);
    while (x) { n += x & 1; x >>= 1; }
  }
  return n;
}

test('a HEIC is unsupported here: a clear verdict, nothing looked up or sent', async () => {
  assert.equal(await page.evaluate(() => ImageDecoder.isTypeSupported('image/heic')), false, 'this Chromium decodes HEIC: the test no longer tests the unsupported path');
  const n0 = requests.length;
  const r = await checkFile(join(media, 'harbour-640x480.heic'));
  assert.equal(r.verdict, 'unsupported', JSON.stringify(r));
  assert.equal(r.reason, 'heic: this browser cannot decode it; the edge will check the upload');
  assert.equal(r.fingerprints, null);
  assert.equal(r.localHit, null);
  assert.deepEqual(requests.slice(n0), []);
  // The demo page says it in plain words.
  await page.setInputFiles('#files', join(media, 'harbour-640x480.heic'));
  await page.waitForFunction(() => document.querySelector('#results tr[data-verdict]'), null, { timeout: 60000 });
  const row = await page.evaluate(() => {
    const tr = document.querySelector('#results tr[data-verdict]');
    return { verdict: tr.dataset.verdict, summary: tr.querySelector('.summary').textContent };
  });
  assert.equal(row.verdict, 'unsupported');
  assert.match(row.summary, /^Not checked here: this browser cannot decode HEIC photos\. The edge checks the file when it is uploaded\.$/);
  assert.deepEqual(requests.slice(n0), []);
});

// ftyp builds an ISO BMFF 'ftyp' box: major brand, minor version 0, compatible brands.
function ftyp(major, ...compat) {
  const s = major + '\0\0\0\0' + compat.join('');
  const b = new Uint8Array(8 + s.length + 8); // trailing bytes: the next box
  new DataView(b.buffer).setUint32(0, 8 + s.length);
  b.set([...'ftyp'].map((c) => c.charCodeAt(0)), 4);
  b.set([...s].map((c) => c.charCodeAt(0)), 8);
  return b;
}

test('sniffHEIF names HEIF-family images by their brands, and none of them is taken for video', () => {
  const cases = [
    { name: 'avif', b: ftyp('avif', 'mif1', 'miaf'), want: 'image/avif' },
    { name: 'mif1 major, avif compatible', b: ftyp('mif1', 'avif', 'miaf'), want: 'image/avif' },
    { name: 'avis sequence', b: ftyp('avis', 'msf1'), want: 'image/avif' },
    { name: 'heic', b: ftyp('heic', 'mif1', 'heic'), want: 'image/heic' },
    { name: 'mif1 major, heic compatible', b: ftyp('mif1', 'heic'), want: 'image/heic' },
    { name: 'heix', b: ftyp('heix', 'mif1'), want: 'image/heic' },
    { name: 'mif1 alone', b: ftyp('mif1', 'miaf'), want: 'image/heif' },
    { name: 'mp4', b: ftyp('isom', 'iso2', 'avc1', 'mp41'), want: null },
    { name: 'avif only past the box end', b: Uint8Array.from([...ftyp('isom'), ...ftyp('avif')]), want: null },
    { name: 'truncated', b: ftyp('avif').subarray(0, 10), want: null },
    { name: 'jpeg', b: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1]), want: null },
  ];
  for (const c of cases) {
    assert.equal(sniffHEIF(c.b), c.want, c.name);
    if (c.want) assert.equal(sniffVideo(c.b), null, `${c.name}: taken for video`);
  }
  for (const name of ['harbour-640x480.avif', 'harbour-640x480.heic']) {
    const b = readFileSync(join(media, name)).subarray(0, 64);
    assert.equal(sniffHEIF(b), `image/${name.split('.')[1]}`, name);
    assert.equal(sniffVideo(b), null, name);
  }
});
