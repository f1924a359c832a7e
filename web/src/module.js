// A thin host for the checker module's calling convention (see wasm/main.go
// in the hashgate repository): buffers from hg_alloc, status codes, and the
// result buffer. Typed-array views over memory are made fresh after every
// call into the module, because any call may grow memory and detach them.
import { createWASI } from './wasi.js';

// Status codes (wasm/internal/checker.Code).
export const codes = {
  0: 'ok', 1: 'argument', 2: 'image', 3: 'no-trust', 4: 'no-release', 5: 'too-large', 6: 'unsupported', 7: 'proof',
  10: 'format', 11: 'signature', 12: 'expired', 13: 'rollback', 14: 'missing', 15: 'length',
  16: 'digest', 17: 'filter', 18: 'channel',
};

export class CheckerError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'CheckerError';
    this.code = codes[code] || String(code);
    this.status = code;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class Module {
  static async load(source) {
    const wasi = createWASI();
    const imports = { wasi_snapshot_preview1: wasi.imports };
    let instance;
    let compiled = source;
    if (source instanceof WebAssembly.Module) {
      // Already compiled (another worker's, posted here): instantiate only.
      instance = await WebAssembly.instantiate(source, imports);
    } else if (source instanceof Response || source instanceof Promise) {
      ({ module: compiled, instance } = await WebAssembly.instantiateStreaming(source, imports));
    } else {
      ({ module: compiled, instance } = await WebAssembly.instantiate(source, imports));
    }
    wasi.setMemory(instance.exports.memory);
    instance.exports._initialize();
    return new Module(instance.exports, compiled);
  }

  // compiled is the WebAssembly.Module, which a worker can post to another
  // to start a second instance without fetching or compiling again.
  constructor(exports, compiled) { this.x = exports; this.compiled = compiled; }

  bytes() { return new Uint8Array(this.x.memory.buffer); }

  alloc(n) {
    const p = this.x.hg_alloc(Math.max(n, 1));
    if (p === 0) throw new CheckerError(5, `hashgate: cannot allocate ${n} bytes in the checker`);
    return p;
  }

  free(p) { this.x.hg_free(p); }

  // put copies data (Uint8Array) into a new module buffer.
  put(data) {
    const p = this.alloc(data.length);
    this.bytes().set(data, p);
    return p;
  }

  result() {
    const p = this.x.hg_result_ptr();
    const n = this.x.hg_result_len();
    return dec.decode(this.bytes().slice(p, p + n));
  }

  // status turns a code into the parsed JSON result or a thrown CheckerError.
  status(code) {
    const text = this.result();
    if (code !== 0) throw new CheckerError(code, text);
    return text ? JSON.parse(text) : null;
  }

  withData(data, f) {
    const p = this.put(data);
    try {
      return this.status(f(p, data.length));
    } finally {
      this.free(p);
    }
  }

  setTrust(keyFileText) {
    return this.withData(enc.encode(keyFileText), (p, n) => this.x.hg_set_trust(p, n));
  }

  resetBundle() { this.x.hg_bundle_reset(); }

  // putPart: 0 manifest, 1 signature, 2 artifact (name required).
  putPart(part, data, name = '') {
    const nb = enc.encode(name);
    const np = nb.length ? this.put(nb) : 0;
    try {
      return this.withData(data, (p, n) => this.x.hg_bundle_put(part, np, nb.length, p, n));
    } finally {
      if (np) this.free(np);
    }
  }

  accept(lastVersion, nowMillis = Date.now()) {
    return this.status(this.x.hg_accept(BigInt(lastVersion), BigInt(nowMillis)));
  }

  info() { return this.status(this.x.hg_release_info()); }

  // fingerprint hashes RGBA pixels already copied to a buffer at p.
  fingerprintAt(p, n, width, height) {
    return this.status(this.x.hg_fingerprint(p, n, width, height));
  }

  // framePDQ hashes a video frame's w×h float32 luma plane already written
  // to a buffer at p (n bytes): PDQ at the frame's own size, as vPDQ.
  framePDQ(p, n, width, height) {
    return this.status(this.x.hg_frame_pdq(p, n, width, height));
  }

  digestInit() {
    const id = this.x.hg_digest_init();
    if (id <= 0) this.status(-id);
    return id;
  }

  digestUpdate(id, p, n) { return this.status(this.x.hg_digest_update(id, p, n)); }

  digestFinal(id) { return this.status(this.x.hg_digest_final(id)); }

  // oblivious is whether this is the oblivious-capable module
  // (hashgate-oblivious.wasm), which can look up oblivious-mode releases.
  get oblivious() { return typeof this.x.hg_oprf_blind === 'function'; }

  // oprfBlind blinds the VOPRF inputs of a check query (the same text as
  // check's) and returns the body of POST /v1/oprf (Uint8Array). The module
  // keeps the blinding for the next oprfFinalize.
  oprfBlind(query) {
    if (!this.oblivious) {
      throw new CheckerError(6, 'hashgate: the release is in oblivious mode and this module cannot query it: load hashgate-oblivious.wasm (createChecker\'s wasmURL)');
    }
    const data = enc.encode(query);
    const p = this.put(data);
    try {
      const code = this.x.hg_oprf_blind(p, data.length);
      if (code !== 0) throw new CheckerError(code, this.result());
      const rp = this.x.hg_result_ptr();
      return this.bytes().slice(rp, rp + this.x.hg_result_len());
    } finally {
      this.free(p);
    }
  }

  // oprfFinalize verifies the edge's answer (its batched DLEQ proof against
  // the release's key), unblinds and looks the keys up: check's result. An
  // answer that does not verify throws CheckerError code 'proof'.
  oprfFinalize(answer) {
    return this.withData(answer, (p, n) => this.x.hg_oprf_finalize(p, n));
  }

  check(query) {
    return this.withData(enc.encode(query), (p, n) => this.x.hg_check(p, n));
  }
}
