/**
 * One conversion per kind of Fooocus file, each writing into the folder it is given (the import
 * cache's temporary entry) the files our finders load: see fooocus-imports.ts for where each is linked.
 */
import { convertClipVision, convertIpAdapter } from '../ip-adapter/convert/convert-files.ts';
import type { FooocusFileKind } from './fooocus-folder.ts';

export interface ConvertRequest {
  source: string;
  outDir: string;
  modelsDir: string;
  log: (line: string) => void;
}

export type FooocusConverter = (request: ConvertRequest) => Promise<void>;

export const FOOOCUS_CONVERTERS: Partial<Record<FooocusFileKind, FooocusConverter>> = {
  'ip-adapter': async ({ source, outDir }) => {
    await convertIpAdapter(source, outDir);
  },
  'clip-vision': async ({ source, outDir }) => {
    await convertClipVision(source, outDir);
  },
};
