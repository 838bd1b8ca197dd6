/**
 * The copy of the bundled document the validator checks against. Multipart array fields are
 * documented as arrays (Swagger UI renders them as repeated fields and cannot render
 * `type: [string, array]`), but a form may send one comma-separated value: in the copy they accept
 * a string too (multer gives a single field as a string).
 * Query values reach us unencoded
 * from real clients (`/tasks?start_at=2024-03-01T10:30:00`, as FooocusAPI's docs and browsers send
 * it; FastAPI accepts them). The validator refuses reserved characters such as `:` in a query value
 * unless the parameter says `allowReserved`, so every query parameter of the copy says so.
 */
export function toValidationDocument(document: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(document);
  const mark = (parameter: unknown) => {
    const p = parameter as { in?: string; allowReserved?: boolean } | null;
    if (p && typeof p === 'object' && p.in === 'query') p.allowReserved = true;
  };
  for (const item of Object.values((copy.paths ?? {}) as Record<string, Record<string, { parameters?: unknown[] }>>)) {
    (item.parameters as unknown[] | undefined)?.forEach(mark);
    for (const op of Object.values(item))
      if (op && typeof op === 'object' && Array.isArray(op.parameters)) op.parameters.forEach(mark);
  }
  Object.values(
    ((copy.components as Record<string, unknown> | undefined)?.parameters ?? {}) as Record<string, unknown>,
  ).forEach(mark);
  widenMultipartArrays(copy);
  return copy;
}

type Json = Record<string, unknown>;

function widenMultipartArrays(doc: Json): void {
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const deref = (schema: Json | undefined): Json | undefined => {
    const ref = schema?.$ref;
    return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? deref(schemas[ref.slice(21)]) : schema;
  };
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(item)) {
      const content = ((op?.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
      const form = deref(content['multipart/form-data']?.schema as Json | undefined);
      for (const property of Object.values((form?.properties ?? {}) as Record<string, Json>)) {
        if (property.type === 'array' && (property.items as Json | undefined)?.type === 'string')
          property.type = ['string', 'array'];
      }
    }
  }
}
