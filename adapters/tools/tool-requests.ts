/**
 * The two tool routes' bodies (fooocusapi-new.md §6, fooocus-api-legacy.md §4.4–4.5) → what the
 * tools service runs. Pure: the image is classified, not fetched. describe-image is one path for
 * both dialects: a JSON body `{image, image_type}` (FooocusAPI) or a multipart file `image` with
 * the type in the `image_type` query parameter (Fooocus-API; its v0.3 clients send `type`).
 */
import { classifyImage } from '../classify-image.ts';
import type { ImageInput } from '../common-request.ts';
import { InvalidFieldError } from '../invalid-field-error.ts';

export type DescribeType = 'Photo' | 'Anime';
export const DESCRIBE_TYPES: readonly DescribeType[] = ['Photo', 'Anime'];

export interface DescribeToolRequest {
  image: ImageInput;
  imageType: DescribeType;
  /** The name the image came under, for 422s. */
  field: string;
  ignoredFields: string[];
}

export interface MaskToolRequest {
  image: ImageInput;
  model: string;
  clothCategory: string;
  ignoredFields: string[];
}

const DESCRIBE_FIELDS = new Set(['image', 'image_type']);
const MASK_FIELDS = new Set([
  'image',
  'mask_model',
  'cloth_category',
  'dino_prompt_text',
  'sam_model',
  'box_threshold',
  'text_threshold',
  'sam_max_detections',
  'dino_erode_or_dilate',
  'dino_debug',
]);

function describeType(value: unknown, field: string): DescribeType {
  if (value === undefined || value === null || value === '') return 'Photo';
  if (typeof value === 'string' && (DESCRIBE_TYPES as readonly string[]).includes(value)) return value as DescribeType;
  const message = `${field}: '${String(value)}' is not one of ${DESCRIBE_TYPES.join(', ')}`;
  throw new InvalidFieldError(field, message, { type: 'enum', input: value, allowed: DESCRIBE_TYPES });
}

function requireImage(image: ImageInput, field: string): ImageInput {
  if (image.kind === 'none') {
    throw new InvalidFieldError(field, `${field}: an image is required`, { type: 'missing', input: null });
  }
  return image;
}

/** The JSON body's `image` string, classified (the validator has checked its type; this keeps the adapter total). */
function imageOf(body: Record<string, unknown>): ImageInput {
  const raw = body.image;
  if (raw !== undefined && raw !== null && typeof raw !== 'string') {
    throw new InvalidFieldError('image', 'image: expected a string', { input: raw });
  }
  return requireImage(classifyImage('image', raw as string | null | undefined), 'image');
}

/** `query`: the request's query parameters (the type of a multipart upload). */
export function toDescribeRequest(
  sent: { json?: Record<string, unknown>; upload?: Uint8Array },
  query: Record<string, unknown>,
): DescribeToolRequest {
  if (sent.upload !== undefined) {
    const fromQuery = query.image_type ?? query.type;
    const queryField = query.image_type !== undefined ? 'query.image_type' : 'query.type';
    const image = requireImage({ kind: 'bytes', bytes: sent.upload }, 'image');
    return { image, imageType: describeType(fromQuery, queryField), field: 'image', ignoredFields: [] };
  }
  const body = sent.json ?? {};
  const typeField = body.image_type !== undefined ? 'image_type' : 'query.image_type';
  const imageType = describeType(body.image_type ?? query.image_type ?? query.type, typeField);
  return {
    image: imageOf(body),
    imageType,
    field: 'image',
    ignoredFields: Object.keys(body).filter((key) => !DESCRIBE_FIELDS.has(key)),
  };
}

export function toMaskRequest(body: Record<string, unknown>): MaskToolRequest {
  const text = (key: string, fallback: string): string => {
    const value = body[key];
    return typeof value === 'string' && value !== '' ? value : fallback;
  };
  return {
    image: imageOf(body),
    model: text('mask_model', 'isnet-general-use'),
    clothCategory: text('cloth_category', 'full'),
    ignoredFields: Object.keys(body).filter((key) => !MASK_FIELDS.has(key)),
  };
}
