import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { launch } from './browser.mjs';

// The checker needs a module worker, WebAssembly and OffscreenCanvas; this
// pins that the system Chromium offers all three to a page served over HTTP.
test('chromium runs WebAssembly and OffscreenCanvas in a module worker', async (t) => {
  const files = {
    '/': ['text/html', '<!doctype html><title>smoke</title><p>smoke</p>'],
    '/w.js': ['text/javascript', 'self.onmessage = () => postMessage(typeof WebAssembly.instantiate + "," + typeof OffscreenCanvas);'],
  };
  const srv = createServer((req, res) => {
    const f = files[req.url];
    if (!f) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': f[0] }).end(f[1]);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => srv.close());
  const b = await launch();
  t.after(() => b.close());
  const page = await b.context.newPage();
  await page.goto(`http://127.0.0.1:${srv.address().port}/`);
  const got = await page.evaluate(() => new Promise((resolve, reject) => {
    const w = new Worker('/w.js', { type: 'module' });
    w.onerror = (e) => reject(new Error('worker: ' + e.message));
    w.onmessage = (e) => resolve(e.data);
    w.postMessage(0);
  }));
  assert.equal(got, 'function,function');
});
