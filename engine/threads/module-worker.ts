/**
 * Starts a worker_threads Worker on an ES module of this source tree. In a build the module is
 * plain JavaScript; run from source (tsx) a worker does not inherit the parent's loader, so a
 * small data: URL bootstrap registers tsx in the worker before importing the .ts module.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The sibling module `name` (without extension) of `base`, in the tree's own language. */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
}

export function moduleWorker(module: URL, options?: WorkerOptions): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(module.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
