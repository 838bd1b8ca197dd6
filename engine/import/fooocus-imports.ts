/**
 * A Fooocus models folder put to use (`--fooocus-models`): each file that needs converting is
 * converted once into the import cache (import-cache.ts) and then linked into our models folder at
 * the place our finders already look — `checkpoints/<stem>/`, `upscale_models/<stem>.onnx`,
 * `inpaint/…safetensors`, `ip_adapter/<stem>/`, `clip_vision/<stem>/`, `prompt_expansion/
 * fooocus_expansion/` — so the rest of the engine knows nothing of imports. Files used as they are
 * (LoRAs, embeddings, the IP negative) need no conversion. Something a user installed by hand at a
 * link's place is left alone and wins.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { resolveCheckpointName, VAE_FOLDER } from '../models/registry.ts';
import { controlLoraKey, convertControlLora } from './control-lora/convert-control-lora.ts';
import {
  CHECKPOINT_SUBFOLDER,
  FOOOCUS_CONVERTERS,
  VAE_SUBFOLDER,
  IMPORTED_ONNX_FILE,
  IMPORTED_SAFETENSORS_FILE,
  type FooocusConverter,
} from './fooocus-converters.ts';
import { readFooocusLayout, scanFooocusFiles, type FooocusFile, type FooocusFileKind } from './fooocus-folder.ts';
import type { FooocusLayout } from './fooocus-folder.ts';
import { cachedImport, importCacheRoot, type ImportProgress } from './import-cache.ts';

/** Inside a Control-LoRA's cache entry, the ControlNet folder (the converter stages and renames it itself). */
const CONTROLNET_SUBFOLDER = 'controlnet';

/** The file name without Fooocus's suffixes (`inpaint_v26.fooocus.patch` → `inpaint_v26.fooocus`). */
export function fileStem(name: string): string {
  return name.replace(/\.(safetensors|bin|pth|pt|ckpt|patch)$/i, '');
}

/** Where in our models folder the import of `file` is linked, and what inside the cache entry the link names. */
export function linkPlacement(modelsDir: string, file: FooocusFile): { link: string; inside: string } | null {
  const stem = fileStem(file.name);
  switch (file.kind) {
    case 'checkpoint':
      return { link: join(modelsDir, 'checkpoints', stem), inside: CHECKPOINT_SUBFOLDER };
    case 'upscaler':
      return { link: join(modelsDir, 'upscale_models', `${stem}.onnx`), inside: IMPORTED_ONNX_FILE };
    case 'inpaint-head':
    case 'inpaint-patch':
      return { link: join(modelsDir, 'inpaint', `${stem}.safetensors`), inside: IMPORTED_SAFETENSORS_FILE };
    case 'control-lora':
      // Converted per base checkpoint: installControlLoras.
      return null;
    case 'ip-adapter':
      return { link: join(modelsDir, 'ip_adapter', stem), inside: '.' };
    case 'clip-vision':
      return { link: join(modelsDir, 'clip_vision', stem), inside: '.' };
    case 'expansion':
      return { link: join(modelsDir, 'prompt_expansion', 'fooocus_expansion'), inside: '.' };
    case 'lora':
      return { link: join(modelsDir, 'loras', file.name), inside: '' };
    case 'embedding':
      return { link: join(modelsDir, 'embeddings', file.name), inside: '' };
    case 'ip-negative':
      // Used as it is: linked straight to the source file.
      return { link: join(modelsDir, 'ip_adapter', file.name), inside: '' };
    case 'vae':
      return { link: join(modelsDir, VAE_FOLDER, stem), inside: VAE_SUBFOLDER };
  }
}

export class FooocusImportError extends Error {
  override readonly name = 'FooocusImportError';
}

/** Links `link` to `target` unless something else is there; true when the link is (now) in place. */
/** Links already reported as taken by a user's own file: said once per process, not on every job. */
const reportedTaken = new Set<string>();

async function placeLink(link: string, target: string, progress: ImportProgress): Promise<boolean> {
  const existing = await lstat(link).catch(() => null);
  const wanted = relative(dirname(link), target);
  if (existing?.isSymbolicLink()) {
    if ((await readlink(link)) === wanted) return true;
    await rm(link);
  } else if (existing) {
    if (reportedTaken.has(link)) return false;
    reportedTaken.add(link);
    progress.log(`${link} already exists and is not an import: left as it is (it wins over ${target})`);
    return false;
  }
  await mkdir(dirname(link), { recursive: true });
  await symlink(wanted, link);
  return true;
}

export class FooocusImports {
  private layout: Promise<FooocusLayout> | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly fooocusDir: string,
    private readonly converters: Partial<Record<FooocusFileKind, FooocusConverter>> = FOOOCUS_CONVERTERS,
  ) {}

  /** Every usable file of the Fooocus folder, rescanned each call (files can be dropped in while we run). */
  async files(): Promise<FooocusFile[]> {
    this.layout ??= readFooocusLayout(this.fooocusDir);
    return scanFooocusFiles(await this.layout);
  }

  /** Converts (or finds in the cache) and links one file; answers the link's path. */
  async install(file: FooocusFile, progress: ImportProgress): Promise<string> {
    const placement = linkPlacement(this.modelsDir, file);
    if (!placement) throw new FooocusImportError(`${file.path}: a ${file.kind} is used in place, not imported`);
    if (placement.inside === '') {
      await placeLink(placement.link, file.path, progress);
      return placement.link;
    }
    const convert = this.converters[file.kind];
    if (!convert) throw new FooocusImportError(`${file.path}: importing a ${file.kind} is not supported`);
    const cached = await cachedImport(
      this.modelsDir,
      file.kind,
      file.path,
      (outDir) => convert({ source: file.path, outDir, modelsDir: this.modelsDir, log: progress.log }),
      progress,
    );
    await placeLink(placement.link, join(cached.dir, placement.inside), progress);
    return placement.link;
  }

  /**
   * The Fooocus checkpoint a request names (as Fooocus lists it, with or without `.safetensors`), imported and linked
   * as `checkpoints/<stem>`; null when the Fooocus folder has no such file.
   */
  installCheckpoint(requested: string, progress: ImportProgress): Promise<string | null> {
    return this.installNamed('checkpoint', requested, progress);
  }

  /** The Fooocus VAE file `vae_name` names, imported (float32) and linked as `vae/<stem>`; null when there is none. */
  installVae(requested: string, progress: ImportProgress): Promise<string | null> {
    return this.installNamed('vae', requested, progress);
  }

  private async installNamed(kind: 'checkpoint' | 'vae', requested: string, progress: ImportProgress) {
    const files = (await this.files()).filter((f) => f.kind === kind);
    // Matched by stem, as resolveCheckpointName matches our folders: exact, without a suffix, then ignoring case.
    const stem = resolveCheckpointName(
      files.map((f) => fileStem(f.name)),
      requested,
    );
    const file = files.find((f) => fileStem(f.name) === stem);
    if (!file) return null;
    await this.install(file, progress);
    return fileStem(file.name);
  }

  /**
   * The Control-LoRAs whose names match `pattern`, converted onto this base UNet (one cache entry per pair, as Fooocus
   * merges them onto the loaded base) and linked as `controlnet/<stem>`: a job on another base re-points the link.
   */
  async installControlLoras(baseUnetDir: string, pattern: RegExp, progress: ImportProgress): Promise<string[]> {
    const linked: string[] = [];
    for (const file of await this.files()) {
      if (file.kind !== 'control-lora' || !pattern.test(file.name)) continue;
      const pair = createHash('sha1')
        .update(await controlLoraKey(baseUnetDir, file.path))
        .digest('hex')
        .slice(0, 16);
      const cached = await cachedImport(
        this.modelsDir,
        `control-lora/${pair}`,
        file.path,
        async (outDir) => {
          await convertControlLora({
            baseUnet: baseUnetDir,
            controlLoraPath: file.path,
            outDir: join(outDir, CONTROLNET_SUBFOLDER),
            log: progress.log,
          });
        },
        progress,
      );
      const link = join(this.modelsDir, 'controlnet', fileStem(file.name));
      if (await placeLink(link, join(cached.dir, CONTROLNET_SUBFOLDER), progress)) linked.push(link);
    }
    return linked;
  }

  /** Imports every file of these kinds (npm run models -- import, and a job's needs). */
  async installKinds(kinds: readonly FooocusFileKind[], progress: ImportProgress): Promise<string[]> {
    const linked: string[] = [];
    for (const file of await this.files()) {
      if (!kinds.includes(file.kind) || !linkPlacement(this.modelsDir, file)) continue;
      linked.push(await this.install(file, progress));
    }
    return linked;
  }

  get cacheDir(): string {
    return importCacheRoot(this.modelsDir);
  }
}
