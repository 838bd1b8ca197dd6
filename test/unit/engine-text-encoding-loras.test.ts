/** Prompt LoRA tags joined to the job's LoRAs as Fooocus's `parse_lora_references_from_prompt` does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendPromptLoras, MAX_LORAS } from '../../engine/pipeline/image-prompts.ts';

const installed = [
  'detail.safetensors',
  'film.safetensors',
  'a.safetensors',
  'b.safetensors',
  'c.safetensors',
  'd.safetensors',
];

test('matches tag names against installed file stems and appends them after the job LoRAs', () => {
  const { loras, warnings } = appendPromptLoras(
    [{ name: 'film.safetensors', weight: 0.5 }],
    [{ name: 'detail', weight: 0.8 }],
    installed,
  );
  assert.deepEqual(loras, [
    { name: 'film.safetensors', weight: 0.5 },
    { name: 'detail.safetensors', weight: 0.8 },
  ]);
  assert.deepEqual(warnings, []);
});

test('skips unknown names with a warning, files the job already has, and exact repeats; a repeat with another weight stays', () => {
  const { loras, warnings } = appendPromptLoras(
    [{ name: 'film.safetensors', weight: 0.5 }],
    [
      { name: 'film', weight: 1 },
      { name: 'ghost', weight: 0.3 },
      { name: 'detail', weight: 0.8 },
      { name: 'detail', weight: 0.8 },
      { name: 'detail', weight: 0.4 },
      { name: 'detail.safetensors', weight: 1 },
    ],
    installed,
  );
  assert.deepEqual(loras, [
    { name: 'film.safetensors', weight: 0.5 },
    { name: 'detail.safetensors', weight: 0.8 },
    { name: 'detail.safetensors', weight: 0.4 },
  ]);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /<lora:ghost:0.3> skipped: no ghost.safetensors under models\/loras/);
  assert.match(warnings[1], /<lora:detail.safetensors:1> skipped/);
});

test(`caps the total at ${MAX_LORAS}, keeping the job's LoRAs, and names the dropped tags`, () => {
  const job = [
    { name: 'film.safetensors', weight: 1 },
    { name: 'detail.safetensors', weight: 1 },
    { name: 'a.safetensors', weight: 1 },
  ];
  const { loras, warnings } = appendPromptLoras(
    job,
    ['b', 'c', 'd'].map((name) => ({ name, weight: 0.5 })),
    installed,
  );
  assert.deepEqual(
    loras.map((l) => l.name),
    ['film.safetensors', 'detail.safetensors', 'a.safetensors', 'b.safetensors', 'c.safetensors'],
  );
  assert.deepEqual(warnings, [`prompt LoRA tags skipped (at most ${MAX_LORAS} LoRAs in all): d.safetensors:0.5`]);
});
