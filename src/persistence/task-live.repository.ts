/** LiveProgressStore on the `task_live` table: one row per running task, overwritten by each step. */
import type { DataSource, Repository } from 'typeorm';
import type { LiveProgressStore, LiveSnapshot } from '../tasks/cluster.types.ts';
import { TaskLiveEntity, type TaskLiveRow } from './entities/task-live.entity.ts';

export class TypeOrmLiveProgressStore implements LiveProgressStore {
  private readonly rows: Repository<TaskLiveRow>;

  constructor(
    dataSource: DataSource,
    private readonly now: () => number = Date.now,
  ) {
    this.rows = dataSource.getRepository(TaskLiveEntity);
  }

  async write(taskId: string, live: LiveSnapshot): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .insert()
      .into(TaskLiveEntity)
      .values({ taskId, percent: live.percent, message: live.message, preview: live.preview, updatedMills: this.now() })
      .orUpdate(['percent', 'message', 'preview', 'updated_mills'], ['task_id'])
      .updateEntity(false)
      .execute();
  }

  async read(taskId: string): Promise<LiveSnapshot | null> {
    const row = await this.rows.findOneBy({ taskId });
    return row ? { percent: row.percent, message: row.message, preview: row.preview } : null;
  }

  async remove(taskId: string): Promise<void> {
    await this.rows.delete({ taskId });
  }
}
