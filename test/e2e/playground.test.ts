/**
 * The playground in headless Chromium against the real server and engine on the demo checkpoint:
 * the demo banner, a generation with live step previews and its final image, the task in history,
 * and a running task cancelled from the page.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserPerFile } from '../fixtures/browser.ts';
import { startServerProcess, waitFor, type ServerProcess } from '../fixtures/server-process.ts';

let server: ServerProcess;
let root: string;
const browsers = browserPerFile();
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-playground-'));
  server = await startServerProcess(['--data-dir', join(root, 'outputs'), '--models-dir', join(root, 'models')]);
});
after(async () => {
  await browsers.close();
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

/** Fills the form for a small image with enough steps that previews are paced out (30 at 256×256). */
async function fillSmall(page: Page, prompt: string, steps: number, images = 1): Promise<void> {
  await page.fill('#prompt', prompt);
  await page.selectOption('#aspect_ratios_selection', '256*256');
  await page.fill('#image_number', String(images));
  await page.locator('#advanced summary').click();
  await page.fill('#overwrite_step', String(steps));
}

async function task(taskId: string): Promise<{ task_status: string | null; result: string[] }> {
  return (await (await fetch(`${server.url}/tasks/${taskId}`)).json()) as {
    task_status: string | null;
    result: string[];
  };
}

test('generates on the demo checkpoint: banner, step previews, final image, then the task in history', async (t) => {
  const browser = await browsers.get(t);
  if (!browser) return;
  const page = await browser.context.newPage();
  try {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/playground`);
    await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('#demo-banner').innerText(), /Demo model in use: tiny-sdxl-demo .* noise/);
    assert.equal(await page.locator('#base_model_name').inputValue(), 'tiny-sdxl-demo');
    assert.ok((await page.locator('input[name=style]').count()) > 100, 'styles loaded from the API');

    await fillSmall(page, 'a playground cat', 30);
    await page.click('#generate');
    await page.locator('body[data-task-id]').waitFor();
    const taskId = await page.locator('body').getAttribute('data-task-id');
    assert.match(taskId ?? '', /^[0-9a-f]{32}$/);
    const figure = page.locator('#gallery figure img');
    await figure.first().waitFor({ timeout: 120_000 });
    const preview = await page.locator('#preview').getAttribute('src');
    assert.match(preview ?? '', /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/, 'at least one step preview was shown');
    await waitFor('the result image to load', () =>
      figure
        .first()
        .evaluate(
          (img) =>
            ((img as unknown as { complete: boolean; naturalWidth: number }).complete &&
              (img as unknown as { naturalWidth: number }).naturalWidth === 256) ||
            undefined,
        ),
    );
    assert.equal((await task(taskId!)).task_status, 'finished');

    const row = page.locator(`#history li[data-task-id="${taskId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /finished · a playground cat/);
    // The seed shown is the stored int64, digit for digit (random seeds are mostly above 2^53).
    const seed = /"image_seed": ?(\d+)/.exec(await (await fetch(`${server.url}/tasks/${taskId}`)).text())?.[1];
    assert.ok(seed);
    assert.match(await row.locator('.meta').innerText(), new RegExp(`seed ${seed}$`));
    assert.equal(await row.locator('img').count(), 1);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('cancels a running task from the page', async (t) => {
  const browser = await browsers.get(t);
  if (!browser) return;
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.url}/playground`);
    await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
    await fillSmall(page, 'a long one', 200, 4);
    await page.click('#generate');
    await page.locator('body[data-task-id]').waitFor();
    const taskId = (await page.locator('body').getAttribute('data-task-id'))!;
    // Running: the page shows sampling progress from the task's event stream.
    await page.locator('#status', { hasText: 'Sampling step' }).waitFor({ timeout: 120_000 });
    await page.click('#cancel');
    await page.locator('#generate:not([disabled])').waitFor({ timeout: 60_000 });
    assert.equal((await task(taskId)).task_status, 'stop');
    const row = page.locator(`#history li[data-task-id="${taskId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /stop · a long one/);
  } finally {
    await page.close();
  }
});
