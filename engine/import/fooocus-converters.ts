/**
 * One conversion per kind of Fooocus file, each writing into the folder it is given (the import
 * cache's temporary entry) the files our finders load: see fooocus-imports.ts for where each is linked.
 */
import { convertClipVision, convertIpAdapter } from '../ip-adapter/convert/convert-files.ts';
import { basename, join } from 'node:path';
import { importCheckpoint } from './checkpoint/import-checkpoint.ts';
import type { FooocusFileKind } from './fooocus-folder.ts';

export interface ConvertRequest {
  source: string;
  outDir: string;
  modelsDir: string;
  log: (line: string) => void;
}

export type FooocusConverter = (request: ConvertRequest) => Promise<void>;

/** Folder inside a checkpoint's cache entry (the import writes it atomically itself). */
export const CHECKPOINT_SUBFOLDER = 'checkpoint';

/** Reports a long conversion in tenths: a real checkpoint takes minutes. */
function tenths(log: (line: string) => void, label: string): (done: number, total: number) => void {
  let shown = 0;
  return (done, total) => {
    const tenth = Math.floor((done / total) * 10);
    if (tenth > shown) {
      shown = tenth;
      log(`${label}: ${tenth * 10} %`);
    }
  };
}

export const FOOOCUS_CONVERTERS: Partial<Record<FooocusFileKind, FooocusConverter>> = {
  checkpoint: async ({ source, outDir, log }) => {
    await importCheckpoint(source, join(outDir, CHECKPOINT_SUBFOLDER), {
      log,
      onProgress: tenths(log, `Importing ${basename(source)}`),
    });
  },
  'ip-adapter': async ({ source, outDir }) => {
    await convertIpAdapter(source, outDir);
  },
  'clip-vision': async ({ source, outDir }) => {
    await convertClipVision(source, outDir);
  },
};
