/**
 * Composition root: config → demo model → model catalogue → database (migrations) → repositories →
 * engine client → runner and service → app → queue rebuilt. main.ts listens; tests call this with
 * a scripted engine.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { ApiKeyChecker } from '../auth/api-key.ts';
import { ensureDemoCheckpoint } from '../catalogue/demo-models.ts';
import { ModelCatalogue } from '../catalogue/model-catalogue.ts';
import type { TaskMode } from '../../adapters/task-record.ts';
import type { Config } from '../config/config.ts';
import { ChildEngineClient } from '../engine-client/child-engine-client.ts';
import { createApp } from '../http/app.ts';
import { mountRedoc } from '../http/redoc.ts';
import { mountMetrics } from '../http/metrics.route.ts';
import { mountPlayground } from '../http/playground.ts';
import { loadApiDocument, loadSpecFile } from '../openapi/openapi-document.ts';
import { addDemoNotice } from '../openapi/demo-notice.ts';
import type { ImageCodec } from '../images/image-codec.ts';
import { WorkerImageCodec } from '../images/worker-image-codec.ts';
import { StoredInputResolver } from '../inputs/input-resolver.ts';
import type { Logger } from '../logging/logger.ts';
import { rememberTaskRequest } from '../logging/request-context.ts';
import { GuardedUrlFetcher } from '../net/url-fetcher.ts';
import { closeDatabase, openDatabase } from '../persistence/data-source.ts';
import { SqliteTaskRepository } from '../persistence/task.repository.ts';
import { FsOutputStore } from '../storage/output-store.ts';
import { StoredFiles } from '../storage/stored-files.ts';
import type { EngineClient, IdSource } from '../tasks/ports.ts';
import { randomIds } from '../tasks/random-ids.ts';
import { TaskEventHub } from '../tasks/task-events.ts';
import { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { QueueView } from '../queue/queue-view.ts';
import { StepTimings } from '../queue/step-timings.ts';
import { createTaskNotifier } from '../tasks/task-notifier.ts';
import { TaskRunner } from '../tasks/task.runner.ts';
import { TaskService } from '../tasks/task.service.ts';
import { HttpWebhookSender, type WebhookSender } from '../webhooks/webhook-sender.ts';

export const OPENAPI_DIR = fileURLToPath(new URL('../../openapi/', import.meta.url));

export interface ComposeOverrides {
  engine?: EngineClient;
  webhooks?: WebhookSender;
  ids?: IdSource;
  now?: () => number;
  /** Task modes the (scripted) engine runs; default: what engine/ runs. */
  supportedModes?: readonly TaskMode[];
}

/** Task ids are minted while the accepting request is handled: each task's log lines then carry that request's id. */
function rememberingRequests(ids: IdSource): IdSource {
  return {
    taskId: (dialect) => {
      const taskId = ids.taskId(dialect);
      rememberTaskRequest(taskId);
      return taskId;
    },
    randomSeed: () => ids.randomSeed(),
  };
}

export interface ComposedServer {
  app: Express;
  metrics: GatewayMetrics;
  service: TaskService;
  runner: TaskRunner;
  engine: EngineClient;
  webhooks: WebhookSender;
  codec: ImageCodec;
  close(): Promise<void>;
}

export async function composeServer(config: Config, logger: Logger, overrides: ComposeOverrides = {}): Promise<ComposedServer> {
  await mkdir(config.dataDir, { recursive: true });
  const demoModelName = await ensureDemoCheckpoint(config, logger);
  const clock = { now: overrides.now ?? Date.now };
  const ids = rememberingRequests(overrides.ids ?? randomIds);
  const catalogue = new ModelCatalogue({
    modelsDir: config.modelsDir,
    presetsDir: config.presetsDir,
    configuredDefaultModel: config.defaultModel,
    serverPreset: config.preset,
    isStrict: config.isStrict,
    demoModelName,
    logger,
  });
  const defaults = { defaultModel: (await catalogue.refresh()).defaultModel };
  const dataSource = await openDatabase(join(config.dataDir, 'db.sqlite3'));
  const repo = new SqliteTaskRepository(dataSource);
  const hub = new TaskEventHub();
  const steps = new StepTimings(hub, clock.now);
  // Closures: the runner and repository they read are built just below.
  const metrics = new GatewayMetrics({
    hub,
    steps,
    queueDepth: () => ({ running: hub.current() ? 1 : 0, pending: runner.pendingCount() }),
    countByStatus: (status) => repo.count({ statuses: [status] }),
  });
  const outputs = new FsOutputStore(config.dataDir);
  const codec = new WorkerImageCodec();
  const engine = overrides.engine ?? new ChildEngineClient({ modelsDir: config.modelsDir, stylesDir: config.stylesDir, wildcardsDir: config.wildcardsDir, device: config.device, logger, onRestart: () => metrics.engineRestarted() });
  if (engine instanceof ChildEngineClient) engine.start();
  const webhooks =
    overrides.webhooks ?? new HttpWebhookSender({
      logger,
      secret: config.webhookSecret || undefined,
      allowPrivate: config.allowPrivateUrls,
      onFailure: (isFinal) => metrics.webhookFailed(isFinal),
    });
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
    models: catalogue,
  });
  const inputs = new StoredInputResolver({
    dataDir: config.dataDir,
    baseUrl: config.baseUrl,
    codec,
    fetcher: new GuardedUrlFetcher({ allowPrivate: config.allowPrivateUrls }),
  });
  const service: TaskService = new TaskService(
    { repo, runner, hub, clock, ids, outputs, inputs, models: catalogue },
    { queueSize: config.queueSize, queueHistory: config.queueHistory, globalWebhookUrl: config.webhookUrl, supportedModes: overrides.supportedModes },
  );
  const document = await loadApiDocument(OPENAPI_DIR, defaults);
  const specs: Record<string, Record<string, unknown>> = { 'all-in-one': await loadSpecFile(OPENAPI_DIR, 'all-in-one', defaults) };
  // /docs offers the legacy (Fooocus-API v1/v2) spec beside the all-in-one one.
  if (await access(join(OPENAPI_DIR, 'legacy.yaml')).then(() => true, () => false)) specs.legacy = await loadSpecFile(OPENAPI_DIR, 'legacy', defaults);
  for (const doc of [document, ...Object.values(specs)]) addDemoNotice(doc, demoModelName);
  const app = createApp({
    document,
    specs,
    apiKeys: new ApiKeyChecker(config.apiKeys),
    isFileAccessProtected: config.isFileAccessProtected,
    logger,
    deps: {
      service,
      hub,
      catalogue,
      codec,
      ids,
      baseUrl: config.baseUrl,
      legacyBase64: config.legacyBase64,
      files: new StoredFiles(config.dataDir),
      engineInfo: () => engine.info(),
      queueDepth: () => ({ running: hub.current() ? 1 : 0, pending: runner.pendingCount() }),
      queue: new QueueView({ pending: () => repo.find({ statuses: ['pending'] }), current: () => hub.current(), steps }),
      now: clock.now,
    },
    mounts: [mountMetrics(metrics), mountRedoc(specs), mountPlayground()],
  });
  const requeued = await runner.recover();
  if (requeued > 0) logger.info(`queue rebuilt from the database: ${requeued} task(s) to run`);
  return {
    app,
    metrics,
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
