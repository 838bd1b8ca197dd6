/**
 * Task record → all-in-one wire bodies (fooocusapi-new.md §10, §11): the 10-key row (+ our additive
 * `error` and `warnings`), the 11-key "current" record, the async stub and the stream events.
 */
import {
  CONTROLNET_SLOTS,
  DEFAULT_ENHANCE_CTRL,
  DEFAULT_IMAGE_PROMPT,
  ENHANCE_SLOTS,
  MAX_LORAS,
  NO_LORA,
  type CommonRequest,
  type ImageInput,
} from '../common-request.ts';
import { isFinished, type LiveProgress, type TaskRecord, type TaskStatus } from '../task-record.ts';

export function inputUrl(baseUrl: string, image: ImageInput): string {
  switch (image.kind) {
    case 'stored':
      return `${baseUrl}/inputs/${image.file}`;
    case 'url':
      return image.url;
    default:
      return '';
  }
}

export const outputUrl = (baseUrl: string, file: string) => `${baseUrl}/outputs/${file}`;

/** req_params as FooocusAPI stores and returns them (§8.1): flat loras, URL-ized images, padded slots. */
export function toReqParams(request: CommonRequest, baseUrl: string): Record<string, unknown> {
  const loras: unknown[] = [];
  for (let i = 0; i < MAX_LORAS; i++) {
    const lora = request.loras[i];
    loras.push(...(lora ? [lora.enabled, lora.model_name, lora.weight] : [true, NO_LORA, 1.0]));
  }
  const controlnet = Array.from({ length: CONTROLNET_SLOTS }, (_, i) => {
    const slot = request.controlnet_image[i];
    return slot
      ? {
          cn_img: inputUrl(baseUrl, slot.cn_img),
          cn_stop: slot.cn_stop,
          cn_weight: slot.cn_weight,
          cn_type: slot.cn_type,
        }
      : { cn_img: '', ...DEFAULT_IMAGE_PROMPT };
  });
  const enhance = [...request.enhance_ctrls];
  while (enhance.length < ENHANCE_SLOTS) enhance.push({ ...DEFAULT_ENHANCE_CTRL });
  return {
    ...request,
    loras,
    controlnet_image: controlnet,
    enhance_ctrls: enhance,
    uov_input_image: inputUrl(baseUrl, request.uov_input_image),
    inpaint_input_image: inputUrl(baseUrl, request.inpaint_input_image),
    inpaint_mask_image_upload: inputUrl(baseUrl, request.inpaint_mask_image_upload),
    enhance_input_image: inputUrl(baseUrl, request.enhance_input_image),
    save_name: request.save_name ?? '',
  };
}

/** The all-in-one dialect has no `failed` (DECISIONS §3): failures read `finished` + empty result + `error`. */
export function toAllInOneStatus(status: TaskStatus): string | null {
  switch (status) {
    case 'pending':
    case 'running':
      return null;
    case 'stopped':
    case 'cancelled':
      return 'stop';
    case 'skipped':
      return 'skip';
    default:
      return 'finished';
  }
}

/** History/pending item and synchronous reply: the database row shape (no `preview`). */
export function toTaskRow(task: TaskRecord, baseUrl: string): Record<string, unknown> {
  return {
    id: task.id,
    task_id: task.taskId,
    req_params: toReqParams(task.request, baseUrl),
    in_queue_mills: task.inQueueMills,
    start_mills: task.startMills,
    finish_mills: task.finishMills,
    task_status: toAllInOneStatus(task.status),
    progress: isFinished(task.status) ? 100 : null,
    webhook_url: task.webhookUrl,
    result: task.result.map((r) => outputUrl(baseUrl, r.file)),
    error: task.error,
    warnings: task.warnings,
  };
}

/** The running task as `/tasks/{id}` and `/tasks?query=current` show it (§11.4). */
export function toCurrentRecord(task: TaskRecord, live: LiveProgress | null, baseUrl: string): Record<string, unknown> {
  return {
    id: -1,
    task_id: task.taskId,
    req_params: toReqParams(task.request, baseUrl),
    in_queue_mills: task.inQueueMills,
    start_mills: task.startMills ?? -1,
    finish_mills: -1,
    task_status: 'running',
    progress: live?.percent ?? 0,
    preview: live ? live.preview : '',
    webhook_url: '',
    result: [],
  };
}

/** The async reply: FooocusAPI's stub, plus the webhook URL the task will call (additive; '' for none). */
export function toPendingStub(task: Pick<TaskRecord, 'taskId' | 'webhookUrl'>): Record<string, unknown> {
  return {
    id: -1,
    task_id: task.taskId,
    req_params: {},
    in_queue_mills: -1,
    start_mills: -1,
    finish_mills: -1,
    task_status: 'pending',
    progress: -1,
    preview: '',
    webhook_url: task.webhookUrl,
    result: [],
  };
}

export interface StreamEvent {
  progress: number;
  preview: string | null;
  message: string;
  images: string[];
  error?: string;
  /** Ours (additive, after the original four keys): queue position while pending (1 = next). */
  queue_position?: number;
  /** Ours: seconds until the task should finish, from recent step timings; null before any was timed. */
  eta_seconds?: number | null;
  /** Ours: the demo checkpoint's name when the task runs on it (its images are noise). */
  demo_model?: string;
}

export function toProgressEvent(live: LiveProgress): StreamEvent {
  return {
    progress: live.percent,
    preview: live.preview ? `data:image/png;base64,${live.preview}` : null,
    message: live.message,
    images: [],
  };
}

export function toFinishedEvent(task: TaskRecord, baseUrl: string): StreamEvent {
  const event: StreamEvent = {
    progress: 100,
    preview: null,
    message: 'Finished',
    images: task.result.map((r) => outputUrl(baseUrl, r.file)),
  };
  if (task.error) event.error = task.error;
  return event;
}
