// Shared helpers for the browser tests and benchmarks: launch Debian's
// Chromium through playwright-core with a fresh profile. Playwright's own
// browser downloads are never used; the system browser is the one under test.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const chromiumPath = process.env.HASHGATE_CHROMIUM || '/usr/bin/chromium';

const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// launch starts headless Chromium with a throwaway user-data-dir and returns
// the context plus a close function that also removes the profile.
export async function launch(options = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'hashgate-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath,
    headless: true,
    args,
    viewport: { width: 1100, height: 900 },
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// openDemo loads a `hashgate demo` page (base URL plus query) in a new page
// of context and waits for its checker; it returns the page and its request
// log ({ method, url } of every request the page or its worker makes).
export async function openDemo(context, url) {
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true', `checker failed: ${await page.textContent('#release')} ${errors}`);
  return { page, requests };
}

// checkFile runs check on a file from disk inside a demo page: with the
// page's checker, or, given options, with a checker made for the call from
// the page's module, release and keys plus those options.
export async function checkFile(page, path, options) {
  const b64 = readFileSync(path).toString('base64');
  const name = path.split('/').pop();
  return page.evaluate(async ({ b64, name, options }) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const checker = options ? await (await import('/src/index.js')).createChecker({
      wasmURL: '/hashgate.wasm', releaseURL: '/v1/manifest', publicKeys: await (await fetch('/keys.pub')).text(), ...options,
    }) : window.hashgateChecker;
    try {
      return await checker.check(new File([bin], name));
    } finally {
      if (options) checker.close();
    }
  }, { b64, name, options });
}
