/**
 * The copy of the bundled document the validator checks against. Query values reach us unencoded
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
    for (const op of Object.values(item)) if (op && typeof op === 'object' && Array.isArray(op.parameters)) op.parameters.forEach(mark);
  }
  Object.values(((copy.components as Record<string, unknown> | undefined)?.parameters ?? {}) as Record<string, unknown>).forEach(mark);
  return copy;
}
