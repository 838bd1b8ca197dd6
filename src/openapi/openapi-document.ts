/**
 * Loads the OpenAPI specs under openapi/ and bundles them into self-contained documents
 * (DECISIONS §2: one validator instance over one document holding both dialects; /docs and /openapi/*
 * serve each spec on its own).
 *
 * Conventions the YAML follows:
 * - a top-level `<name>.yaml` in the folder is one dialect's spec; its own `#/components/...` refs stay;
 * - `components/*.yaml` files have component kinds as top-level keys (`schemas:`, `responses:`), and a
 *   ref `./components/x.yaml#/schemas/Lora` (or `#/schemas/Lora` inside x.yaml) becomes
 *   `#/components/schemas/Lora`; a component name must come from one place only; a spec lists
 *   `Name: {$ref: ...#/schemas/Name}` under its own components to include a model no operation uses;
 * - `x-server-default: <key of ServerDefaults>` on a schema replaces its `default` with this server's
 *   value, so the served documents carry the actual defaults.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';

export interface ServerDefaults {
  defaultModel: string;
}

type JsonObject = Record<string, unknown>;

/** The spec whose info, tags order and version lead the merged document. */
const PRIMARY_SPEC = 'all-in-one';
const SPEC_NAME = /^[a-z0-9][a-z0-9-]*$/;
const COMPONENT_KINDS = new Set([
  'schemas',
  'responses',
  'parameters',
  'examples',
  'requestBodies',
  'headers',
  'securitySchemes',
  'links',
  'callbacks',
  'pathItems',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer '${pointer}' must start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Parsed YAML per file, reused while the file's text is unchanged: a process that builds many apps
 * (tests, a node with several listeners) parses each spec once. Callers get a copy, never the cached value.
 */
const parsedFiles = new Map<string, { text: string; value: unknown }>();

function parseSpecText(file: string, text: string): unknown {
  const cached = parsedFiles.get(file);
  if (cached?.text === text) return structuredClone(cached.value);
  const value = parseYaml(text) as unknown;
  parsedFiles.set(file, { text, value });
  return structuredClone(value);
}

/** Collects components from every file it visits; one instance per bundled document. */
class SpecBundler {
  private readonly parsed = new Map<string, Promise<unknown>>();
  private readonly origins = new Map<string, string>();
  readonly components: Record<string, JsonObject> = {};

  constructor(private readonly rootDir: string) {}

  /** Bundles one top-level spec: its paths come back, its components join `this.components`. */
  async bundleSpec(file: string): Promise<JsonObject> {
    const spec = await this.load(file);
    if (!isObject(spec) || typeof spec.openapi !== 'string')
      throw new Error(`${this.name(file)} is not an OpenAPI document`);
    const { components, ...rest } = spec;
    const out = (await this.walk(rest, file, true)) as JsonObject;
    for (const [kind, entries] of Object.entries(isObject(components) ? components : {})) {
      for (const [name, value] of Object.entries(isObject(entries) ? entries : {})) {
        const walked = await this.walk(value, file, true);
        // `Name: {$ref: ./components/x.yaml#/<kind>/Name}` only imports a model no operation refers to.
        if (isObject(walked) && walked.$ref === `#/components/${kind}/${name}` && Object.keys(walked).length === 1)
          continue;
        this.add(kind, name, walked, `${file}#/components/${kind}/${name}`);
      }
    }
    return out;
  }

  private name(file: string): string {
    return relative(this.rootDir, file) || file;
  }

  private load(file: string): Promise<unknown> {
    let pending = this.parsed.get(file);
    if (!pending) {
      pending = readFile(file, 'utf8').then((text) => {
        try {
          return parseSpecText(file, text);
        } catch (error) {
          throw new Error(`${this.name(file)}: ${(error as Error).message}`, { cause: error });
        }
      });
      this.parsed.set(file, pending);
    }
    return pending;
  }

  /** Deep-copies `node`, rewriting every `$ref` so none points outside the bundled document. */
  private async walk(node: unknown, file: string, isTopLevel: boolean): Promise<unknown> {
    if (Array.isArray(node)) return Promise.all(node.map((item) => this.walk(item, file, isTopLevel)));
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] =
        key === '$ref' && typeof value === 'string'
          ? await this.rewriteRef(value, file, isTopLevel)
          : await this.walk(value, file, isTopLevel);
    }
    return out;
  }

  private async rewriteRef(ref: string, file: string, isTopLevel: boolean): Promise<string> {
    const hash = ref.indexOf('#');
    const target = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    // A spec's own refs already name #/components/... of the bundled document.
    if (target === '' && isTopLevel) return ref;
    const targetFile = target === '' ? file : resolve(dirname(file), target);
    const fromRoot = relative(this.rootDir, targetFile);
    if (fromRoot.startsWith('..') || isAbsolute(fromRoot))
      throw new Error(`${this.name(file)}: $ref '${ref}' leaves the openapi folder`);
    const segments = decodePointer(pointer);
    const name = segments.at(-1);
    const kind = segments.at(-2);
    if (!name || !kind || !COMPONENT_KINDS.has(kind)) {
      throw new Error(
        `${this.name(file)}: $ref '${ref}' must point at <kind>/<Name>, kind one of ${[...COMPONENT_KINDS].join(', ')}`,
      );
    }
    const origin = `${targetFile}#${pointer}`;
    const key = `${kind}/${name}`;
    const known = this.origins.get(key);
    if (known === undefined) {
      // Registered before descending so recursive schemas terminate.
      this.origins.set(key, origin);
      (this.components[kind] ??= {})[name] = {};
      let value: unknown = await this.load(targetFile);
      for (const segment of segments) {
        value = isObject(value) ? value[segment] : undefined;
        if (value === undefined) throw new Error(`${this.name(file)}: $ref '${ref}' points at nothing`);
      }
      this.components[kind][name] = await this.walk(value, targetFile, false);
    } else if (known !== origin) {
      throw new Error(`component ${key} comes from both ${known} and ${origin}`);
    }
    return `#/components/${kind}/${name}`;
  }

  private add(kind: string, name: string, value: unknown, origin: string): void {
    const key = `${kind}/${name}`;
    const known = this.origins.get(key);
    const existing = this.components[kind]?.[name];
    if (known !== undefined && known !== origin && !isDeepStrictEqual(existing, value)) {
      throw new Error(`component ${key} is defined differently in ${known} and ${origin}`);
    }
    this.origins.set(key, known ?? origin);
    (this.components[kind] ??= {})[name] = value;
  }
}

/** Replaces `default` wherever a schema says `x-server-default: <key>` (mutates the fresh bundle). */
function applyServerDefaults(node: unknown, defaults: ServerDefaults): void {
  if (Array.isArray(node)) return node.forEach((item) => applyServerDefaults(item, defaults));
  if (!isObject(node)) return;
  const key = node['x-server-default'];
  if (key !== undefined) {
    if (typeof key !== 'string' || !Object.hasOwn(defaults, key))
      throw new Error(`unknown x-server-default '${String(key)}'`);
    node.default = defaults[key as keyof ServerDefaults];
    delete node['x-server-default'];
  }
  Object.values(node).forEach((value) => applyServerDefaults(value, defaults));
}

function sortedComponents(components: Record<string, JsonObject>): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const kind of Object.keys(components).sort()) {
    out[kind] = Object.fromEntries(Object.entries(components[kind]).sort(([a], [b]) => a.localeCompare(b)));
  }
  return out;
}

/** Throws when two operations share an operationId (the startup check maps each one to one handler). */
function assertUniqueOperationIds(doc: JsonObject): void {
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    for (const [method, operation] of Object.entries(isObject(item) ? item : {})) {
      const id = isObject(operation) ? operation.operationId : undefined;
      if (typeof id !== 'string') continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (seen.has(id)) throw new Error(`operationId '${id}' is used by both ${seen.get(id)} and ${where}`);
      seen.set(id, where);
    }
  }
}

async function bundle(openapiDir: string, names: string[], defaults: ServerDefaults): Promise<JsonObject> {
  const root = resolve(openapiDir);
  const bundler = new SpecBundler(root);
  let merged: JsonObject | undefined;
  const paths: JsonObject = {};
  const pathOrigin = new Map<string, string>();
  const tags = new Map<string, unknown>();
  for (const name of names) {
    const spec = await bundler.bundleSpec(join(root, `${name}.yaml`));
    merged ??= { ...spec };
    if (spec.openapi !== merged.openapi)
      throw new Error(`${name}.yaml is OpenAPI ${String(spec.openapi)}, expected ${String(merged.openapi)}`);
    for (const [path, item] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
      if (path in paths && !isDeepStrictEqual(paths[path], item)) {
        throw new Error(`path ${path} is defined differently in ${pathOrigin.get(path)}.yaml and ${name}.yaml`);
      }
      pathOrigin.set(path, pathOrigin.get(path) ?? name);
      paths[path] = item;
    }
    for (const tag of Array.isArray(spec.tags) ? spec.tags : []) {
      if (isObject(tag) && typeof tag.name === 'string' && !tags.has(tag.name)) tags.set(tag.name, tag);
    }
  }
  if (!merged) throw new Error(`no OpenAPI spec found in ${root}`);
  const doc: JsonObject = { ...merged, paths, components: sortedComponents(bundler.components) };
  if (tags.size > 0) doc.tags = [...tags.values()];
  applyServerDefaults(doc, defaults);
  assertUniqueOperationIds(doc);
  return doc;
}

/**
 * Every top-level spec in `openapiDir` (all-in-one.yaml first, then the others by name) merged into
 * one document with no file refs left. A path defined in two specs must be identical.
 * Returns a fresh object on every call (express-openapi-validator mutates the document it is given).
 */
export async function loadApiDocument(openapiDir: string, defaults: ServerDefaults): Promise<Record<string, unknown>> {
  const names = (await readdir(resolve(openapiDir), { withFileTypes: true }))
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => entry.name.slice(0, -'.yaml'.length))
    .sort((a, b) => Number(b === PRIMARY_SPEC) - Number(a === PRIMARY_SPEC) || a.localeCompare(b));
  return bundle(openapiDir, names, defaults);
}

/** One spec (e.g. 'all-in-one'), bundled the same way, for /openapi/<name>.yaml|.json and Swagger UI. */
export async function loadSpecFile(
  openapiDir: string,
  name: string,
  defaults: ServerDefaults,
): Promise<Record<string, unknown>> {
  if (!SPEC_NAME.test(name)) throw new Error(`invalid spec name '${name}'`);
  return bundle(openapiDir, [name], defaults);
}
