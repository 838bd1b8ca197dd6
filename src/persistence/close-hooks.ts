/**
 * Work that must finish before a data source closes (prepared statements to finalize). closeDatabase
 * runs the hooks; they live apart from data-source.ts so that repositories can register without
 * importing the module that builds them.
 */
import type { DataSource } from 'typeorm';

const hooks = new WeakMap<DataSource, Array<() => Promise<void>>>();

export function beforeClose(dataSource: DataSource, hook: () => Promise<void>): void {
  const list = hooks.get(dataSource) ?? [];
  list.push(hook);
  hooks.set(dataSource, list);
}

export async function runCloseHooks(dataSource: DataSource): Promise<void> {
  const list = hooks.get(dataSource) ?? [];
  hooks.delete(dataSource);
  for (const hook of list) await hook();
}
