/**
 * The store side of the composition root (DECISIONS §7): the database (migrations run), the task
 * repository, claims, node registry and live rows, and the event bus — PostgreSQL LISTEN/NOTIFY when
 * the store is shared, an in-process bus when it is one node's sqlite file. Also the node's engines.
 */
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { LocalEventBus } from '../cluster/local-event-bus.ts';
import { PostgresEventBus } from '../cluster/postgres-event-bus.ts';
import type { Config } from '../config/config.ts';
import { ChildEngineClient } from '../engine-client/child-engine-client.ts';
import type { Logger } from '../logging/logger.ts';
import { closeDatabase, openDatabase } from '../persistence/data-source.ts';
import { TypeOrmNodeRegistry } from '../persistence/node.repository.ts';
import { TypeOrmTaskClaims } from '../persistence/task-claims.repository.ts';
import { TypeOrmLiveProgressStore } from '../persistence/task-live.repository.ts';
import { TypeOrmTaskRepository } from '../persistence/task.repository.ts';
import type { ClusterBus } from '../tasks/cluster.types.ts';
import type { EngineClient } from '../tasks/ports.ts';

export interface TaskStore {
  dataSource: DataSource;
  repo: TypeOrmTaskRepository;
  claims: TypeOrmTaskClaims;
  nodes: TypeOrmNodeRegistry;
  live: TypeOrmLiveProgressStore;
  bus: ClusterBus;
  /** PostgreSQL: other nodes may share it. */
  isShared: boolean;
  close(): Promise<void>;
}

/** `--node-name`, else `<host name>:<port>` (unique per host, since two processes cannot share a port). */
export function nodeNameOf(config: Config): string {
  return config.nodeName ?? `${hostname()}:${config.port}`;
}

export async function openTaskStore(config: Config, nodeName: string, logger: Logger): Promise<TaskStore> {
  const target = config.database;
  const dataSource = await openDatabase(target, { applicationName: `fooocus-gateway ${nodeName}`.slice(0, 63) });
  let bus: ClusterBus;
  try {
    bus =
      target.kind === 'postgres'
        ? await PostgresEventBus.connect({
            url: target.url,
            nodeName,
            logger,
            applicationName: `fooocus-gateway events ${nodeName}`.slice(0, 63),
          })
        : new LocalEventBus();
  } catch (error) {
    await closeDatabase(dataSource);
    throw error;
  }
  return {
    dataSource,
    repo: new TypeOrmTaskRepository(dataSource),
    claims: new TypeOrmTaskClaims(dataSource, config.leaseSeconds * 1000),
    nodes: new TypeOrmNodeRegistry(dataSource),
    live: new TypeOrmLiveProgressStore(dataSource),
    bus,
    isShared: target.kind === 'postgres',
    close: async () => {
      await bus.close();
      await closeDatabase(dataSource);
    },
  };
}

/** How an engine slot is shown in /health: `cpu`, `auto`, `cuda:1`. */
export function slotLabel(slot: Config['engines'][number]): string {
  return slot.gpuIndex === null ? slot.device : `${slot.device}:${slot.gpuIndex}`;
}

/**
 * One engine child per slot. Several CPU engines split the cores between them (each would
 * otherwise take all but one), so the gateway's loop keeps a core.
 */
export function createEngines(config: Config, logger: Logger, onRestart?: () => void): EngineClient[] {
  const cpuEngines = config.engines.filter((slot) => slot.device === 'cpu' || slot.device === 'auto').length;
  const threads = cpuEngines > 1 ? Math.max(1, Math.floor((availableParallelism() - 1) / cpuEngines)) : undefined;
  return config.engines.map((slot) => {
    const engine = new ChildEngineClient({
      modelsDir: config.modelsDir,
      fooocusModelsDir: config.fooocusModelsDir,
      stylesDir: config.stylesDir,
      wildcardsDir: config.wildcardsDir,
      inputsDir: join(config.dataDir, 'inputs'),
      onRestart,
      device: slot.device,
      gpuIndex: slot.gpuIndex,
      threads: slot.device === 'cpu' || slot.device === 'auto' ? threads : undefined,
      logger,
    });
    engine.start();
    return engine;
  });
}
