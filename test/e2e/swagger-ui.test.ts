/**
 * Swagger UI in headless Chromium, as a person uses it: every operation of both dialects expands
 * without a render error; "Try it out" runs the prefilled JSON example, a JSON body with a seed above
 * 2^53 (shown back exactly), and a multipart upload picked through the file input. Also ReDoc renders.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserPerFile, type launchBrowser } from '../fixtures/browser.ts';
import { makePng } from '../fixtures/images.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
const browser = browserPerFile();
before(async () => {
  server = await startTestServer({
    overrides: {
      supportedModes: ['Text to Image', 'Image Upscale or Variation', 'Image Inpaint or Outpaint', 'Image Prompt'],
      supportedImagePromptTypes: ['ImagePrompt', 'FaceSwap', 'PyraCanny', 'CPDS'],
    },
  });
});
after(async () => {
  await browser.close();
  await server?.close();
});

async function withPage(t: Parameters<typeof launchBrowser>[0], run: (page: Page) => Promise<void>): Promise<void> {
  const opened = await browser.get(t);
  if (!opened) return;
  const page = await opened.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await run(page);
    assert.deepEqual(errors, [], 'uncaught errors in the page');
  } finally {
    await page.close();
  }
}

async function operationCount(spec: string): Promise<number> {
  const doc = (await (await fetch(`${server.url}/openapi/${spec}.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
}

/** Opens one operation and presses "Try it out". */
async function tryOut(page: Page, operationId: string) {
  const block = page.locator(`.opblock[id$="-${operationId}"]`);
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  return block;
}

async function execute(block: ReturnType<Page['locator']>): Promise<{ status: string; body: string }> {
  // A previous reply is cleared first, so the row read below is this execution's.
  const clear = block.locator('button.btn-clear');
  if ((await clear.count()) > 0) await clear.first().click();
  await block.locator('button.execute').click();
  const row = block.locator('.live-responses-table tbody tr.response').first();
  await row.waitFor({ timeout: 30_000 });
  return {
    status: (await row.locator('.response-col_status').innerText()).trim(),
    body: await row.locator('.response-col_description').innerText(),
  };
}

for (const spec of ['all-in-one', 'legacy']) {
  test(`every operation of the ${spec} spec expands in Swagger UI without a render error`, async (t) => {
    const expected = await operationCount(spec);
    await withPage(t, async (page) => {
      await page.goto(`${server.url}/docs/?urls.primaryName=${spec}`);
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      const blocks = page.locator('.opblock');
      assert.equal(await blocks.count(), expected, 'operations listed');
      // Every summary clicked in one go: clicked one by one, each click re-rendered every operation
      // already open (time growing with the square of their number).
      // Page-side code as strings: the test's TypeScript has no DOM types.
      await page.evaluate(`document.querySelectorAll('.opblock .opblock-summary-control').forEach((s) => s.click())`);
      await page.waitForFunction(`document.querySelectorAll('.opblock-body').length === ${expected}`);
      // Let lazily rendered parameter and schema views settle.
      await page.waitForTimeout(500);
      const text = await page.locator('#swagger-ui').innerText();
      assert.ok(
        !/Could not render|😱/.test(text),
        `render error in the ${spec} spec: ${/.{0,200}Could not render.{0,200}/s.exec(text)?.[0]}`,
      );
      assert.equal(await page.locator('.opblock-body').count(), expected, 'every operation expanded');
    });
  });
}

test('Try it out runs the prefilled JSON example and shows a seed above 2^53 exactly as the server sent it', async (t) => {
  await withPage(t, async (page) => {
    await page.goto(`${server.url}/docs/?urls.primaryName=all-in-one`);
    const block = await tryOut(page, 'generate');
    const example = await execute(block);
    assert.equal(example.status, '200', example.body.slice(0, 500));
    assert.match(example.body, /"task_id": "[0-9a-f]{32}"/);
    const body = block.locator('textarea.body-param__text');
    await body.fill(
      JSON.stringify({ prompt: 'swagger', aspect_ratios_selection: '256*256', image_seed: '__SEED__' }).replace(
        '"__SEED__"',
        '9007199254740993',
      ),
    );
    const exact = await execute(block);
    assert.equal(exact.status, '200', exact.body.slice(0, 500));
    assert.match(
      exact.body,
      /"image_seed": 9007199254740993\b/,
      'the seed the server stored and returned, not rounded to ...992',
    );
  });
});

test('Try it out sends a multipart form with a file picked in the file input (legacy upscale/vary)', async (t) => {
  const png = Buffer.from(await makePng(16, 16, [200, 100, 50, 255]));
  await withPage(t, async (page) => {
    await page.goto(`${server.url}/docs/?urls.primaryName=legacy`);
    const block = await tryOut(page, 'legacyImageUpscaleVary');
    await block
      .locator('[data-property-name="input_image"] input[type=file]')
      .setInputFiles({ name: 'in.png', mimeType: 'image/png', buffer: png });
    const text = (name: string) => block.locator(`[data-property-name="${name}"] input:not([type=checkbox])`).first();
    await text('uov_method').fill('Vary (Subtle)');
    await text('aspect_ratios_selection').fill('256*256');
    const reply = await execute(block);
    assert.equal(reply.status, '200', reply.body.slice(0, 1500).replace(/\s+/g, ' '));
    assert.match(reply.body, /"finish_reason": "SUCCESS"/);
    assert.match(reply.body, /"seed": "\d+"/);
    // Inside the page callback: without Chromium the test is skipped and no job ran.
    const job = server.engine.jobs.at(-1);
    assert.equal(job?.width, 256);
  });
});

test('ReDoc renders both dialects from /redoc', async (t) => {
  await withPage(t, async (page) => {
    await page.goto(`${server.url}/redoc`);
    await page.locator('.api-content').waitFor({ timeout: 60_000 });
    const text = await page.locator('.api-content').innerText();
    assert.match(text, /Queue a generation|generate/i);
    assert.match(text, /query-job/);
  });
});
