import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planTasksQuery } from '../../adapters/all-in-one/tasks-query.ts';
import { coerceLax } from '../../src/http/lax-coercion.ts';
import { encodeHeaderList } from '../../src/http/response-headers.ts';
import { planAllInOneReply, planLegacyReply } from '../../adapters/reply-plan.ts';
import { chooseFileFormat } from '../../src/http/response-mode.ts';
import { fromValidatorErrors, toLoc } from '../../src/http/validation-error.ts';
import { stringify as losslessStringify } from 'lossless-json';
import { BIGINT_TAG_FOR_TESTS, parseJson, stringifyJson } from '../../src/json/big-json.ts';
import { pythonJsonDumps } from '../../src/json/python-json.ts';
import { alternateIdForm } from '../../src/tasks/task.service.ts';
import { randomIds } from '../../src/tasks/random-ids.ts';
import { MAX_SEED } from '../../adapters/parse-seed.ts';

const schema = {
  type: 'object',
  properties: {
    prompt: { type: 'string' },
    image_number: { type: 'integer' },
    guidance_scale: { type: 'number' },
    async_process: { type: 'boolean' },
    image_seed: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }] },
    loras: { type: 'array', items: { $ref: '#/components/schemas/Lora' } },
  },
};
const lora = { type: 'object', properties: { enabled: { type: 'boolean' }, weight: { type: 'number' } } };
const resolve = (ref: string) => (ref === '#/components/schemas/Lora' ? lora : undefined);

test('lax coercion accepts what pydantic accepted and leaves strict strings alone', () => {
  const out = coerceLax(
    {
      prompt: 123,
      image_number: '2',
      guidance_scale: '4.5',
      async_process: 'true',
      image_seed: 9223372036854775807n,
      loras: [{ enabled: 'False', weight: '0.5' }],
      extra: '1',
    },
    schema,
    resolve,
  );
  assert.deepEqual(out, {
    prompt: 123,
    image_number: 2,
    guidance_scale: 4.5,
    async_process: true,
    image_seed: '9223372036854775807',
    loras: [{ enabled: false, weight: 0.5 }],
    extra: '1',
  });
  assert.deepEqual(coerceLax({ image_number: 'abc', async_process: 'maybe' }, schema, resolve), {
    image_number: 'abc',
    async_process: 'maybe',
  });
});

test('JSON keeps integers beyond 2^53 exact both ways', () => {
  const value = parseJson('{"image_seed": 9223372036854775807, "x": 1.5}') as Record<string, unknown>;
  assert.equal(value.image_seed, 9223372036854775807n);
  assert.equal(stringifyJson(value), '{"image_seed":9223372036854775807,"x":1.5}');
});

test('parseJson: only whole integer literals outside strings become bigint', () => {
  // 0.1 + 0.2 as Python and JavaScript write it: 17 fraction digits, a float, not a decode error.
  assert.deepEqual(parseJson('{"denoising_strength": 0.30000000000000004, "x": 2.5e-12345678901234567}'), {
    denoising_strength: 0.30000000000000004,
    x: 0,
  });
  assert.deepEqual(
    parseJson(
      '[-9223372036854775808, "12345678901234567890", "q\\"12345678901234567890", "a\\\\", 18446744073709551615,' +
        ' 12345678901234567.5, 9007199254740991]',
    ),
    [
      -9223372036854775808n,
      '12345678901234567890',
      'q"12345678901234567890',
      'a\\',
      18446744073709551615n,
      12345678901234568,
      9007199254740991,
    ],
  );
  assert.equal(parseJson('12345678901234567890'), 12345678901234567890n);
  // A client's text that looks like a tag stays text.
  assert.deepEqual(parseJson('{"p": "\\u0000bigint:12345678901234567890", "s": 12345678901234567890}'), {
    p: '\u0000bigint:12345678901234567890',
    s: 12345678901234567890n,
  });
  // A key named __proto__ keeps its own value and does not touch the prototype.
  const odd = parseJson('{"__proto__": 12345678901234567890}') as object;
  assert.equal(Object.getOwnPropertyDescriptor(odd, '__proto__')?.value, 12345678901234567890n);
  assert.equal(Object.getPrototypeOf(odd), Object.prototype);
});

test('stringifyJson writes what the lossless stringifier writes, also for strings that hold its bigint tag', () => {
  const values: unknown[] = [
    { a: 1n, b: [-9223372036854775808n, 5, 'x'], c: undefined, d: new Date(0), e: Number.NaN, f: () => 1 },
    [undefined, 7n, { toJSON: () => 'j' }],
    // A client's text that spells the internal tag must stay text, next to a real bigint.
    ['"\u0000bigint:5', 7n],
    { k: 'a\u0000bigint:5"', n: 3n },
    '\u0000bigint:12',
    undefined,
    // The real (random) tag in a string: the lossless stringifier writes the value instead.
    [`${BIGINT_TAG_FOR_TESTS}5`, 7n],
  ];
  for (const value of values) assert.equal(stringifyJson(value), losslessStringify(value) ?? 'null');
  assert.equal(stringifyJson(['"\u0000bigint:5', 7n]), '["\\"\\u0000bigint:5",7]');
});

test('python-style dumps uses Python separators and escapes non-ASCII like json.dumps', () => {
  assert.equal(
    pythonJsonDumps({ progress: 13, preview: null, message: 'Preparing task 1/1 ...', images: [] }),
    '{"progress": 13, "preview": null, "message": "Preparing task 1/1 ...", "images": []}',
  );
  assert.equal(pythonJsonDumps('é'), '"\\u00e9"');
  assert.equal(pythonJsonDumps(pythonJsonDumps({ a: 'é' }, false)), '"{\\"a\\": \\"\\u00e9\\"}"');
});

test('Accept chooses the response mode with FooocusAPI priority and our image/jpg and missing-Accept fixes', () => {
  const flags = { stream_output: true, async_process: true };
  const plan = (accept: string, f: typeof flags) => {
    const { mode, format } = planAllInOneReply(accept, f, 'Text to Image');
    return mode === 'binary' ? { kind: mode, format } : { kind: mode };
  };
  assert.deepEqual(plan('image/webp', flags), { kind: 'binary', format: 'webp' });
  assert.deepEqual(plan('image/jpg', flags), { kind: 'binary', format: 'jpeg' });
  assert.deepEqual(plan('image/*', flags), { kind: 'binary', format: 'png' });
  assert.deepEqual(plan('image/png, */*', flags), { kind: 'stream' });
  assert.deepEqual(plan('', { stream_output: false, async_process: true }), { kind: 'async' });
  assert.deepEqual(plan('*/*', { stream_output: false, async_process: false }), { kind: 'sync' });
  assert.equal(chooseFileFormat('image/jpg'), 'jpeg');
  assert.equal(chooseFileFormat('*/*'), null);
});

test('legacy binary is exactly image/png; async_process wins but a binary Accept still marks the reply binary', () => {
  assert.deepEqual(planLegacyReply('image/png', false, 'Image Prompt'), {
    mode: 'binary',
    format: 'png',
    isBinaryAccept: true,
    jobType: 'Image Prompt',
  });
  assert.deepEqual(planLegacyReply('image/png', true, 'Text to Image'), {
    mode: 'async',
    format: 'png',
    isBinaryAccept: true,
    jobType: 'Text to Image',
  });
  assert.deepEqual(planLegacyReply('image/jpeg', false, 'Text to Image'), {
    mode: 'sync',
    format: 'png',
    isBinaryAccept: false,
    jobType: 'Text to Image',
  });
});

test('validator errors become pydantic items naming the field, one per field', () => {
  const items = fromValidatorErrors(
    [
      { path: '/body/image_number', message: 'must be <= 32', errorCode: 'maximum.openapi.validation' },
      { path: '/body/image_seed', message: 'must be integer', errorCode: 'type.openapi.validation' },
      { path: '/body/image_seed', message: 'must be string', errorCode: 'type.openapi.validation' },
      {
        path: '/body/loras/0',
        message: "must have required property 'model_name'",
        errorCode: 'required.openapi.validation',
      },
    ],
    { body: { image_number: 40, image_seed: true, loras: [{}] } },
  );
  assert.deepEqual(
    items.map((i) => [i.type, i.loc, i.input]),
    [
      ['less_than_equal', ['body', 'image_number'], 40],
      ['int_parsing', ['body', 'image_seed'], true],
      ['missing', ['body', 'loras', 0, 'model_name'], null],
    ],
  );
  assert.deepEqual(toLoc('/query/action'), ['query', 'action']);
});

test('extra headers are percent-encoded and capped at 1 KiB without splitting an escape', () => {
  assert.equal(encodeHeaderList(["style 'Ünïcode' is unknown"]), "style%20'%C3%9Cn%C3%AFcode'%20is%20unknown");
  const long = encodeHeaderList(['é'.repeat(2000)]);
  assert.ok(long.length <= 1024);
  assert.match(long, /^(%C3%A9)+\.\.\.$/);
});

test('/tasks query plan: end_at defaults to now, a range needs start < end, malformed end_at names the field', () => {
  const toEpoch = ([y, mo, d, h, mi, s]: number[]) => Date.UTC(y, mo - 1, d, h, mi, s);
  const now = Date.UTC(2026, 0, 2);
  assert.deepEqual(planTasksQuery({ start_at: '2026-01-01T00:00:00.123+02:00' }, now, toEpoch).range, {
    startMills: Date.UTC(2026, 0, 1),
    endMills: now,
  });
  assert.equal(planTasksQuery({ start_at: '2026-01-03T00:00:00' }, now, toEpoch).range, null);
  assert.equal(planTasksQuery({ start_at: 'garbage' }, now, toEpoch).range, null);
  assert.throws(() => planTasksQuery({ start_at: '2026-01-01T00:00:00', end_at: 'soon' }, now, toEpoch), /end_at/);
  assert.equal(planTasksQuery({ action: 'DELETE' }, now, toEpoch).isDelete, true);
});

test('task ids are found in both the 32-hex and the dashed uuid forms', () => {
  assert.equal(alternateIdForm('0123456789abcdef0123456789abcdef'), '01234567-89ab-cdef-0123-456789abcdef');
  assert.equal(alternateIdForm('01234567-89AB-cdef-0123-456789abcdef'), '0123456789abcdef0123456789abcdef');
  assert.equal(alternateIdForm('nope'), null);
});

test('random seeds: uniform 63-bit values, all different across several draws of the pool', () => {
  const seeds = Array.from({ length: 1500 }, () => randomIds.randomSeed());
  for (const seed of seeds) assert.ok(seed >= 0n && seed <= MAX_SEED, String(seed));
  assert.equal(new Set(seeds).size, seeds.length);
  assert.ok(
    seeds.some((seed) => seed > MAX_SEED / 2n),
    'the top bits are used',
  );
});
