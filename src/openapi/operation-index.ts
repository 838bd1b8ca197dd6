/** The spec's operations as the app mounts and guards them. */
export interface OperationInfo {
  operationId: string;
  method: string;
  path: string;
  expressPath: string;
  pattern: RegExp;
  /** The operation lists a non-empty security requirement (the key applies when --apikey is set). */
  isProtected: boolean;
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

function toPattern(path: string): RegExp {
  const body = path
    .replace(/\/$/, '')
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  // Trailing-slash variants are served directly (DECISIONS §3).
  return new RegExp(`^${body}/?$`);
}

export function buildOperationIndex(doc: Record<string, unknown>): OperationInfo[] {
  const globalSecurity = (doc.security as Record<string, unknown>[] | undefined) ?? [];
  const out: OperationInfo[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const method of METHODS) {
      const op = item[method] as { operationId?: string; security?: Record<string, unknown>[] } | undefined;
      if (!op?.operationId) continue;
      const security = op.security ?? globalSecurity;
      out.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        expressPath: path.replace(/\{([^}]+)\}/g, ':$1'),
        pattern: toPattern(path),
        isProtected: security.some((requirement) => Object.keys(requirement).length > 0),
      });
    }
  }
  return out;
}

export type OperationLookup = (method: string, path: string) => OperationInfo | undefined;

export function operationLookup(operations: readonly OperationInfo[]): OperationLookup {
  return (method, path) => operations.find((o) => o.method === method && o.pattern.test(path));
}
