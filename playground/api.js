// The playground's only door to the server: the documented HTTP API, with the API key when one is set.
const KEY_STORAGE = 'fooocus-gateway.apiKey';

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, 'X-API-KEY': key } : extra;
}

/** Readable text of an error reply (`{"detail": ...}` in both dialects, pydantic lists included). */
async function describeError(res) {
  const text = await res.text();
  try {
    const detail = JSON.parse(text).detail;
    if (Array.isArray(detail)) return detail.map((d) => d.msg).join('; ');
    if (typeof detail === 'string') return detail;
  } catch {
    // not JSON: the text as it is
  }
  return `${res.status} ${text.slice(0, 300)}`;
}

/** Integers beyond 2^53 (seeds) keep their exact digits, as strings (JSON.parse source text access). */
function exactIntegers(_key, value, context) {
  return typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value) && context?.source
    ? context.source
    : value;
}

export async function getJson(path) {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw new Error(await describeError(res));
  return JSON.parse(await res.text(), exactIntegers);
}

/** Text of a JSON body that keeps 64-bit seeds exact: `image_seed` goes out as digits, unquoted. */
export function toJsonWithExactSeed(body) {
  const { image_seed: seed, ...rest } = body;
  const text = JSON.stringify({ ...rest, image_seed: '__SEED__' });
  return /^-?\d+$/.test(String(seed)) ? text.replace('"__SEED__"', String(seed)) : text.replace('"__SEED__"', '-1');
}

export async function postGenerate(body) {
  const res = await fetch('/v1/engine/generate/', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: toJsonWithExactSeed(body),
  });
  if (!res.ok) throw new Error(await describeError(res));
  return res.json();
}

export async function cancelTask(taskId) {
  const res = await fetch(`/tasks/${taskId}/cancel`, { method: 'POST', headers: headers() });
  if (!res.ok && res.status !== 409) throw new Error(await describeError(res));
}

export async function deleteTasksQueuedIn(startAt, endAt) {
  const query = new URLSearchParams({ action: 'delete', start_at: startAt, end_at: endAt });
  const res = await fetch(`/tasks?${query}`, { headers: headers() });
  if (!res.ok) throw new Error(await describeError(res));
}

/**
 * Follows `/tasks/{id}/events` (server-sent events with ids) until the final event, reconnecting
 * with `Last-Event-ID` when the connection drops. fetch, not EventSource: it can send the API key.
 */
export async function followTask(taskId, onEvent, signal) {
  let lastId = '';
  for (let attempt = 0; attempt < 30 && !signal.aborted; attempt++) {
    try {
      const res = await fetch(`/tasks/${taskId}/events`, {
        headers: headers(lastId ? { 'Last-Event-ID': lastId } : {}),
        signal,
      });
      if (res.status === 204) return;
      if (!res.ok) throw new Error(await describeError(res));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 4);
          const id = /^id: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (id) lastId = id;
          if (data) onEvent(JSON.parse(data), id === 'done');
          if (id === 'done') return;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (attempt === 29) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
