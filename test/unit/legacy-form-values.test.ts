import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseFormBoolean,
  parseFormFloat,
  parseFormInt,
  parseFormIntegerText,
  parseFormJson,
  parseFormList,
} from '../../adapters/legacy/form-values.ts';
import { InvalidFieldError } from '../../adapters/invalid-field-error.ts';

const refusesNaming = (field: string, type?: string) => (e: unknown) =>
  e instanceof InvalidFieldError && e.field === field && (type === undefined || e.type === type);

test('reads booleans in every Python spelling, any case, and treats an empty value as absent', () => {
  const cases: Array<[string | undefined, boolean | undefined]> = [
    ['True', true],
    ['true', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['T', true],
    ['y', true],
    ['False', false],
    ['false', false],
    ['0', false],
    ['no', false],
    ['OFF', false],
    ['f', false],
    ['n', false],
    ['', undefined],
    ['  ', undefined],
    [undefined, undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseFormBoolean('async_process', text), expected, String(text));
  assert.throws(() => parseFormBoolean('async_process', 'maybe'), refusesNaming('async_process', 'bool_parsing'));
});

test('reads integers and floats, refusing text that is not one with the field named', () => {
  assert.equal(parseFormInt('image_number', ' 3 '), 3);
  assert.equal(parseFormInt('image_number', '-2'), -2);
  assert.equal(parseFormInt('image_number', '2.0'), 2);
  assert.equal(parseFormInt('image_number', ''), undefined);
  for (const bad of ['two', '2.5', '0x10', '1e3'])
    assert.throws(() => parseFormInt('image_number', bad), refusesNaming('image_number', 'int_parsing'), bad);
  assert.equal(parseFormFloat('sharpness', '2.5'), 2.5);
  assert.equal(parseFormFloat('sharpness', '.5'), 0.5);
  assert.equal(parseFormFloat('sharpness', '-1'), -1);
  assert.equal(parseFormFloat('sharpness', '1e1'), 10);
  assert.equal(parseFormFloat('sharpness', ''), undefined);
  for (const bad of ['sharp', 'NaN', 'Infinity', '1,5'])
    assert.throws(() => parseFormFloat('sharpness', bad), refusesNaming('sharpness', 'float_parsing'), bad);
});

test('keeps int64 integer text exact and refuses decimals', () => {
  assert.equal(parseFormIntegerText('image_seed', '9223372036854775807'), '9223372036854775807');
  assert.equal(parseFormIntegerText('image_seed', '-1'), '-1');
  assert.throws(() => parseFormIntegerText('image_seed', '1.0'), refusesNaming('image_seed'));
});

test('splits comma lists and trims each piece; an empty value is an empty list; a JSON array is accepted', () => {
  assert.deepEqual(parseFormList('style_selections', 'Fooocus V2, Fooocus Enhance ,Fooocus Sharp'), [
    'Fooocus V2',
    'Fooocus Enhance',
    'Fooocus Sharp',
  ]);
  assert.deepEqual(parseFormList('outpaint_selections', 'Left,,Right'), ['Left', 'Right']);
  assert.deepEqual(parseFormList('style_selections', ''), []);
  assert.equal(parseFormList('style_selections', undefined), undefined);
  assert.deepEqual(parseFormList('style_selections', '["A", "B"]'), ['A', 'B']);
  assert.throws(() => parseFormList('style_selections', '[1, 2]'), refusesNaming('style_selections'));
});

test('parses JSON text fields, treating empty, None and null as absent and malformed JSON as a 422 naming the field', () => {
  assert.deepEqual(parseFormJson('loras', '[{"model_name":"a","weight":0.5}]'), [{ model_name: 'a', weight: 0.5 }]);
  for (const absent of [undefined, '', 'None', 'null'])
    assert.equal(parseFormJson('advanced_params', absent), undefined);
  assert.deepEqual(parseFormJson('loras', '[]'), []);
  assert.throws(
    () => parseFormJson('advanced_params', '{"adaptive_cfg": 7'),
    refusesNaming('advanced_params', 'json_invalid'),
  );
});
