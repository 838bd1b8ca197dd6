/**
 * Webhook bodies per dialect (DECISIONS §3): all-in-one sends the task row, by default as
 * FooocusAPI did — the row's JSON text encoded again as a JSON string — or as a plain object with
 * `--webhook-format object`; legacy sends `{job_id, job_result:[{url, seed}]}`.
 */
import { toTaskRow } from '../../adapters/all-in-one/task-response.ts';
import { stringifyJson } from '../json/big-json.ts';
import { pythonJsonDumps } from '../json/python-json.ts';
import type { WebhookSender } from '../webhooks/webhook-sender.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';

export interface TaskNotifierOptions {
  baseUrl: string;
  format: 'string' | 'object';
  /** The operator's own --webhook-url is trusted (no SSRF guard); per-request URLs are not. */
  globalWebhookUrl: string;
}

export function webhookBody(task: TaskRecord, options: TaskNotifierOptions): string {
  if (task.dialect === 'legacy') {
    const files = task.status === 'failed' ? [] : task.result;
    return stringifyJson({
      job_id: task.taskId,
      job_result: files.map((r) => ({ url: `${options.baseUrl}/files/${r.file}`, seed: r.seed.toString() })),
    });
  }
  const row = toTaskRow(task, options.baseUrl);
  return options.format === 'object' ? stringifyJson(row) : pythonJsonDumps(pythonJsonDumps(row, false));
}

export function createTaskNotifier(sender: WebhookSender, options: TaskNotifierOptions): (task: TaskRecord) => void {
  return (task) => {
    if (!task.webhookUrl) return;
    sender.send({
      url: task.webhookUrl,
      body: webhookBody(task, options),
      isTrusted: task.webhookUrl === options.globalWebhookUrl,
    });
  };
}
