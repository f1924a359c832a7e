// Fetching releases for the checker: the manifest with its ETag, the
// signature, and the content-addressed filters, kept in the Cache API so a
// reload needs one conditional request. A fetched release is offered to the
// module, which applies every acceptance rule (signatures by the pinned
// keys, expiry, rollback, lengths, digests); only an accepted release is
// cached, and a refused or failed update leaves the cached one in use.
//
// releaseURL is either an edge's manifest URL (…/v1/manifest: signature at
// …/v1/manifest.sig, filters at …/v1/filter/SHA256) or a release directory
// URL ending in "/" (manifest.json, manifest.sig and the artifacts by name).

const CACHE = 'hashgate-release-v1';
const STATE = 'https://hashgate.invalid/state';

export function locate(releaseURL) {
  const u = new URL(releaseURL, self.location.href);
  if (u.pathname.endsWith('/v1/manifest')) {
    return {
      manifest: u.href,
      signature: u.href + '.sig',
      artifact: (a) => new URL('filter/' + a.sha256, u.href.replace(/manifest$/, '')).href,
    };
  }
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return {
    manifest: new URL('manifest.json', u).href,
    signature: new URL('manifest.sig', u).href,
    artifact: (a) => new URL(a.name, u).href,
  };
}

async function openCache() {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE);
  } catch {
    return null; // opaque origins and some private modes have no Cache API
  }
}

async function bytesOf(resp, what) {
  if (!resp.ok) throw new Error(`hashgate: fetching ${what}: HTTP ${resp.status}`);
  return new Uint8Array(await resp.arrayBuffer());
}

// filterArtifacts lists what a browser needs from a manifest. The JSON is
// untrusted here: it only names files, and the module checks everything.
function filterArtifacts(manifestBytes) {
  const m = JSON.parse(new TextDecoder().decode(manifestBytes));
  const out = [];
  for (const a of m.artifacts || []) {
    if ((a.role === 'filter' || a.role === 'delta') && /^[0-9a-f]{64}$/.test(a.sha256) && typeof a.name === 'string') {
      out.push({ name: a.name, sha256: a.sha256 });
    }
  }
  if (out.length > 64) throw new Error('hashgate: manifest lists too many filters');
  return out;
}

function offer(mod, parts, lastVersion) {
  mod.resetBundle();
  mod.putPart(0, parts.manifest);
  mod.putPart(1, parts.signature);
  for (const [name, data] of parts.artifacts) mod.putPart(2, data, name);
  return mod.accept(lastVersion);
}

async function readCached(cache, loc) {
  if (!cache) return null;
  const [m, s, st] = await Promise.all([cache.match(loc.manifest), cache.match(loc.signature), cache.match(STATE)]);
  if (!m || !s || !st) return null;
  const state = await st.json();
  const manifest = new Uint8Array(await m.arrayBuffer());
  const artifacts = [];
  for (const a of filterArtifacts(manifest)) {
    const r = await cache.match(loc.artifact(a));
    if (!r) return null;
    artifacts.push([a.name, new Uint8Array(await r.arrayBuffer())]);
  }
  return { etag: m.headers.get('ETag'), state, parts: { manifest, signature: new Uint8Array(await s.arrayBuffer()), artifacts } };
}

// update brings the module's release up to date and returns
// { info, source: 'network'|'cache'|'unchanged', error? }. With current
// (the release in use) it only looks for a newer one.
export async function update(mod, releaseURL, { current = null } = {}) {
  const loc = locate(releaseURL);
  const cache = await openCache();
  const cached = current ? null : await readCached(cache, loc);
  let lastVersion = 0;
  // A cached release goes into a fresh module first, so a failed update
  // still leaves a release in use. It was accepted before, at its version.
  let info = current;
  if (cached) {
    lastVersion = cached.state.version;
    try {
      info = offer(mod, cached.parts, lastVersion - 1);
    } catch {
      info = null; // expired, or no longer valid: fetch anew
    }
  } else if (current) {
    lastVersion = current.version;
  }
  const etag = cached && info ? cached.etag : current?.etag;
  try {
    const headers = etag ? { 'If-None-Match': etag } : {};
    const mresp = await fetch(loc.manifest, { headers, cache: 'no-cache' });
    if (mresp.status === 304 && info) return { info: { ...info, etag }, source: cached ? 'cache' : 'unchanged' };
    const manifest = await bytesOf(mresp, 'the manifest');
    const signature = await bytesOf(await fetch(loc.signature, { cache: 'no-cache' }), 'the manifest signature');
    const artifacts = [];
    for (const a of filterArtifacts(manifest)) {
      const url = loc.artifact(a);
      let r = cache ? await cache.match(url) : null;
      if (!r) r = await fetch(url);
      artifacts.push([a.name, await bytesOf(r, a.name)]);
    }
    const fresh = offer(mod, { manifest, signature, artifacts }, lastVersion);
    const newEtag = mresp.headers.get('ETag');
    if (cache) {
      const h = newEtag ? { ETag: newEtag } : {};
      await cache.put(loc.manifest, new Response(manifest, { headers: h }));
      await cache.put(loc.signature, new Response(signature));
      for (const a of filterArtifacts(manifest)) {
        const data = artifacts.find(([n]) => n === a.name)[1];
        await cache.put(loc.artifact(a), new Response(data));
      }
      await cache.put(STATE, new Response(JSON.stringify({ version: fresh.version })));
    }
    return { info: { ...fresh, etag: newEtag }, source: 'network' };
  } catch (err) {
    if (info) return { info: { ...info, etag }, source: cached ? 'cache' : 'unchanged', error: String(err.message || err) };
    throw err;
  }
}
