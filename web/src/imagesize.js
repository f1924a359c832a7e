// imageSize reads an image's stored width and height from its header
// (JPEG, PNG, GIF, WebP) without decoding it, so the worker can choose how to
// decode. For JPEG it also returns type 'image/jpeg' and the EXIF orientation
// (1–8; 1 when absent), which the worker applies itself when it samples
// decoded planes. It returns null for anything it does not recognise; the
// caller then decodes at full size.
// blob may also be the file's bytes already read (a Uint8Array).
export async function imageSize(blob) {
  const b = blob instanceof Uint8Array ? blob.subarray(0, 256 * 1024) : new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length > 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return { width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (b.length > 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) {
    return { width: v.getUint16(6, true), height: v.getUint16(8, true) };
  }
  if (b.length > 30 && b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57 && b[9] === 0x45) {
    const tag = String.fromCharCode(b[12], b[13], b[14], b[15]);
    if (tag === 'VP8X') return { width: 1 + (b[24] | b[25] << 8 | b[26] << 16), height: 1 + (b[27] | b[28] << 8 | b[29] << 16) };
    if (tag === 'VP8L') {
      const n = v.getUint32(21, true);
      return { width: 1 + (n & 0x3fff), height: 1 + ((n >> 14) & 0x3fff) };
    }
    if (tag === 'VP8 ') return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
    return null;
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let orientation = 0; // 0: no EXIF APP1 seen yet; only the first one counts
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const m = b[i + 1];
      if (m === 0xff) { i++; continue; }
      if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { i += 2; continue; }
      const len = v.getUint16(i + 2);
      if (m === 0xe1 && orientation === 0) orientation = exifOrientation(b, i + 4, Math.min(b.length, i + 2 + len));
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        return { width: v.getUint16(i + 7), height: v.getUint16(i + 5), type: 'image/jpeg', orientation: orientation || 1 };
      }
      i += 2 + len;
    }
  }
  return null;
}

// exifOrientation reads tag 0x0112 (one SHORT) of IFD0 from an APP1 payload
// b[start:end]. It answers 0 when the payload is not EXIF (so a later APP1
// may still be), and 1 for an EXIF block whose tag is absent, malformed or
// out of range — the same rules as the edge (fingerprint/media/exif.go).
function exifOrientation(b, start, end) {
  if (end - start < 6 || b[start] !== 0x45 || b[start + 1] !== 0x78 || b[start + 2] !== 0x69 ||
    b[start + 3] !== 0x66 || b[start + 4] !== 0 || b[start + 5] !== 0) return 0;
  const t = start + 6;
  if (end - t < 8) return 1;
  const le = b[t] === 0x49 && b[t + 1] === 0x49;
  if (!le && !(b[t] === 0x4d && b[t + 1] === 0x4d)) return 1;
  const v = new DataView(b.buffer, b.byteOffset);
  if (v.getUint16(t + 2, le) !== 42) return 1;
  const off = v.getUint32(t + 4, le);
  if (off < 8 || t + off + 2 > end) return 1;
  const n = v.getUint16(t + off, le);
  for (let k = 0; k < n; k++) {
    const e = t + off + 2 + 12 * k;
    if (e + 12 > end) return 1;
    if (v.getUint16(e, le) !== 0x0112) continue;
    if (v.getUint16(e + 2, le) !== 3 || v.getUint32(e + 4, le) !== 1) return 1;
    const o = v.getUint16(e + 8, le);
    return o >= 1 && o <= 8 ? o : 1;
  }
  return 1;
}

// sniffHEIF names an ISO BMFF still image by its 'ftyp' brands (major and
// compatible): 'image/avif' (avif, avis), 'image/heic' (HEVC-coded: heic,
// heix, heim, heis, hevc, hevx) or 'image/heif' (mif1/msf1 alone), else null.
// AVIF is named first: encoders list mif1 and miaf beside either codec.
export function sniffHEIF(b) {
  if (!b || b.length < 16 || b[4] !== 0x66 || b[5] !== 0x74 || b[6] !== 0x79 || b[7] !== 0x70) return null;
  const size = Math.min(b.length, ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3]);
  const brands = [];
  for (let i = 8; i + 4 <= size; i += i === 8 ? 8 : 4) brands.push(String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]));
  if (brands.some((x) => x === 'avif' || x === 'avis')) return 'image/avif';
  if (brands.some((x) => /^(hei[cxms]|hev[cx])$/.test(x))) return 'image/heic';
  if (brands.some((x) => x === 'mif1' || x === 'msf1')) return 'image/heif';
  return null;
}
