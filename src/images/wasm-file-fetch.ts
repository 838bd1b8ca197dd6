/**
 * @jimp/wasm-webp (via @jsquash/webp, an Emscripten build for browsers) loads its .wasm with
 * `fetch(new URL('x.wasm', import.meta.url))`, and Node 20's fetch rejects file: URLs, so WebP
 * fails offline and online alike. The plugin re-runs that init on every call without a way to
 * hand it a compiled module, so we answer exactly those requests — file: URLs ending in .wasm —
 * from disk and pass every other request to the real fetch. Installed only where WebP is used
 * (the codec worker, test fixtures); idempotent.
 */
import { readFile } from 'node:fs/promises';

let isInstalled = false;
const cache = new Map<string, Promise<Buffer>>();

export function installWasmFileFetch(): void {
  if (isInstalled) return;
  isInstalled = true;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file:') || !url.endsWith('.wasm')) return realFetch(input, init);
    let bytes = cache.get(url);
    if (!bytes) {
      bytes = readFile(new URL(url));
      cache.set(url, bytes);
    }
    // instantiateStreaming requires this content type.
    return new Response(await bytes, { headers: { 'Content-Type': 'application/wasm' } });
  };
}
