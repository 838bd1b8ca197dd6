// History from GET /tasks (newest first, paged), with each task's images and a delete.
import { deleteTasksQueuedIn, getJson } from './api.js';

const PAGE_SIZE = 8;
const $ = (id) => document.getElementById(id);

/** `YYYY-MM-DDTHH:MM:SS` in local time, the form /tasks reads start_at and end_at in. */
function localDateTime(mills) {
  const d = new Date(mills);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function statusOf(row) {
  if (row.error) return `failed: ${row.error}`;
  return row.task_status ?? 'running';
}

export class History {
  constructor(onError) {
    this.page = 0;
    this.onError = onError;
    $('history-prev').addEventListener('click', () => this.show(Math.max(0, this.page - 1)));
    $('history-next').addEventListener('click', () => this.show(this.page + 1));
    $('history-refresh').addEventListener('click', () => this.show(this.page));
  }

  async show(page = this.page) {
    try {
      const lists = await getJson(`/tasks?query=history&page=${page}&page_size=${PAGE_SIZE}`);
      this.page = page;
      this.render(lists.history);
    } catch (error) {
      this.onError(error);
    }
  }

  render(rows) {
    $('history-page').textContent = `page ${this.page + 1}`;
    $('history-prev').disabled = this.page === 0;
    $('history-next').disabled = rows.length < PAGE_SIZE;
    const list = $('history');
    list.replaceChildren();
    for (const row of rows) {
      const item = document.createElement('li');
      item.dataset.taskId = row.task_id;
      for (const url of row.result.slice(0, 4)) {
        const img = document.createElement('img');
        img.src = url;
        img.alt = `result of ${row.task_id}`;
        item.append(img);
      }
      const meta = document.createElement('div');
      meta.className = 'meta';
      const prompt = row.req_params?.prompt || '(no prompt)';
      meta.textContent = `${new Date(row.in_queue_mills).toLocaleString()} · ${statusOf(row)} · ${prompt} · seed ${row.req_params?.image_seed ?? ''}`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.title = 'Deletes this task and its files (with any other finished task queued within the same second)';
      remove.disabled = row.task_status === null;
      remove.addEventListener('click', () => this.remove(row));
      item.append(meta, remove);
      list.append(item);
    }
  }

  async remove(row) {
    try {
      const second = Math.floor(row.in_queue_mills / 1000) * 1000;
      await deleteTasksQueuedIn(localDateTime(second), localDateTime(second + 1000));
      await this.show(this.page);
    } catch (error) {
      this.onError(error);
    }
  }
}
