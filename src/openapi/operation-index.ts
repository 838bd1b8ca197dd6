/** The spec's operations as the app mounts and guards them. */
export interface OperationInfo {
  operationId: string;
  method: string;
  path: string;
  expressPath: string;
  /** Matches the spec's spelling and its trailing-slash twin (both served, DECISIONS §3). */
  pattern: RegExp;
  /** Matches the spec's spelling only. */
  exactPattern: RegExp;
  /** The operation lists a non-empty security requirement (the key applies when --apikey is set). */
  isProtected: boolean;
  /** It declares parameters or a request body: the validator has something to check. */
  hasInputs: boolean;
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

function toPattern(path: string, isExact: boolean): RegExp {
  const body = (isExact ? path : path.replace(/\/$/, ''))
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  // Trailing-slash variants are served directly (DECISIONS §3).
  return new RegExp(isExact ? `^${body}$` : `^${body}/?$`);
}

export function buildOperationIndex(doc: Record<string, unknown>): OperationInfo[] {
  const globalSecurity = (doc.security as Record<string, unknown>[] | undefined) ?? [];
  const out: OperationInfo[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const method of METHODS) {
      const op = item[method] as
        | { operationId?: string; security?: Record<string, unknown>[]; parameters?: unknown[]; requestBody?: unknown }
        | undefined;
      if (!op?.operationId) continue;
      const security = op.security ?? globalSecurity;
      out.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        expressPath: path.replace(/\{([^}]+)\}/g, ':$1'),
        pattern: toPattern(path, false),
        exactPattern: toPattern(path, true),
        isProtected: security.some((requirement) => Object.keys(requirement).length > 0),
        hasInputs:
          (op.parameters?.length ?? 0) > 0 ||
          ((item.parameters as unknown[] | undefined)?.length ?? 0) > 0 ||
          op.requestBody !== undefined,
      });
    }
  }
  return out;
}

export type OperationLookup = (method: string, path: string) => OperationInfo | undefined;

/**
 * The operation Express will dispatch `method path` to: HEAD runs the GET handler (Express does
 * so by itself), and matching is case-sensitive as the app's routing is. The key gate, the body
 * parsers and the validator all ask this, so they see exactly the routes Express serves.
 */
export function operationLookup(operations: readonly OperationInfo[]): OperationLookup {
  return (method, path) => {
    const asked = method === 'HEAD' ? 'GET' : method;
    return operations.find((o) => o.method === asked && o.pattern.test(path));
  };
}

/**
 * The path as the spec spells it: a trailing-slash twin gets the slash added or removed, so the
 * body parsers and the validator (which know the spec's spelling only) check it as well.
 */
export function canonicalPath(op: OperationInfo, path: string): string {
  if (op.exactPattern.test(path)) return path;
  return path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
}

/** Methods a path has in the spec (for a 405's Allow header); empty when the path is unknown. */
export function allowedMethods(operations: readonly OperationInfo[], path: string): string[] {
  return [...new Set(operations.filter((o) => o.pattern.test(path)).map((o) => o.method))];
}
