// The worker's JavaScript MD5 against Node's (OpenSSL), over lengths around
// the 64-byte block and its 56-byte padding edge, fed whole and in pieces
// that split blocks and start at unaligned offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { MD5 } from '../src/md5.js';

const want = (b) => createHash('md5').update(b).digest('hex');

test('MD5 of whole inputs is OpenSSL\'s', () => {
  assert.equal(new MD5().hex(), 'd41d8cd98f00b204e9800998ecf8427e');
  const abc = new MD5();
  abc.update(new TextEncoder().encode('abc'));
  assert.equal(abc.hex(), '900150983cd24fb0d6963f7d28e17f72');
  for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 65536 * 3 + 17]) {
    const b = randomBytes(n);
    const m = new MD5();
    m.update(new Uint8Array(b.buffer, b.byteOffset, n));
    assert.equal(m.hex(), want(b), `${n} bytes`);
  }
});

test('MD5 fed in pieces at unaligned offsets is the same', () => {
  const buf = new Uint8Array(randomBytes(300011));
  for (const start of [0, 1, 2, 3, 5]) {
    const b = buf.subarray(start);
    for (const cuts of [[1], [3, 64], [63, 130], [56, 57, 58], [4096, 70001, 70002], [1 << 16, 1 << 17]]) {
      const m = new MD5();
      let off = 0;
      for (const c of cuts) {
        m.update(b.subarray(off, c));
        off = c;
      }
      m.update(b.subarray(off));
      assert.equal(m.hex(), want(b), `start ${start}, cuts ${cuts}`);
    }
  }
});
