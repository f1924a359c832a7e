// MD5 (RFC 1321) in JavaScript, streamed: new MD5(), update(bytes) any
// number of times, then hex(). The checker computes the file's MD5 here
// while the browser computes its SHA-256 natively (crypto.subtle), so the
// module's combined digest is not needed for a file read in the worker.
// Words are read little-endian from an Int32Array over the input's buffer
// (every browser this runs in is little-endian), which V8 keeps in
// registers; a block that straddles two update calls goes through tail.
export class MD5 {
  constructor() {
    this.h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
    this.tail = new Uint8Array(64);
    this.tailWords = new Int32Array(this.tail.buffer);
    this.n = 0; // bytes in tail
    this.len = 0; // bytes hashed in all
  }

  update(bytes) {
    let off = 0;
    const len = bytes.length;
    this.len += len;
    if (this.n > 0) {
      const k = Math.min(64 - this.n, len);
      this.tail.set(bytes.subarray(0, k), this.n);
      this.n += k;
      off = k;
      if (this.n < 64) return;
      blocks(this.h, this.tailWords, 0, 1);
      this.n = 0;
    }
    const whole = (len - off) >> 6;
    if (whole > 0) {
      const start = bytes.byteOffset + off;
      if ((start & 3) === 0) {
        blocks(this.h, new Int32Array(bytes.buffer, start, whole * 16), 0, whole);
      } else {
        // Unaligned: copy through a scratch buffer, 64 KB at a time.
        const tmp = new Int32Array(16384);
        const t8 = new Uint8Array(tmp.buffer);
        for (let done = 0; done < whole;) {
          const k = Math.min(1024, whole - done);
          t8.set(bytes.subarray(off + done * 64, off + (done + k) * 64));
          blocks(this.h, tmp, 0, k);
          done += k;
        }
      }
      off += whole * 64;
    }
    if (off < len) {
      this.tail.set(bytes.subarray(off), 0);
      this.n = len - off;
    }
  }

  // hex finishes the digest (the object must not be updated again).
  hex() {
    const bits = this.len * 8;
    const pad = new Uint8Array(((this.n + 8) >> 6 << 6) + 64 - this.n);
    pad[0] = 0x80;
    const dv = new DataView(pad.buffer);
    dv.setUint32(pad.length - 8, bits >>> 0, true);
    dv.setUint32(pad.length - 4, Math.floor(bits / 2 ** 32), true);
    const len = this.len;
    this.update(pad);
    this.len = len;
    const out = new Uint8Array(this.h.buffer);
    let s = '';
    for (let i = 0; i < 16; i++) s += out[i].toString(16).padStart(2, '0');
    return s;
  }
}

// blocks runs the compression function over count 64-byte blocks of w
// from word index i.
function blocks(h, w, i, count) {
  let a = h[0];
  let b = h[1];
  let c = h[2];
  let d = h[3];
  for (let end = i + count * 16; i < end; i += 16) {
    const m0 = w[i]; const m1 = w[i + 1]; const m2 = w[i + 2]; const m3 = w[i + 3];
    const m4 = w[i + 4]; const m5 = w[i + 5]; const m6 = w[i + 6]; const m7 = w[i + 7];
    const m8 = w[i + 8]; const m9 = w[i + 9]; const m10 = w[i + 10]; const m11 = w[i + 11];
    const m12 = w[i + 12]; const m13 = w[i + 13]; const m14 = w[i + 14]; const m15 = w[i + 15];
    const aa = a; const bb = b; const cc = c; const dd = d;
    a = (a + ((b & c) | (~b & d)) + m0 + 0xd76aa478) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + ((a & b) | (~a & c)) + m1 + 0xe8c7b756) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + ((d & a) | (~d & b)) + m2 + 0x242070db) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + ((c & d) | (~c & a)) + m3 + 0xc1bdceee) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + ((b & c) | (~b & d)) + m4 + 0xf57c0faf) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + ((a & b) | (~a & c)) + m5 + 0x4787c62a) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + ((d & a) | (~d & b)) + m6 + 0xa8304613) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + ((c & d) | (~c & a)) + m7 + 0xfd469501) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + ((b & c) | (~b & d)) + m8 + 0x698098d8) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + ((a & b) | (~a & c)) + m9 + 0x8b44f7af) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + ((d & a) | (~d & b)) + m10 + 0xffff5bb1) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + ((c & d) | (~c & a)) + m11 + 0x895cd7be) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + ((b & c) | (~b & d)) + m12 + 0x6b901122) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + ((a & b) | (~a & c)) + m13 + 0xfd987193) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + ((d & a) | (~d & b)) + m14 + 0xa679438e) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + ((c & d) | (~c & a)) + m15 + 0x49b40821) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + ((d & b) | (~d & c)) + m1 + 0xf61e2562) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + ((c & a) | (~c & b)) + m6 + 0xc040b340) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + ((b & d) | (~b & a)) + m11 + 0x265e5a51) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + ((a & c) | (~a & d)) + m0 + 0xe9b6c7aa) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + ((d & b) | (~d & c)) + m5 + 0xd62f105d) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + ((c & a) | (~c & b)) + m10 + 0x02441453) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + ((b & d) | (~b & a)) + m15 + 0xd8a1e681) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + ((a & c) | (~a & d)) + m4 + 0xe7d3fbc8) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + ((d & b) | (~d & c)) + m9 + 0x21e1cde6) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + ((c & a) | (~c & b)) + m14 + 0xc33707d6) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + ((b & d) | (~b & a)) + m3 + 0xf4d50d87) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + ((a & c) | (~a & d)) + m8 + 0x455a14ed) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + ((d & b) | (~d & c)) + m13 + 0xa9e3e905) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + ((c & a) | (~c & b)) + m2 + 0xfcefa3f8) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + ((b & d) | (~b & a)) + m7 + 0x676f02d9) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + ((a & c) | (~a & d)) + m12 + 0x8d2a4c8a) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + (b ^ c ^ d) + m5 + 0xfffa3942) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + m8 + 0x8771f681) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + m11 + 0x6d9d6122) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + m14 + 0xfde5380c) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (b ^ c ^ d) + m1 + 0xa4beea44) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + m4 + 0x4bdecfa9) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + m7 + 0xf6bb4b60) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + m10 + 0xbebfbc70) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (b ^ c ^ d) + m13 + 0x289b7ec6) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + m0 + 0xeaa127fa) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + m3 + 0xd4ef3085) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + m6 + 0x04881d05) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (b ^ c ^ d) + m9 + 0xd9d4d039) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + m12 + 0xe6db99e5) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + m15 + 0x1fa27cf8) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + m2 + 0xc4ac5665) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (c ^ (b | ~d)) + m0 + 0xf4292244) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + m7 + 0x432aff97) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + m14 + 0xab9423a7) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + m5 + 0xfc93a039) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
    a = (a + (c ^ (b | ~d)) + m12 + 0x655b59c3) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + m3 + 0x8f0ccc92) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + m10 + 0xffeff47d) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + m1 + 0x85845dd1) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
    a = (a + (c ^ (b | ~d)) + m8 + 0x6fa87e4f) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + m15 + 0xfe2ce6e0) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + m6 + 0xa3014314) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + m13 + 0x4e0811a1) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
    a = (a + (c ^ (b | ~d)) + m4 + 0xf7537e82) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + m11 + 0xbd3af235) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + m2 + 0x2ad7d2bb) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + m9 + 0xeb86d391) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
    a = (a + aa) | 0; b = (b + bb) | 0; c = (c + cc) | 0; d = (d + dd) | 0;
  }
  h[0] = a; h[1] = b; h[2] = c; h[3] = d;
}
