/**
 * Composition root: config → demo model → database (migrations) → repositories → engine client →
 * runner (queue rebuilt) → app. main.ts listens; tests call this with a scripted engine.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { listCheckpoints, TINY_DEMO_MODEL_NAME } from '../../engine/models/registry.ts';
import { writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { TINY_DEMO_UPSCALER_FILE, writeTinyUpscaler } from '../../engine/models/tiny-upscaler.ts';
import { findUpscaler, UPSCALE_MODELS_FOLDER } from '../../engine/uov/upscaler-files.ts';
import { ApiKeyChecker } from '../auth/api-key.ts';
import type { Config } from '../config/config.ts';
import { ChildEngineClient } from '../engine-client/child-engine-client.ts';
import { createApp } from '../http/app.ts';
import { loadApiDocument, loadSpecFile } from '../http/openapi-document.ts';
import type { ImageCodec } from '../images/image-codec.ts';
import { WorkerImageCodec } from '../images/worker-image-codec.ts';
import { InputResolver } from '../inputs/input-resolver.ts';
import type { Logger } from '../logging/logger.ts';
import { GuardedUrlFetcher } from '../net/url-fetcher.ts';
import { closeDatabase, openDatabase } from '../persistence/data-source.ts';
import { SqliteTaskRepository } from '../persistence/task.repository.ts';
import { FsOutputStore } from '../storage/output-store.ts';
import { StoredFiles } from '../storage/stored-files.ts';
import type { EngineClient, IdSource } from '../tasks/ports.ts';
import { randomIds } from '../tasks/random-ids.ts';
import { TaskEventHub } from '../tasks/task-events.ts';
import { createTaskNotifier } from '../tasks/task-notifier.ts';
import { TaskRunner } from '../tasks/task.runner.ts';
import { TaskService } from '../tasks/task.service.ts';
import { HttpWebhookSender, type WebhookSender } from '../webhooks/webhook-sender.ts';
import { ServerState } from './server-state.ts';

export const OPENAPI_DIR = fileURLToPath(new URL('../../openapi/', import.meta.url));

export interface ComposeOverrides {
  engine?: EngineClient;
  webhooks?: WebhookSender;
  ids?: IdSource;
  now?: () => number;
}

export interface ComposedServer {
  app: Express;
  service: TaskService;
  runner: TaskRunner;
  engine: EngineClient;
  webhooks: WebhookSender;
  codec: ImageCodec;
  close(): Promise<void>;
}

/**
 * The demo is shaped like a current optimum export (float32 scalar timestep, so the continuous
 * `edm_playground_v2.5` timestep runs) with up-block skip Concats (so FreeU runs): every generation
 * option works on it.
 */
const DEMO_CHECKPOINT_SHAPE = { timestep: 'float32-scalar', upBlocks: true } as const;

/** With no checkpoint installed, writes the tiny random-weight demo checkpoint (DECISIONS §4). */
async function ensureDemoModel(config: Config, logger: Logger): Promise<boolean> {
  if (!config.isDemoModelEnabled) return false;
  const installed = await listCheckpoints(config.modelsDir);
  if (installed.length > 0 && !(installed.length === 1 && installed[0] === TINY_DEMO_MODEL_NAME)) return false;
  if (installed.length === 0) {
    logger.info(`no checkpoint under ${join(config.modelsDir, 'checkpoints')}: writing the tiny random-weight demo checkpoint '${TINY_DEMO_MODEL_NAME}'`);
    await writeTinyCheckpoint(join(config.modelsDir, 'checkpoints', TINY_DEMO_MODEL_NAME), DEMO_CHECKPOINT_SHAPE);
  }
  logger.warn(`using the demo checkpoint '${TINY_DEMO_MODEL_NAME}': its images are noise. Install a real SDXL ONNX checkpoint under models/checkpoints/<name>/`);
  return true;
}

/** With no super-resolution model installed, writes the demo upscaler beside the demo checkpoint (DECISIONS §4). */
async function ensureDemoUpscaler(config: Config, logger: Logger): Promise<void> {
  if (!config.isDemoModelEnabled || (await findUpscaler(config.modelsDir)) !== null) return;
  logger.info(`no super-resolution model under ${join(config.modelsDir, UPSCALE_MODELS_FOLDER)}: writing the tiny demo upscaler '${TINY_DEMO_UPSCALER_FILE}'`);
  await writeTinyUpscaler(join(config.modelsDir, UPSCALE_MODELS_FOLDER, TINY_DEMO_UPSCALER_FILE));
}

export async function composeServer(config: Config, logger: Logger, overrides: ComposeOverrides = {}): Promise<ComposedServer> {
  await mkdir(config.dataDir, { recursive: true });
  const isDemo = await ensureDemoModel(config, logger);
  await ensureDemoUpscaler(config, logger);
  const clock = { now: overrides.now ?? Date.now };
  const ids = overrides.ids ?? randomIds;
  const state = new ServerState({
    modelsDir: config.modelsDir,
    presetsDir: config.presetsDir,
    configuredDefaultModel: config.defaultModel,
    serverPreset: config.preset,
    isStrict: config.isStrict,
    logger,
  });
  const dataSource = await openDatabase(join(config.dataDir, 'db.sqlite3'));
  const repo = new SqliteTaskRepository(dataSource);
  const hub = new TaskEventHub();
  const outputs = new FsOutputStore(config.dataDir);
  const codec = new WorkerImageCodec();
  const engine = overrides.engine ?? new ChildEngineClient({ modelsDir: config.modelsDir, stylesDir: config.stylesDir, wildcardsDir: config.wildcardsDir, inputsDir: join(config.dataDir, 'inputs'), device: config.device, logger });
  if (engine instanceof ChildEngineClient) engine.start();
  const webhooks =
    overrides.webhooks ?? new HttpWebhookSender({ logger, secret: config.webhookSecret || undefined, allowPrivate: config.allowPrivateUrls });
  let installedLoras: string[] = [];
  let expansionUnavailable: string | null = null;
  const notify = createTaskNotifier(webhooks, { baseUrl: config.baseUrl, format: config.webhookFormat, globalWebhookUrl: config.webhookUrl });
  const runner = new TaskRunner({
    repo,
    engine,
    outputs,
    hub,
    clock,
    logger,
    onFinished: (task) => {
      notify(task);
      service.applyRetention().catch((error: unknown) => logger.warn(`--queue-history retention failed: ${error instanceof Error ? error.message : String(error)}`));
    },
    installedLoras: () => installedLoras,
    expansionUnavailable: () => expansionUnavailable,
  });
  const service: TaskService = new TaskService(repo, runner, hub, clock, ids, outputs, {
    queueSize: config.queueSize,
    queueHistory: config.queueHistory,
    globalWebhookUrl: config.webhookUrl,
    installedLoras: () => installedLoras,
    expansionUnavailable: () => expansionUnavailable,
    freeuUnavailable: (modelName) => state.freeuUnavailable(modelName),
    refinerUnavailable: (modelName) => state.refinerUnavailable(modelName),
    demoModelName: isDemo ? TINY_DEMO_MODEL_NAME : null,
  });
  const snapshot = async () => {
    const s = await state.snapshot();
    installedLoras = [...s.loras];
    expansionUnavailable = await state.expansionUnavailable();
    return s;
  };
  const defaults = { defaultModel: (await snapshot()).defaultModel };
  const document = await loadApiDocument(OPENAPI_DIR, defaults);
  const specs: Record<string, Record<string, unknown>> = { 'all-in-one': await loadSpecFile(OPENAPI_DIR, 'all-in-one', defaults) };
  // /docs offers the legacy (Fooocus-API v1/v2) spec beside the all-in-one one.
  if (await access(join(OPENAPI_DIR, 'legacy.yaml')).then(() => true, () => false)) specs.legacy = await loadSpecFile(OPENAPI_DIR, 'legacy', defaults);
  const inputs = new InputResolver({
    dataDir: config.dataDir,
    baseUrl: config.baseUrl,
    codec,
    fetcher: new GuardedUrlFetcher({ allowPrivate: config.allowPrivateUrls }),
  });
  const app = createApp({
    document,
    specs,
    apiKeys: new ApiKeyChecker(config.apiKeys),
    isFileAccessProtected: config.isFileAccessProtected,
    logger,
    deps: {
      service,
      hub,
      inputs,
      codec,
      ids,
      baseUrl: config.baseUrl,
      legacyBase64: config.legacyBase64,
      files: new StoredFiles(config.dataDir),
      snapshot,
      listModels: () => state.listModels(),
      engineInfo: () => engine.info(),
      queueDepth: () => ({ running: hub.current() ? 1 : 0, pending: runner.pendingCount() }),
      now: clock.now,
    },
  });
  const requeued = await runner.recover();
  if (requeued > 0) logger.info(`queue rebuilt from the database: ${requeued} task(s) to run`);
  return {
    app,
    service,
    runner,
    engine,
    webhooks,
    codec,
    close: async () => {
      await engine.close();
      await codec.close();
      await webhooks.drain();
      await closeDatabase(dataSource);
    },
  };
}
