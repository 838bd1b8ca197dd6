/**
 * The parts of the Hugging Face hub's HTTP file API the models CLI uses (`--hub-endpoint` /
 * HF_ENDPOINT for mirrors, HF_TOKEN for gated repos):
 *   GET {endpoint}/api/models/{repo}/tree/{revision}[/{path}]?recursive=true
 *       → [{type: "file"|"directory", path, size, oid, lfs?: {oid, size}}]; lfs.oid is the sha256
 *   GET {endpoint}/{repo}/resolve/{revision}/{path} (redirects to storage; Range supported)
 */
export interface HubFile {
  path: string;
  size: number;
  /** sha256 of the content for LFS files (lfs.oid), else null. */
  sha256: string | null;
  /** Git blob sha1 for plain (non-LFS) files, else null. */
  gitSha1: string | null;
}

export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export interface HubClientOptions {
  endpoint: string;
  token?: string;
  fetch?: typeof fetch;
}

interface TreeEntry {
  type: string;
  path: string;
  size: number;
  oid?: string;
  lfs?: { oid: string; size: number };
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export class HubClient {
  readonly endpoint: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HubClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.options.token ? { ...extra, Authorization: `Bearer ${this.options.token}` } : extra;
  }

  /** Every file of the repo at `revision`, under `subfolder` when given. */
  async listFiles(repo: string, revision: string, subfolder = ''): Promise<HubFile[]> {
    const path = subfolder ? `/${encodePath(subfolder.replace(/^\/+|\/+$/g, ''))}` : '';
    const url = `${this.endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}${path}?recursive=true`;
    const res = await this.fetch(url, { headers: this.headers() });
    if (!res.ok) throw new HubError(`${describeStatus(res.status, repo, revision)} (${url})`, res.status);
    const entries = (await res.json()) as TreeEntry[];
    if (!Array.isArray(entries)) throw new HubError(`${url} did not answer a file list`);
    return entries
      .filter((e) => e.type === 'file')
      .map((e) => ({
        path: e.path,
        size: e.lfs?.size ?? e.size,
        sha256: e.lfs?.oid ?? null,
        gitSha1: e.lfs ? null : (e.oid ?? null),
      }));
  }

  resolveUrl(repo: string, revision: string, path: string): string {
    return `${this.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
  }
}

export function describeStatus(status: number, repo: string, revision: string): string {
  if (status === 401 || status === 403)
    return `${repo} needs access (gated or private): accept its terms on the hub and set HF_TOKEN`;
  if (status === 404) return `${repo}@${revision} not found (check the repo name, --subfolder and revision)`;
  return `the hub answered ${status} for ${repo}@${revision}`;
}
