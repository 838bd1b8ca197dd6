/** operationId → its multipart body's property names, split into file parts (format: binary) and text fields. */
type JsonObject = Record<string, unknown>;

export type MultipartFieldIndex = Map<string, { files: Set<string>; texts: Set<string> }>;

export function buildMultipartFieldIndex(doc: JsonObject): MultipartFieldIndex {
  const schemas = ((doc.components as JsonObject | undefined)?.schemas ?? {}) as Record<string, JsonObject>;
  const deref = (schema: JsonObject | undefined): JsonObject | undefined => {
    const ref = schema?.$ref;
    return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? deref(schemas[ref.slice(21)]) : schema;
  };
  const isBinary = (schema: JsonObject | undefined): boolean => {
    const s = deref(schema);
    if (!s) return false;
    if (s.format === 'binary' || typeof s.contentMediaType === 'string') return true;
    const variants = [...((s.anyOf as JsonObject[]) ?? []), ...((s.oneOf as JsonObject[]) ?? [])];
    return variants.some(isBinary) || (s.type === 'array' && isBinary(s.items as JsonObject));
  };
  const index: MultipartFieldIndex = new Map();
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, JsonObject>>)) {
    for (const op of Object.values(item)) {
      const content = ((op?.requestBody as JsonObject | undefined)?.content ?? {}) as Record<string, JsonObject>;
      const schema = deref(content['multipart/form-data']?.schema as JsonObject | undefined);
      if (typeof op?.operationId !== 'string' || !schema) continue;
      const entry = { files: new Set<string>(), texts: new Set<string>() };
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonObject>)) {
        (isBinary(property) ? entry.files : entry.texts).add(name);
      }
      index.set(op.operationId, entry);
    }
  }
  return index;
}
