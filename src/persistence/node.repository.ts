/**
 * NodeRegistry on the `nodes` table: a row per node name, heartbeats on the store's clock, and the
 * tasks each node holds read from `tasks` (no second copy of who runs what).
 */
import type { DataSource, Repository } from 'typeorm';
import type { NodeInfo, NodeRegistry, NodeStatus } from '../tasks/cluster.types.ts';
import { NodeEntity, type NodeRow } from './entities/node.entity.ts';
import { TaskEntity, type TaskRow } from './entities/task.entity.ts';
import { storeNowSql } from './store-clock.ts';

export class TypeOrmNodeRegistry implements NodeRegistry {
  private readonly nodes: Repository<NodeRow>;
  private readonly tasks: Repository<TaskRow>;
  private readonly now: string;

  constructor(dataSource: DataSource) {
    this.nodes = dataSource.getRepository(NodeEntity);
    this.tasks = dataSource.getRepository(TaskEntity);
    this.now = storeNowSql(dataSource);
  }

  /** A restarted node keeps its row and its count; everything else is rewritten. */
  async register(node: NodeInfo): Promise<void> {
    await this.nodes
      .createQueryBuilder()
      .insert()
      .into(NodeEntity)
      .values({
        name: node.name,
        engines: node.engines,
        devices: JSON.stringify(node.devices),
        baseUrl: node.baseUrl,
        startedMills: () => this.now,
        heartbeatMills: () => this.now,
        stoppedMills: null,
        tasksCompleted: 0,
      })
      .orUpdate(['engines', 'devices', 'base_url', 'started_mills', 'heartbeat_mills', 'stopped_mills'], ['name'])
      .updateEntity(false)
      .execute();
  }

  async heartbeat(name: string): Promise<void> {
    await this.nodes
      .createQueryBuilder()
      .update(NodeEntity)
      .set({ heartbeatMills: () => this.now })
      .where('name = :name', { name })
      .execute();
  }

  async countCompleted(name: string): Promise<void> {
    await this.nodes
      .createQueryBuilder()
      .update(NodeEntity)
      .set({ tasksCompleted: () => 'tasks_completed + 1' })
      .where('name = :name', { name })
      .execute();
  }

  async markStopped(name: string): Promise<void> {
    await this.nodes
      .createQueryBuilder()
      .update(NodeEntity)
      .set({ stoppedMills: () => this.now })
      .where('name = :name', { name })
      .execute();
  }

  async list(leaseMs: number): Promise<NodeStatus[]> {
    const [rows, running, [{ now }]] = await Promise.all([
      this.nodes.createQueryBuilder('n').orderBy('n.name', 'ASC').getMany(),
      this.tasks
        .createQueryBuilder('t')
        .select(['t.id', 't.taskId', 't.nodeName'])
        .where(`t.status = 'running'`)
        .orderBy('t.id', 'ASC')
        .getMany(),
      this.nodes.query(`SELECT ${this.now} AS "now"`) as Promise<Array<{ now: number | string }>>,
    ]);
    const storeNow = Number(now);
    return rows.map((row) => ({
      name: row.name,
      engines: row.engines,
      devices: JSON.parse(row.devices) as string[],
      baseUrl: row.baseUrl,
      startedMills: row.startedMills,
      heartbeatMills: row.heartbeatMills,
      stoppedMills: row.stoppedMills,
      tasksCompleted: row.tasksCompleted,
      runningTasks: running.filter((task) => task.nodeName === row.name).map((task) => task.taskId),
      state: row.stoppedMills !== null ? 'stopped' : storeNow - row.heartbeatMills > leaseMs ? 'lost' : 'up',
    }));
  }
}
