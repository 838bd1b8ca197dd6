/**
 * What the legacy reply adapters need from the server: the base URL, the `--legacy-base64` form,
 * and — when the task asked for `require_base64` — its result files already read (the adapters are
 * pure, so the bytes are loaded here first). Raw form is the base64 of a PNG (≤ v0.4, converted in
 * the codec worker when the file is not a PNG); data-uri form is the stored file itself (v0.5).
 */
import type { LegacyReplyOptions } from '../../adapters/legacy/job-response.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';
import type { RouteDeps } from './route-deps.ts';

async function base64OfFile(deps: RouteDeps, file: string): Promise<string | undefined> {
  const bytes = await deps.files.readOutput(file).catch(() => undefined);
  if (!bytes) return undefined;
  const isPng = file.toLowerCase().endsWith('.png');
  const body = deps.legacyBase64 === 'raw' && !isPng ? await deps.codec.convert(bytes, 'png') : bytes;
  return Buffer.from(body).toString('base64');
}

export async function legacyReplyOptions(deps: RouteDeps, task: TaskRecord): Promise<LegacyReplyOptions> {
  const options: LegacyReplyOptions = { baseUrl: deps.baseUrl, base64Form: deps.legacyBase64 };
  if (!task.request.require_base64 || task.result.length === 0) return options;
  const encoded = new Map<string, string | undefined>();
  for (const { file } of task.result) if (!encoded.has(file)) encoded.set(file, await base64OfFile(deps, file));
  return { ...options, base64Of: (file) => encoded.get(file) };
}
