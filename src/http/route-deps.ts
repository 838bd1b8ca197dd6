import type { ServerSnapshot } from '../../adapters/server-snapshot.ts';
import type { EngineInfo } from '../../engine/index.ts';
import type { ImageCodec } from '../images/image-codec.ts';
import type { StoredFiles } from '../storage/stored-files.ts';
import type { NodeStatus } from '../tasks/cluster.types.ts';
import type { IdSource } from '../tasks/ports.ts';
import type { TaskEventHub } from '../tasks/task-events.ts';
import type { TaskService } from '../tasks/task.service.ts';
import type { QueueView } from '../queue/queue-view.ts';
import type { DescribeToolRequest, MaskToolRequest } from '../../adapters/tools/tool-requests.ts';
import type { DescribeOutcome, MaskOutcome } from '../tools/tools-client.ts';

/** The model catalogue as routes see it: a rescan for each generation request, and the listings. */
export interface CatalogueView {
  refresh(): Promise<ServerSnapshot>;
  listModels(options?: { force?: boolean }): Promise<{ models: string[]; loras: string[] }>;
  /** Style names clients may send (fixed for the server's life). */
  styles(): readonly string[];
  /** Set while the random-weight demo checkpoint is the installed one (DECISIONS §4): replies say so. */
  readonly demoModelName: string | null;
}

/** This node and the cluster it belongs to, as GET /health shows them (DECISIONS §7). */
export interface NodeView {
  name: string;
  engines(): { device: string; info: EngineInfo | null }[];
  runningHere(): string[];
  cluster(): Promise<NodeStatus[]>;
}

/** The describe and mask tools (src/tools/tools-service.ts): run at once, not queued. */
export interface ToolsView {
  describe(request: DescribeToolRequest): Promise<DescribeOutcome>;
  mask(request: MaskToolRequest): Promise<MaskOutcome>;
}

/** Everything route handlers may call: services and read-only views, never entities or the engine. */
export interface RouteDeps {
  service: TaskService;
  hub: TaskEventHub;
  catalogue: CatalogueView;
  codec: ImageCodec;
  ids: IdSource;
  baseUrl: string;
  /** `--legacy-base64`: legacy results' base64 as raw PNG base64 (≤ v0.4) or data URIs (v0.5). */
  legacyBase64: 'raw' | 'data-uri';
  files: StoredFiles;
  engineInfo(): EngineInfo | null;
  node: NodeView;
  /** Position and ETA of pending tasks, ETA of the running one. */
  queue: QueueView;
  tools: ToolsView;
  now(): number;
}
