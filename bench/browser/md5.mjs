// The checker's MD5 (web/src/md5.js) against MD5 libraries from npm, over
// the same 3.6 MB (a 12-MP JPEG's size), in Node's V8: median of 15 runs
// after one warm-up, each checked against node:crypto. RATIONALE.md cites it.
//   cd bench/browser && npm ci && node md5.mjs
import { createHash } from 'node:crypto';
import SparkMD5 from 'spark-md5';
import jsmd5 from 'js-md5';
import { createMD5 } from 'hash-wasm';
import { MD5 } from '../../web/src/md5.js';

const buf = new Uint8Array(3.6e6);
for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
const want = createHash('md5').update(buf).digest('hex');
const hw = await createMD5();
const impls = {
  'web/src/md5.js': () => { const m = new MD5(); m.update(buf); return m.hex(); },
  'hash-wasm 4.13.0 (WebAssembly)': () => { hw.init(); hw.update(buf); return hw.digest(); },
  'spark-md5 3.0.2': () => SparkMD5.ArrayBuffer.hash(buf.buffer),
  'js-md5 0.9.2': () => jsmd5(buf),
};
console.log('| MD5 of 3.6 MB | median ms |\n|---|---:|');
for (const [name, f] of Object.entries(impls)) {
  if (f() !== want) throw new Error(`${name} gives a wrong MD5`);
  const ts = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  console.log(`| ${name} | ${ts[7].toFixed(1)} |`);
}
