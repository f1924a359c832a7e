// A minimal WASI (snapshot preview 1) for hashgate's checker module. The Go
// runtime of a wasip1 reactor needs only clocks, randomness, empty
// args/environment, stdout/stderr and "no preopened directories"; every
// other call answers EBADF. Memory views are re-created on every
// call because the module's memory may have grown since the last one.

const ESUCCESS = 0;
const EBADF = 8;

export class ProcExit extends Error {
  constructor(code) {
    super(`hashgate: wasm module exited with code ${code}`);
    this.code = code;
  }
}

// createWASI returns { imports, setMemory }: pass imports as the module's
// wasi_snapshot_preview1 namespace, then call setMemory(instance.exports.memory).
export function createWASI({ log = console.log, error = console.error } = {}) {
  let memory;
  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  const decoders = [null, new TextDecoder(), new TextDecoder()];
  const lines = ['', '', ''];

  const imports = {
    args_sizes_get(argcPtr, sizePtr) {
      const v = view();
      v.setUint32(argcPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return ESUCCESS;
    },
    args_get() { return ESUCCESS; },
    environ_sizes_get(countPtr, sizePtr) {
      const v = view();
      v.setUint32(countPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return ESUCCESS;
    },
    environ_get() { return ESUCCESS; },
    clock_time_get(id, _precision, timePtr) {
      // 0 realtime, 1 monotonic (nanoseconds).
      const ms = id === 0 ? performance.timeOrigin + performance.now() : performance.now();
      view().setBigUint64(timePtr, BigInt(Math.round(ms * 1e6)), true);
      return ESUCCESS;
    },
    random_get(ptr, len) {
      const b = bytes();
      for (let off = 0; off < len; off += 65536) {
        crypto.getRandomValues(b.subarray(ptr + off, ptr + Math.min(len, off + 65536)));
      }
      return ESUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = view();
      const b = bytes();
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const p = v.getUint32(iovs + 8 * i, true);
        const l = v.getUint32(iovs + 8 * i + 4, true);
        lines[fd] += decoders[fd].decode(b.subarray(p, p + l), { stream: true });
        n += l;
      }
      let nl;
      while ((nl = lines[fd].indexOf('\n')) >= 0) {
        (fd === 1 ? log : error)(lines[fd].slice(0, nl));
        lines[fd] = lines[fd].slice(nl + 1);
      }
      view().setUint32(nwrittenPtr, n, true);
      return ESUCCESS;
    },
    fd_fdstat_get(fd, ptr) {
      if (fd > 2) return EBADF;
      const v = view();
      v.setUint8(ptr, 2); // character device
      v.setUint16(ptr + 2, 0, true);
      v.setBigUint64(ptr + 8, 0xffffffffn, true);
      v.setBigUint64(ptr + 16, 0xffffffffn, true);
      return ESUCCESS;
    },
    fd_fdstat_set_flags(fd) { return fd > 2 ? EBADF : ESUCCESS; },
    fd_prestat_get() { return EBADF; }, // no preopened directories
    fd_prestat_dir_name() { return EBADF; },
    fd_close() { return EBADF; },
    fd_read() { return EBADF; },
    // The Go scheduler polls with a zero timeout when it restarts the world
    // after a GC; exports never wait, so every clock subscription is
    // reported as elapsed at once and fd subscriptions fail with EBADF.
    poll_oneoff(inPtr, outPtr, nsubs, neventsPtr) {
      const v = view();
      let n = 0;
      for (let i = 0; i < nsubs; i++) {
        const sub = inPtr + 48 * i;
        const ev = outPtr + 32 * n;
        const tag = v.getUint8(sub + 8);
        v.setBigUint64(ev, v.getBigUint64(sub, true), true); // userdata
        v.setUint16(ev + 8, tag === 0 ? ESUCCESS : EBADF, true);
        v.setUint8(ev + 10, tag);
        v.setBigUint64(ev + 16, 0n, true);
        v.setUint16(ev + 24, 0, true);
        n++;
      }
      v.setUint32(neventsPtr, n, true);
      return ESUCCESS;
    },
    sched_yield() { return ESUCCESS; },
    proc_exit(code) { throw new ProcExit(code); },
  };
  return { imports, setMemory(m) { memory = m; } };
}
