/**
 * Composition root: config → demo model → model catalogue → store (migrations, repositories, event
 * bus) → engines → runner and service → app → node registered, queue rebuilt, claiming. main.ts
 * listens; tests call this with a scripted engine.
 */
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { ApiKeyChecker } from '../auth/api-key.ts';
import {
  ensureDemoCheckpoint,
  ensureDemoControlNet,
  ensureDemoImagePromptModels,
  ensureDemoUpscaler,
} from '../catalogue/demo-models.ts';
import { ensureDemoToolModels } from '../catalogue/tool-demo-models.ts';
import { ModelCatalogue } from '../catalogue/model-catalogue.ts';
import type { TaskMode } from '../../adapters/task-record.ts';
import type { ControlNetType } from '../../adapters/common-request.ts';
import type { Config } from '../config/config.ts';
import { ClusterRelay } from '../cluster/cluster-relay.ts';
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
import { FsOutputStore } from '../storage/output-store.ts';
import { StoredFiles } from '../storage/stored-files.ts';
import { EnginePool } from '../tasks/engine-pool.ts';
import type { EngineClient, IdSource } from '../tasks/ports.ts';
import { randomIds } from '../tasks/random-ids.ts';
import { TaskEventHub } from '../tasks/task-events.ts';
import { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { QueueView } from '../queue/queue-view.ts';
import { StepTimings } from '../queue/step-timings.ts';
import { createTaskNotifier } from '../tasks/task-notifier.ts';
import { clientTextFor } from '../tasks/client-text.ts';
import { TaskRunner } from '../tasks/task.runner.ts';
import { TaskService } from '../tasks/task.service.ts';
import { HttpWebhookSender, type WebhookSender } from '../webhooks/webhook-sender.ts';
import { webhookTargetCheck } from '../webhooks/webhook-target-check.ts';
import { ChildToolsClient } from '../tools/child-tools-client.ts';
import type { ToolsClient } from '../tools/tools-client.ts';
import { ToolsService } from '../tools/tools-service.ts';
import { RecentValue } from '../caching/recent-value.ts';
import { createEngines, nodeNameOf, openTaskStore, slotLabel } from './compose-store.ts';

export const OPENAPI_DIR = fileURLToPath(new URL('../../openapi/', import.meta.url));

/** How old GET /health's node list may be (heartbeats are seconds apart; starts and ends refresh it at once). */
const CLUSTER_VIEW_MAX_AGE_MS = 500;

export interface ComposeOverrides {
  engine?: EngineClient;
  /** Several scripted engines (a node with --engines N); wins over `engine`. */
  engines?: EngineClient[];
  /** Claim poll backstop (tests of missed events shorten it). */
  claimPollMs?: number;
  webhooks?: WebhookSender;
  ids?: IdSource;
  now?: () => number;
  /** Task modes the (scripted) engine runs; default: what engine/ runs. */
  supportedModes?: readonly TaskMode[];
  /** Runs describe and masks; default: the tools child (engine/tools/tools-worker.ts). */
  tools?: ToolsClient;
  /** Image-prompt types the (scripted) engine runs; default: what engine/ runs (PyraCanny, CPDS). */
  supportedImagePromptTypes?: readonly ControlNetType[];
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
  engines: EnginePool;
  nodeName: string;
  webhooks: WebhookSender;
  codec: ImageCodec;
  close(): Promise<void>;
}

export async function composeServer(
  config: Config,
  logger: Logger,
  overrides: ComposeOverrides = {},
): Promise<ComposedServer> {
  await mkdir(config.dataDir, { recursive: true });
  const demoModelName = await ensureDemoCheckpoint(config, logger);
  await ensureDemoUpscaler(config, logger);
  await ensureDemoToolModels(config, logger);
  await ensureDemoControlNet(config, logger);
  await ensureDemoImagePromptModels(config, logger);
  const clock = { now: overrides.now ?? Date.now };
  const ids = rememberingRequests(overrides.ids ?? randomIds);
  const catalogue = new ModelCatalogue({
    modelsDir: config.modelsDir,
    fooocusModelsDir: config.fooocusModelsDir,
    presetsDir: config.presetsDir,
    configuredDefaultModel: config.defaultModel,
    serverPreset: config.preset,
    isStrict: config.isStrict,
    demoModelName,
    logger,
  });
  const defaults = { defaultModel: (await catalogue.refresh()).defaultModel };
  const nodeName = nodeNameOf(config);
  const store = await openTaskStore(config, nodeName, logger);
  const { repo } = store;
  const hub = new TaskEventHub();
  const steps = new StepTimings(hub, clock.now);
  // Closures: the runner and repository they read are built just below.
  const metrics = new GatewayMetrics({
    hub,
    steps,
    // Cluster-wide, from the store (the queue is the task table).
    queueDepth: async () => {
      const counts = await repo.countByStatus(['running', 'pending']);
      return { running: counts.running, pending: counts.pending };
    },
    countByStatus: (status) => repo.count({ statuses: [status] }),
  });
  const outputs = new FsOutputStore(config.dataDir);
  const codec = new WorkerImageCodec();
  const engines = new EnginePool(
    overrides.engines ??
      (overrides.engine ? [overrides.engine] : createEngines(config, logger, () => metrics.engineRestarted())),
  );
  // Scripted engines in tests may outnumber the configured slots.
  const deviceLabels = Array.from({ length: engines.size }, (_, i) =>
    slotLabel(config.engines[i] ?? config.engines[0]),
  );
  const webhooks =
    overrides.webhooks ??
    new HttpWebhookSender({
      logger,
      secret: config.webhookSecret || undefined,
      allowPrivate: config.allowPrivateUrls,
      onFailure: (isFinal) => metrics.webhookFailed(isFinal),
    });
  const notify = createTaskNotifier(webhooks, {
    baseUrl: config.baseUrl,
    format: config.webhookFormat,
    globalWebhookUrl: config.webhookUrl,
  });
  const clientText = clientTextFor({ [resolve(config.modelsDir)]: 'models', [resolve(config.dataDir)]: '' });
  const runner = new TaskRunner({
    repo,
    claims: store.claims,
    nodes: store.nodes,
    engines,
    bus: store.bus,
    node: {
      name: nodeName,
      leaseMs: config.leaseSeconds * 1000,
      isSharedStore: store.isShared,
      pollMs: overrides.claimPollMs,
    },
    outputs,
    hub,
    clock,
    logger,
    onFinished: (task) => {
      notify(task);
      service
        .applyRetention()
        .catch((error: unknown) =>
          logger.warn(`--queue-history retention failed: ${error instanceof Error ? error.message : String(error)}`),
        );
    },
    models: catalogue,
    clientText,
  });
  const inputs = new StoredInputResolver({
    dataDir: config.dataDir,
    baseUrl: config.baseUrl,
    codec,
    fetcher: new GuardedUrlFetcher({ allowPrivate: config.allowPrivateUrls }),
  });
  const service: TaskService = new TaskService(
    {
      repo,
      runner,
      hub,
      clock,
      ids,
      outputs,
      inputs,
      models: catalogue,
      clientText,
      webhookTargets: webhookTargetCheck({ allowPrivate: config.allowPrivateUrls }),
    },
    {
      queueSize: config.queueSize,
      queueHistory: config.queueHistory,
      globalWebhookUrl: config.webhookUrl,
      supportedModes: overrides.supportedModes,
      supportedImagePromptTypes: overrides.supportedImagePromptTypes,
    },
  );
  const tools = new ToolsService({
    client:
      overrides.tools ??
      new ChildToolsClient({
        modelsDir: config.modelsDir,
        device: config.engines[0].device,
        gpuIndex: config.engines[0].gpuIndex,
        isDemoAllowed: config.isDemoModelEnabled,
        logger,
      }),
    images: inputs,
    modelsDir: config.modelsDir,
    isDemoAllowed: config.isDemoModelEnabled,
  });
  const document = await loadApiDocument(OPENAPI_DIR, defaults);
  const specs: Record<string, Record<string, unknown>> = {
    'all-in-one': await loadSpecFile(OPENAPI_DIR, 'all-in-one', defaults),
  };
  // /docs offers the legacy (Fooocus-API v1/v2) spec beside the all-in-one one.
  if (
    await access(join(OPENAPI_DIR, 'legacy.yaml')).then(
      () => true,
      () => false,
    )
  )
    specs.legacy = await loadSpecFile(OPENAPI_DIR, 'legacy', defaults);
  for (const doc of [document, ...Object.values(specs)]) addDemoNotice(doc, demoModelName);
  // GET /health lists the nodes with their running tasks: read at most every CLUSTER_VIEW_MAX_AGE_MS
  // for polling monitors, and again at once after any start or end this node hears of.
  const clusterView = new RecentValue(CLUSTER_VIEW_MAX_AGE_MS, () => store.nodes.list(config.leaseSeconds * 1000));
  hub.observe((_taskId, event) => {
    if (event.type !== 'progress') clusterView.invalidate();
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
      catalogue,
      codec,
      ids,
      baseUrl: config.baseUrl,
      legacyBase64: config.legacyBase64,
      files: new StoredFiles(config.dataDir),
      engineInfo: () => engines.info(),
      node: {
        name: nodeName,
        engines: () => engines.infos().map((info, i) => ({ device: deviceLabels[i], info })),
        runningHere: () => runner.runningHere(),
        cluster: () => clusterView.get(),
      },
      queue: new QueueView({
        pending: () => repo.find({ statuses: ['pending'] }),
        current: () => hub.current(),
        steps,
      }),
      tools,
      now: clock.now,
    },
    mounts: [mountMetrics(metrics), mountRedoc(specs), mountPlayground()],
  });
  const relay = store.isShared
    ? new ClusterRelay({ bus: store.bus, hub, repo, live: store.live, runner, nodeName, logger })
    : null;
  relay?.start();
  const sameName = (await store.nodes.list(config.leaseSeconds * 1000)).find(
    (n) => n.name === nodeName && n.state === 'up',
  );
  if (sameName && store.isShared) {
    logger.warn(
      `node '${nodeName}' heartbeated less than a lease ago: unless it was this node just before a crash, give each gateway its own --node-name (this start takes over what that name holds)`,
    );
  }
  await store.nodes.register({ name: nodeName, engines: engines.size, devices: deviceLabels, baseUrl: config.baseUrl });
  let closing: Promise<void> | undefined;
  const closeAll = async () => {
    // Hand back what runs here before the engines go, so no task waits for this node's lease.
    await runner.shutdown();
    await engines.close();
    await tools.close();
    await runner.drain(5000);
    await relay?.stop();
    await codec.close();
    await webhooks.drain();
    await store.close();
  };
  const waiting = await runner.recover();
  if (waiting > 0) logger.info(`queue rebuilt from the database: ${waiting} task(s) to run`);
  return {
    app,
    metrics,
    service,
    runner,
    engines,
    nodeName,
    webhooks,
    codec,
    close: () => (closing ??= closeAll()),
  };
}
