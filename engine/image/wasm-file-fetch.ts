/**
 * @jimp/wasm-webp's Emscripten loader fetch()es its .wasm from a file: URL, which Node 20's
 * fetch rejects ("not implemented"), and the plugin gives us no hook to hand it the module.
 * This wraps the global fetch once so file: URLs under node_modules/@jsquash are served from
 * disk; every other request goes to the original fetch untouched.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let installed = false;

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

export function allowFileUrlFetch(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = urlOf(input);
    if (url.startsWith('file:') && url.includes('/@jsquash/') && url.endsWith('.wasm')) {
      return new Response(await readFile(fileURLToPath(url)), { headers: { 'content-type': 'application/wasm' } });
    }
    return original(input, init);
  }) as typeof fetch;
}
