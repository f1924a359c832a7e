// Shared helpers for the browser tests and benchmarks: launch Debian's
// Chromium through playwright-core with a fresh profile. Playwright's own
// browser downloads are never used; the system browser is the one under test.
import { chromium } from 'playwright-core';
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
