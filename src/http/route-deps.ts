import type { ServerSnapshot } from '../../adapters/server-snapshot.ts';
import type { EngineInfo } from '../../engine/protocol.ts';
import type { ImageCodec } from '../images/image-codec.ts';
import type { InputResolver } from '../inputs/input-resolver.ts';
import type { IdSource, OutputStore } from '../tasks/ports.ts';
import type { TaskEventHub } from '../tasks/task-events.ts';
import type { TaskService } from '../tasks/task.service.ts';

/** Everything route handlers may call: services and read-only views, never entities or the engine. */
export interface RouteDeps {
  service: TaskService;
  hub: TaskEventHub;
  inputs: InputResolver;
  outputs: OutputStore;
  codec: ImageCodec;
  ids: IdSource;
  baseUrl: string;
  dataDir: string;
  snapshot(): Promise<ServerSnapshot>;
  listModels(): Promise<{ models: string[]; loras: string[] }>;
  engineInfo(): EngineInfo | null;
  queueDepth(): { running: number; pending: number };
  now(): number;
}
