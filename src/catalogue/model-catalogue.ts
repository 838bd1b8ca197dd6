/**
 * The model and preset catalogue: what the adapters may know about this server (installed
 * checkpoints and LoRAs, styles, presets, samplers) and what the service says about a request
 * before queueing it (expansion model, FreeU and refiner fitness). Models can be dropped in while
 * the server runs, as the originals rescan: `refresh()` rescans when a watched folder's mtime moved
 * or the last scan is over RESCAN_MS old (so a file written into an existing folder shows within
 * that bound), and on demand; the other readers answer from the last refresh.
 */
import { statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { toPresetValues } from '../../adapters/preset-values.ts';
import type { ServerSnapshot } from '../../adapters/server-snapshot.ts';
import type { CommonRequest } from '../../adapters/common-request.ts';
import {
  checkCheckpointFile,
  checkpointDir,
  controlNetInstallHint,
  findControlNet,
  CLIP_VISION_FOLDER,
  FACES_FOLDER,
  findClipVision,
  findExpansionModel,
  findFaceDetector,
  findIpAdapter,
  isFaceAdapterName,
  ipUnsupportedReasonAt,
  FOOOCUS_STYLE_NAMES,
  freeuUnsupportedReasonAt,
  listCheckpoints,
  listLoras,
  listVaes,
  VAE_FOLDER,
  refinerUnsupportedReasonAt,
  resolveCheckpointName,
  SAMPLERS,
  SCHEDULERS,
  TINY_DEMO_MODEL_NAME,
} from '../../engine/index.ts';
import type { Logger } from '../logging/logger.ts';
import {
  isImportLink,
  readFooocusLayout,
  scanFooocusFiles,
  type FooocusFileKind,
  type FooocusLayout,
} from '../../engine/index.ts';

/** A preset edited in place changes no folder's mtime: rescan at least this often. */
const RESCAN_MS = 2000;

export interface ModelCatalogueOptions {
  modelsDir: string;
  /** `--fooocus-models`: its checkpoints and LoRAs are listed by Fooocus name, imported by the engine on first use. */
  fooocusModelsDir?: string | null;
  presetsDir: string;
  configuredDefaultModel: string | null;
  serverPreset: string | null;
  isStrict: boolean;
  /** Set while the random-weight demo checkpoint is the installed one (DECISIONS §4). */
  demoModelName: string | null;
  logger: Logger;
}

/**
 * Graphs larger than this hold their weights inline; parsing them here would stall the API: the engine says it instead.
 */
const MAX_PROBED_GRAPH_BYTES = 16 * 1024 * 1024;

export class ModelCatalogue {
  /**
   * Answers of the UNet graph and checkpoint file checks, per (check, file), kept while size and mtime stay (parsing
   * a graph or a checkpoint's header costs tens of ms).
   */
  private readonly fileChecks = new Map<string, { stamp: string; reason: string | null }>();
  private last: { snapshot: ServerSnapshot; expansionUnavailable: string | null } | null = null;
  private scanned: { stamp: string; at: number; snapshot: ServerSnapshot } | null = null;
  /** The scan in flight: requests arriving meanwhile with the same folder stamp wait for it. */
  private pending: { stamp: string; scan: Promise<ServerSnapshot> } | null = null;

  /** The Fooocus folder's layout (engine/import): the gateway only reads and lists it; the engine imports. */
  private fooocusLayout: Promise<FooocusLayout> | null = null;

  constructor(private readonly options: ModelCatalogueOptions) {}

  /** Fooocus-folder files of `kind`, by Fooocus name (none without --fooocus-models). */
  private async fooocusFiles(kind: FooocusFileKind): Promise<string[]> {
    const root = this.options.fooocusModelsDir;
    if (!root) return [];
    this.fooocusLayout ??= readFooocusLayout(root);
    const files = await this.fooocusLayout.then(scanFooocusFiles).catch((error: unknown) => {
      this.options.logger.warn(`--fooocus-models: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    });
    return files.filter((f) => f.kind === kind).map((f) => f.name);
  }

  get demoModelName(): string | null {
    return this.options.demoModelName;
  }

  /**
   * Why FreeU cannot be applied to this checkpoint's UNet export (engine/unet/freeu-graph.ts), so
   * the request can be refused with a 422 before it is queued; null when it can, or when this
   * cannot be told from here (unknown checkpoint, huge inline graph: the engine decides then).
   */
  freeuUnavailable(modelName: string): Promise<string | null> {
    return this.checkUnetGraph(modelName, 'freeu', freeuUnsupportedReasonAt);
  }

  /**
   * Why a PyraCanny/CPDS slot cannot run: no ControlNet for the type and no demo (`--no-demo-model`); null when one is
   * there.
   */
  async controlNetUnavailable(type: 'PyraCanny' | 'CPDS', modelName: string): Promise<string | null> {
    // A Fooocus Control-LoRA for the type is converted by the engine onto the job's checkpoint: it fits any.
    const pattern = type === 'PyraCanny' ? /canny/i : /cpds/i;
    if ((await this.fooocusFiles('control-lora')).some((name) => pattern.test(name))) return null;
    const found = await findControlNet(this.options.modelsDir, type);
    if (found === null)
      return `no ControlNet for ${type} is installed: ${controlNetInstallHint(this.options.modelsDir, type)}`;
    // The demo ControlNet's residuals fit the demo checkpoint's tiny UNet only.
    const checkpoint = resolveCheckpointName(await listCheckpoints(this.options.modelsDir), modelName);
    if (found.isDemo && checkpoint !== null && checkpoint !== TINY_DEMO_MODEL_NAME) {
      return `only the demo ControlNet ${found.name} is installed for ${type}, and it fits only the demo checkpoint '${TINY_DEMO_MODEL_NAME}': ${controlNetInstallHint(this.options.modelsDir, type)}`;
    }
    return null;
  }

  /**
   * Why this checkpoint cannot serve as a refiner (not an SDXL-family UNet), or null when it can or cannot be told
   * here.
   */
  refinerUnavailable(modelName: string): Promise<string | null> {
    return this.checkUnetGraph(modelName, 'refiner', refinerUnsupportedReasonAt);
  }

  async imagePromptModelsMissing(types: readonly string[], isFaceCropSkipped: boolean): Promise<string | null> {
    const dir = this.options.modelsDir;
    const missing: string[] = [];
    // What the Fooocus folder holds is imported by the engine before the job runs.
    if ((await findClipVision(dir)) === null && (await this.fooocusFiles('clip-vision')).length === 0)
      missing.push(
        `a CLIP vision model under ${join(dir, CLIP_VISION_FOLDER)}/<name>/ (convert clip_vision_vit_h.safetensors; see README)`,
      );
    for (const kind of ['ImagePrompt', 'FaceSwap'] as const) {
      if (!types.includes(kind)) continue;
      const found = await findIpAdapter(dir, kind);
      const fooocus = (await this.fooocusFiles('ip-adapter')).filter(
        (n) => isFaceAdapterName(n) === (kind === 'FaceSwap'),
      );
      if ('reason' in found && fooocus.length === 0) missing.push(found.reason);
    }
    if (types.includes('FaceSwap') && !isFaceCropSkipped && (await findFaceDetector(dir)) === null) {
      missing.push(`a face detector under ${join(dir, FACES_FOLDER)}/ (a RetinaFace ONNX export; see README)`);
    }
    return missing.length > 0 ? missing.join('; ') : null;
  }

  /**
   * Why this checkpoint's UNet has no attn2 K/V projections to rewrite, or null when it has (or cannot be told here).
   */
  imagePromptUnetUnavailable(modelName: string): Promise<string | null> {
    return this.checkUnetGraph(modelName, 'ip-adapter', ipUnsupportedReasonAt);
  }

  private async checkUnetGraph(
    modelName: string,
    check: string,
    reasonAt: (path: string) => Promise<string | undefined>,
  ): Promise<string | null> {
    const name = resolveCheckpointName(await listCheckpoints(this.options.modelsDir), modelName);
    if (name === null) return null;
    const path = join(checkpointDir(this.options.modelsDir, name), 'unet', 'model.onnx');
    const file = await stat(path).catch(() => null);
    if (!file?.isFile() || file.size > MAX_PROBED_GRAPH_BYTES) return null;
    const stamp = `${file.size}:${file.mtimeMs}`;
    const key = `${check}:${path}`;
    const known = this.fileChecks.get(key);
    if (known?.stamp === stamp) return known.reason;
    const reason =
      (await reasonAt(path).catch(
        (error: unknown) =>
          `the UNet graph could not be read (${error instanceof Error ? error.message : String(error)})`,
      )) ?? null;
    this.fileChecks.set(key, { stamp, reason });
    return reason;
  }

  /**
   * Why the Fooocus single-file checkpoint behind `modelName` cannot be imported (checked as the import checks it,
   * without writing; kept while the file's size and mtime stay), or null when it can or the name is not one.
   */
  async checkpointFileProblem(modelName: string): Promise<string | null> {
    const root = this.options.fooocusModelsDir;
    if (!root) return null;
    this.fooocusLayout ??= readFooocusLayout(root);
    const files = (await this.fooocusLayout.then(scanFooocusFiles).catch(() => [])).filter(
      (f) => f.kind === 'checkpoint',
    );
    const file = files.find((f) => f.name === modelName);
    const info = file ? await stat(file.path).catch(() => null) : null;
    if (!file || !info) return null;
    const stamp = `${info.size}:${info.mtimeMs}`;
    const key = `checkpoint-file:${file.path}`;
    const known = this.fileChecks.get(key);
    if (known?.stamp === stamp) return known.reason;
    const reason = await checkCheckpointFile(file.path).then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    this.fileChecks.set(key, { stamp, reason });
    return reason;
  }

  /** Installed checkpoints and LoRAs (from the refreshed catalogue; `force` rescans now). */
  async listModels(options: { force?: boolean } = {}): Promise<{ models: string[]; loras: string[] }> {
    const snapshot = await this.refresh(options);
    return { models: [...snapshot.models], loras: [...snapshot.loras] };
  }

  private async scanModels(): Promise<{ models: string[]; loras: string[]; vaes: string[] }> {
    const [installed, loras, vaes, fooocusCheckpoints, fooocusLoras, fooocusVaes] = await Promise.all([
      listCheckpoints(this.options.modelsDir),
      listLoras(this.options.modelsDir),
      listVaes(this.options.modelsDir),
      this.fooocusFiles('checkpoint'),
      this.fooocusFiles('lora'),
      this.fooocusFiles('vae'),
    ]);
    // An imported checkpoint is a link to the import cache: it stays listed by its Fooocus file name.
    const models: string[] = [];
    for (const name of installed)
      if (!(await isImportLink(this.options.modelsDir, checkpointDir(this.options.modelsDir, name)))) models.push(name);
    const ownVaes: string[] = [];
    for (const name of vaes) {
      const isImported = await isImportLink(this.options.modelsDir, join(this.options.modelsDir, VAE_FOLDER, name));
      if (!isImported) ownVaes.push(name);
    }
    return {
      models: [...models, ...fooocusCheckpoints],
      loras: [...new Set([...loras, ...fooocusLoras])].sort(),
      vaes: [...ownVaes, ...fooocusVaes],
    };
  }

  private async findExpansionProblem(): Promise<string | null> {
    const found = await findExpansionModel(this.options.modelsDir);
    if (found.files || (await this.fooocusFiles('expansion')).length > 0) return null;
    return found.reason;
  }

  async presets(): Promise<Record<string, Partial<CommonRequest>>> {
    const files = await readdir(this.options.presetsDir).catch(() => [] as string[]);
    const out: Record<string, Partial<CommonRequest>> = {};
    for (const file of files.filter((f) => f.endsWith('.json')).sort()) {
      try {
        out[file.slice(0, -5)] = toPresetValues(
          JSON.parse(await readFile(join(this.options.presetsDir, file), 'utf8')),
        );
      } catch (error) {
        this.options.logger.warn(`preset ${file} is not valid JSON; skipped (${(error as Error).message})`);
      }
    }
    return out;
  }

  /**
   * What the adapters see, rescanned when a watched folder changed (its mtime: a model or preset
   * added, renamed or removed) or the last scan is older than RESCAN_MS (a preset edited in place);
   * a burst of submissions shares one scan. `force` rescans now (legacy refresh-models).
   */
  async refresh(options: { force?: boolean } = {}): Promise<ServerSnapshot> {
    const stamp = this.folderStamp();
    const cached = this.scanned;
    if (!options.force && cached && cached.stamp === stamp && Date.now() - cached.at < RESCAN_MS)
      return cached.snapshot;
    if (!options.force && this.pending?.stamp === stamp) return this.pending.scan;
    const scan = (async () => {
      const [snapshot, expansionUnavailable] = await Promise.all([this.scan(), this.findExpansionProblem()]);
      this.last = { snapshot, expansionUnavailable };
      this.scanned = { stamp, at: Date.now(), snapshot };
      return snapshot;
    })();
    this.pending = { stamp, scan };
    try {
      return await scan;
    } finally {
      if (this.pending?.scan === scan) this.pending = null;
    }
  }

  /**
   * mtimes of the folders whose entries make the catalogue (a missing folder reads -1). Read with
   * statSync: a metadata read of a local folder takes ~3 µs, the thread-pool round trip of an async
   * stat ~55 µs, and this runs for every submission.
   */
  private folderStamp(): string {
    const { modelsDir, presetsDir } = this.options;
    const fooocus = this.options.fooocusModelsDir;
    const folders = [
      join(modelsDir, 'checkpoints'),
      join(modelsDir, 'loras'),
      join(modelsDir, VAE_FOLDER),
      ...(fooocus ? [join(fooocus, 'checkpoints'), join(fooocus, 'loras'), join(fooocus, 'vae')] : []),
      presetsDir,
      join(modelsDir, 'prompt_expansion'),
      join(modelsDir, 'prompt_expansion', 'fooocus_expansion'),
    ];
    return folders.map((folder) => statSync(folder, { throwIfNoEntry: false })?.mtimeMs ?? -1).join(':');
  }

  styles(): readonly string[] {
    return FOOOCUS_STYLE_NAMES;
  }

  /** The installed LoRA files as of the last refresh. */
  installedLoras(): readonly string[] {
    return this.last?.snapshot.loras ?? [];
  }

  /**
   * Why `Fooocus V2` cannot run (which expansion file is missing) as of the last refresh, or null when a model is
   * installed.
   */
  expansionUnavailable(): string | null {
    return this.last ? this.last.expansionUnavailable : null;
  }

  private async scan(): Promise<ServerSnapshot> {
    const [{ models, loras, vaes }, presets] = await Promise.all([this.scanModels(), this.presets()]);
    const configured = this.options.configuredDefaultModel;
    // The demo checkpoint is the default only when nothing real is there (a Fooocus folder's checkpoints are).
    const defaultModel =
      (configured && models.find((m) => m === configured || `${m}.safetensors` === configured)) ||
      models.find((m) => m !== this.options.demoModelName) ||
      models[0] ||
      '';
    return {
      models,
      defaultModel,
      loras,
      vaes,
      styles: FOOOCUS_STYLE_NAMES,
      samplers: SAMPLERS,
      schedulers: SCHEDULERS,
      presets,
      serverPreset: this.options.serverPreset ? (presets[this.options.serverPreset] ?? null) : null,
      isStrict: this.options.isStrict,
    };
  }
}
