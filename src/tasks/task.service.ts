/**
 * Accepting, finding, waiting for and cancelling tasks — what routes call. Status changes after
 * acceptance belong to the runner.
 */
import type { AdaptResult } from '../../adapters/server-snapshot.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';
import type { ControlNetType } from '../../adapters/common-request.ts';
import {
  FINISHED_STATUSES,
  isFinished,
  UNFINISHED_STATUSES,
  type Dialect,
  type TaskMode,
  type TaskRecord,
  type TaskStatus,
} from '../../adapters/task-record.ts';
import { FeatureUnavailableError, InvalidFieldError, NotFoundError, QueueFullError } from '../errors.ts';
import type { Clock, IdSource, InputResolver, ModelFacts, OutputStore, WebhookTargetCheck } from './ports.ts';
import type { TaskEventHub } from './task-events.ts';
import type { TaskRunner } from './task.runner.ts';
import type { IdempotencyTag, IdempotentTask, TaskQuery, TaskRepository } from './task.types.ts';
import { assertSupported } from './supported-features.ts';
import type { ClientText } from './client-text.ts';
import { RecentValue } from '../caching/recent-value.ts';
import { controlNetSlotsOf, imagePromptTypesOf, refinerOf, toEngineJob } from './to-engine-job.ts';

export interface TaskServiceOptions {
  /** Waiting + running, both dialects; 0 = unlimited. */
  queueSize: number;
  /** `--queue-history`: finished tasks kept (both dialects), older ones deleted with their files; 0 = all. */
  queueHistory?: number;
  /** `--webhook-url`: used when a request names none. */
  globalWebhookUrl: string;
  /** Task modes the engine runs (default: what engine/ runs today); API tests with a scripted engine widen it. */
  supportedModes?: readonly TaskMode[];
  /**
   * Image-prompt types the engine runs (default: ENGINE_IMAGE_PROMPT_TYPES); API tests with a scripted engine widen it.
   */
  supportedImagePromptTypes?: readonly ControlNetType[];
}

/** A repeated Idempotency-Key returns its task for this long (then the key may name a new one). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface TaskServiceDeps {
  repo: TaskRepository;
  runner: TaskRunner;
  hub: TaskEventHub;
  clock: Clock;
  ids: IdSource;
  outputs: OutputStore;
  inputs: InputResolver;
  models: ModelFacts;
  /** Rewrites server paths in the warnings a client will read. */
  clientText: ClientText;
  webhookTargets: WebhookTargetCheck;
}

/** A repeated Idempotency-Key: the task it names, if the request is the same one. */
function repeatOf(prior: IdempotentTask, idempotency: IdempotencyTag): TaskRecord {
  if (prior.fingerprint !== idempotency.fingerprint) {
    const msg = `Idempotency-Key '${idempotency.key}' was used within the last 24 h for a different request (task ${prior.task.taskId}); send a new key`;
    throw new InvalidFieldError('header.idempotency-key', msg, { input: idempotency.key });
  }
  return prior.task;
}

/**
 * How old GET /health's counts may be: monitors poll it, and each count is a database round trip.
 * This node's own accepts, starts and ends show at once; only other nodes' accepts can be this late.
 */
const ACTIVE_COUNTS_MAX_AGE_MS = 250;

/**
 * A finished task's record never changes again, and clients poll it (query-job, GET /tasks/{id}):
 * the last FINISHED_RECORDS_KEPT read are answered from memory. Only a deletion by another node of
 * a cluster can be missed, for at most FINISHED_RECORD_MAX_AGE_MS; this node's own deletions evict.
 */
const FINISHED_RECORDS_KEPT = 512;
const FINISHED_RECORD_MAX_AGE_MS = 2000;

/** 32-hex and dashed uuid4 forms of the same id (DECISIONS §3: every route accepts both). */
export function alternateIdForm(taskId: string): string | null {
  const hex = taskId.toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex))
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(hex)) return hex.replace(/-/g, '');
  return null;
}

export class TaskService {
  private lastAccepted: string | null = null;
  private readonly counts: RecentValue<{ running: number; pending: number }>;
  /** Recently read finished records by task id, oldest first: see FINISHED_RECORD_MAX_AGE_MS. */
  private readonly finishedRecords = new Map<string, { task: TaskRecord; at: number }>();
  /** Retention runs one at a time, in finish order. */
  private retention: Promise<void> = Promise.resolve();
  private readonly repo: TaskRepository;
  private readonly runner: TaskRunner;
  private readonly hub: TaskEventHub;

  constructor(
    private readonly deps: TaskServiceDeps,
    private readonly options: TaskServiceOptions,
  ) {
    this.repo = deps.repo;
    this.runner = deps.runner;
    this.hub = deps.hub;
    this.counts = new RecentValue(ACTIVE_COUNTS_MAX_AGE_MS, async () => {
      const counts = await this.repo.countByStatus(['running', 'pending']);
      return { running: counts.running, pending: counts.pending };
    });
    // Starts and ends (this node's, and other nodes' as the relay brings them) change the counts.
    this.hub.observe((_taskId, event) => {
      if (event.type !== 'progress') this.counts.invalidate();
    });
  }

  /**
   * Takes an adapted, unresolved request through every cheap check, then resolves its images
   * (decode, fetch), then persists: a refused request has fetched nothing and written nothing.
   * Throws typed errors (QueueFullError carries the dialect and reply plan for its body). With an
   * idempotency tag, a key already used within 24 h returns that task (same body) or is a 422.
   */
  async accept(adapted: AdaptResult, dialect: Dialect, idempotency?: IdempotencyTag): Promise<TaskRecord> {
    const keysSince = this.deps.clock.now() - IDEMPOTENCY_WINDOW_MS;
    if (idempotency) {
      const prior = await this.repo.findByIdempotencyKey(idempotency.key, keysSince);
      if (prior) return repeatOf(prior, idempotency);
    }
    const { request } = adapted;
    assertSupported(request, this.options.supportedModes, this.options.supportedImagePromptTypes);
    await this.assertModelsFit(request);
    await this.assertWebhookTarget(request.webhook_url);
    await this.assertQueueRoom(dialect, adapted);
    const resolved = await this.deps.inputs.resolve(request, adapted.fieldNames);
    await this.assertImagePromptModels(request);
    // The engine mapping reads the stored images (sizes), so its warnings come after resolving.
    const warnings = this.warningsFor({ ...adapted, request: resolved.request });
    // As FooocusAPI, an empty webhook_url is replaced by --webhook-url before the request is stored,
    // so req_params shows the URL that will be called (fooocusapi-new.md §4.3, §13).
    const webhookUrl = request.webhook_url || this.options.globalWebhookUrl;
    const newTask = {
      taskId: this.deps.ids.taskId(dialect),
      dialect,
      mode: deriveTaskMode(request),
      responseMode: adapted.reply.mode,
      request: { ...resolved.request, webhook_url: webhookUrl },
      webhookUrl,
      inQueueMills: this.deps.clock.now(),
      warnings,
      ...(idempotency ? { idempotency } : {}),
    };
    // The limit is checked again with the insert: submissions that passed the first check together cannot overfill the
    // queue.
    const outcome = await this.repo.insertIfRoom(newTask, this.options.queueSize, keysSince);
    if ('isFull' in outcome) throw new QueueFullError({ dialect, reply: adapted.reply });
    if ('existing' in outcome) return repeatOf(outcome.existing, idempotency!);
    const task = outcome.inserted;
    this.counts.invalidate();
    await this.deps.inputs.store(resolved.files);
    this.lastAccepted = task.taskId;
    this.runner.enqueue(task.taskId);
    return task;
  }

  private async assertModelsFit(request: AdaptResult['request']): Promise<void> {
    const { models } = this.deps;
    const named: [string, string][] = [['base_model_name', request.base_model_name]];
    if (request.refiner_model_name !== 'None') named.push(['refiner_model_name', request.refiner_model_name]);
    for (const [field, name] of named) {
      const problem = await models.checkpointFileProblem?.(name);
      if (problem)
        throw new InvalidFieldError(field, `${field}: '${name}' cannot be imported: ${problem}`, { input: name });
    }
    if (request.freeu_enabled) {
      const reason = await models.freeuUnavailable(request.base_model_name);
      if (reason) {
        const msg = `freeu_enabled: FreeU cannot be applied to the UNet export of '${request.base_model_name}' (${reason}); send false`;
        throw new InvalidFieldError('freeu_enabled', msg, { input: true });
      }
    }
    // ---- ControlNet (issue 11): a PyraCanny/CPDS slot without its model is a 503 naming what to install ----
    for (const type of new Set(controlNetSlotsOf(request).map(({ slot }) => slot.cn_type as 'PyraCanny' | 'CPDS'))) {
      const reason = await models.controlNetUnavailable?.(type, request.base_model_name);
      if (reason) throw new FeatureUnavailableError(reason);
    }
    const refiner = refinerOf(request, 1);
    if (refiner) {
      const reason = await models.refinerUnavailable(refiner.model);
      if (reason) {
        const msg = `refiner_model_name: '${refiner.model}' cannot refine here (${reason}); choose an SDXL or SDXL-refiner checkpoint or None`;
        throw new InvalidFieldError('refiner_model_name', msg, { input: refiner.model });
      }
    }
  }

  /**
   * IP-Adapter image prompts need CLIP vision, their type's adapter (and for FaceSwap a face
   * detector) and a UNet whose attn2 can be rewritten. Checked after the images are resolved, so a
   * bad image is still answered as the bad image it is; nothing has been stored yet.
   */
  private async assertImagePromptModels(request: AdaptResult['request']): Promise<void> {
    const { models } = this.deps;
    const ipTypes = imagePromptTypesOf(request).filter((type) => type === 'ImagePrompt' || type === 'FaceSwap');
    if (ipTypes.length === 0) return;
    const missing = await models.imagePromptModelsMissing(ipTypes, request.skipping_cn_preprocessor);
    if (missing)
      throw new FeatureUnavailableError(
        `image prompts (${[...new Set(ipTypes)].join(', ')}) need models that are not installed: ${missing}`,
      );
    const reason = await models.imagePromptUnetUnavailable(request.base_model_name);
    if (reason)
      throw new InvalidFieldError(
        'controlnet_image',
        `controlnet_image: IP-Adapter image prompts cannot be applied to the UNet export of '${request.base_model_name}' (${reason})`,
        { input: null },
      );
  }

  /** The client's own webhook_url (the operator's --webhook-url is trusted). */
  private async assertWebhookTarget(url: string): Promise<void> {
    if (!url) return;
    const reason = await this.deps.webhookTargets(url);
    if (reason) throw new InvalidFieldError('webhook_url', `webhook_url: ${reason}`, { input: url });
  }

  /**
   * The cheap early check (before any image is decoded or fetched), waiting + running across the
   * cluster (DECISIONS §7: the limit is the store's, not this node's); insertIfRoom decides.
   */
  private async assertQueueRoom(dialect: Dialect, adapted: AdaptResult): Promise<void> {
    if (this.options.queueSize <= 0) return;
    if ((await this.repo.count({ statuses: UNFINISHED_STATUSES })) >= this.options.queueSize)
      throw new QueueFullError({ dialect, reply: adapted.reply });
  }

  /**
   * The adapter's substitutions plus what the engine mapping will not apply: the client hears of them in the reply
   * headers.
   */
  private warningsFor(adapted: AdaptResult): string[] {
    const { models } = this.deps;
    const warnings = [
      ...adapted.warnings,
      ...toEngineJob('', adapted.request, models.installedLoras(), models.expansionUnavailable()).warnings,
    ];
    if (adapted.request.base_model_name === models.demoModelName) {
      warnings.push(
        `'${models.demoModelName}' is a tiny random-weight demo checkpoint: its images are noise; install a real SDXL ONNX checkpoint under models/checkpoints/`,
      );
    }
    return warnings.map(this.deps.clientText);
  }

  /**
   * The id of the task accepted last, any dialect (legacy job-queue's last_job_id): the newest row,
   * whichever node accepted it; this node's own last one if that row has been deleted since.
   */
  async lastAcceptedTaskId(): Promise<string | null> {
    const [newest] = await this.repo.find({ newestFirst: true, limit: 1 });
    return newest?.taskId ?? this.lastAccepted;
  }

  /** Waiting + running and finished counts, both from the database (consistent with find()). */
  async queueCounts(): Promise<{ unfinished: number; finished: number }> {
    const counts = await this.repo.countByStatus();
    const sum = (statuses: readonly TaskStatus[]) => statuses.reduce((total, status) => total + counts[status], 0);
    return { unfinished: sum(UNFINISHED_STATUSES), finished: sum(FINISHED_STATUSES) };
  }

  /**
   * `--queue-history N`: keeps the newest N finished tasks of both dialects and deletes older rows
   * and their files (unless another task lists a file). Called after each finish.
   */
  applyRetention(): Promise<void> {
    const keep = this.options.queueHistory ?? 0;
    if (keep <= 0) return this.retention;
    const run = this.retention.then(async () => {
      const excess = (await this.repo.count({ statuses: FINISHED_STATUSES })) - keep;
      if (excess > 0) await this.deleteTasks(await this.repo.find({ statuses: FINISHED_STATUSES, limit: excess }));
    });
    // A failed run (reported to the caller) must not stop the next one.
    this.retention = run.catch(() => undefined);
    return run;
  }

  /** Frees the engine's sessions between jobs (legacy clean_vram). */
  releaseEngine(): Promise<void> {
    return this.runner.releaseEngine();
  }

  async find(taskId: string): Promise<TaskRecord | null> {
    const other = alternateIdForm(taskId);
    const kept = this.keptFinished(taskId) ?? (other ? this.keptFinished(other) : null);
    if (kept) return kept;
    const task = (await this.repo.findByTaskId(taskId)) ?? (other ? await this.repo.findByTaskId(other) : null);
    if (task && isFinished(task.status)) this.keepFinished(task);
    return task;
  }

  private keptFinished(taskId: string): TaskRecord | null {
    const kept = this.finishedRecords.get(taskId);
    if (!kept) return null;
    if (performance.now() - kept.at < FINISHED_RECORD_MAX_AGE_MS) return kept.task;
    this.finishedRecords.delete(taskId);
    return null;
  }

  private keepFinished(task: TaskRecord): void {
    this.finishedRecords.delete(task.taskId);
    this.finishedRecords.set(task.taskId, { task, at: performance.now() });
    if (this.finishedRecords.size > FINISHED_RECORDS_KEPT)
      this.finishedRecords.delete(this.finishedRecords.keys().next().value as string);
  }

  async get(taskId: string): Promise<TaskRecord> {
    const task = await this.find(taskId);
    if (!task) throw new NotFoundError('Task not found');
    return task;
  }

  list(query: TaskQuery): Promise<TaskRecord[]> {
    return this.repo.find(query);
  }

  count(query: TaskQuery): Promise<number> {
    return this.repo.count(query);
  }

  /** Running and pending tasks in the whole store (GET /health): see ACTIVE_COUNTS_MAX_AGE_MS. */
  activeCounts(): Promise<{ running: number; pending: number }> {
    return this.counts.get();
  }

  current(): TaskRecord | null {
    return this.hub.current();
  }

  /** Resolves with the final record (immediately if it has already ended). */
  waitForFinish(taskId: string): Promise<TaskRecord> {
    return new Promise((resolve, reject) => {
      const unsubscribe = this.hub.subscribe(taskId, (event) => {
        if (event.type !== 'finished') return;
        unsubscribe();
        resolve(event.task);
      });
      // The task may have finished between acceptance and subscription.
      this.repo.findByTaskId(taskId).then((task) => {
        if (task && isFinished(task.status)) {
          unsubscribe();
          resolve(task);
        }
      }, reject);
    });
  }

  async cancel(taskId: string): Promise<{ task: TaskRecord; isCancelled: boolean }> {
    const task = await this.get(taskId);
    return { task, isCancelled: await this.runner.cancel(task) };
  }

  /** `/v1/engine/control`: the original's replies, misspellings included (fooocusapi-new.md §14). */
  control(action: string): string {
    if (action !== 'stop' && action !== 'skip') return 'Invalid control action';
    if (!this.hub.current()) return 'No task running';
    if (action === 'stop') {
      this.runner.stopCurrent();
      return 'task stoped';
    }
    this.runner.skipCurrent();
    return 'task skiped';
  }

  /** Deletes finished tasks and their files; a file another task still lists is kept (DECISIONS §3). */
  async deleteTasks(tasks: TaskRecord[]): Promise<void> {
    const done = tasks.filter((t) => isFinished(t.status));
    const ids = done.map((t) => t.taskId);
    for (const file of new Set(done.flatMap((t) => t.result.map((r) => r.file)))) {
      if (!(await this.repo.isFileReferenced(file, ids))) await this.deps.outputs.remove(file);
    }
    await this.repo.deleteByTaskIds(ids);
    for (const id of ids) this.finishedRecords.delete(id);
  }
}
