/** `models list | pull | remove`: what each command does, with the hub client and the file system injected. */
import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { downloadFile } from './download-file.ts';
import { HubClient } from './hub-client.ts';
import { KIND_NAMES, MODEL_KINDS, type ModelKind } from './model-kinds.ts';
import { progressBar } from './progress-bar.ts';

export interface CliContext {
  modelsDir: string;
  hub: HubClient;
  fetch?: typeof fetch;
  out(line: string): void;
  /** Progress bars on (stderr); off in tests. */
  showProgress: boolean;
}

export interface PullOptions {
  /** `owner/name`, optionally `@revision`. */
  spec: string;
  kind: ModelKind;
  subfolder: string;
  /** Folder name under the kind's folder (named kinds); default: the repo's name. */
  name?: string;
}

export function parseRepoSpec(spec: string): { repo: string; revision: string } {
  const [repo, revision = 'main'] = spec.split('@');
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || revision === '')
    throw new Error(`'${spec}' is not <owner>/<repo>[@revision]`);
  return { repo, revision };
}

export async function pull(ctx: CliContext, options: PullOptions): Promise<string[]> {
  const { repo, revision } = parseRepoSpec(options.spec);
  const layout = MODEL_KINDS[options.kind];
  const sub = options.subfolder.replace(/^\/+|\/+$/g, '');
  const files = (await ctx.hub.listFiles(repo, revision, sub))
    .map((file) => ({ file, local: sub ? file.path.slice(sub.length + 1) : file.path }))
    .filter(({ local }) => layout.accepts(local));
  if (files.length === 0)
    throw new Error(`${repo}@${revision}${sub ? ` (${sub}/)` : ''} holds no ${options.kind} files`);
  const name = options.name ?? repo.split('/')[1];
  const target =
    layout.placement === 'named' ? join(ctx.modelsDir, layout.folder, name) : join(ctx.modelsDir, layout.folder);
  const total = files.reduce((n, f) => n + f.file.size, 0);
  ctx.out(`${repo}@${revision}: ${files.length} file(s), ${(total / 1024 ** 2).toFixed(1)} MiB → ${target}`);
  const written: string[] = [];
  for (const { file, local } of files) {
    const dest = resolve(target, layout.placement === 'named' ? local : local.split('/').pop()!);
    if (!dest.startsWith(resolve(target) + sep)) throw new Error(`${file.path} would land outside ${target}`);
    const bar = ctx.showProgress ? progressBar(local) : null;
    const result = await downloadFile({
      url: ctx.hub.resolveUrl(repo, revision, file.path),
      dest,
      file,
      headers: ctx.hub.headers(),
      fetch: ctx.fetch,
      onProgress: bar ? (done, size) => bar.update(done, size) : undefined,
    });
    bar?.end();
    ctx.out(`${result === 'present' ? 'already here' : 'verified'}: ${relative(ctx.modelsDir, dest)}`);
    written.push(dest);
  }
  return written;
}

async function entriesOf(dir: string): Promise<{ name: string; size: number; isDir: boolean }[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const info = await stat(join(dir, name));
    out.push({
      name,
      size: info.isDirectory() ? await folderSize(join(dir, name)) : info.size,
      isDir: info.isDirectory(),
    });
  }
  return out;
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await folderSize(path) : (await stat(path)).size;
  }
  return total;
}

/** One line per installed model: kind, name, size; partial downloads are marked. */
export async function list(ctx: CliContext): Promise<void> {
  let count = 0;
  for (const kind of KIND_NAMES) {
    const layout = MODEL_KINDS[kind];
    for (const entry of await entriesOf(join(ctx.modelsDir, layout.folder))) {
      if (layout.placement === 'flat' && (entry.isDir || !layout.accepts(entry.name.replace(/\.part$/, '')))) continue;
      const note = entry.name.endsWith('.part')
        ? '  (partial: `pull` again resumes it)'
        : entry.name === 'tiny-sdxl-demo'
          ? '  (demo: random weights)'
          : '';
      ctx.out(
        `${kind.padEnd(16)} ${entry.name.padEnd(48)} ${(entry.size / 1024 ** 2).toFixed(1).padStart(9)} MiB${note}`,
      );
      count += 1;
    }
  }
  if (count === 0) ctx.out(`no models under ${ctx.modelsDir}`);
}

/** Removes `<name>` (a checkpoint folder, a LoRA file, ...); with several matches --kind must choose. */
export async function remove(ctx: CliContext, name: string, kind?: ModelKind): Promise<string> {
  if (!name || name.includes('/') || name.includes('\\') || name.startsWith('.'))
    throw new Error(`'${name}' is not a model name`);
  const candidates: string[] = [];
  for (const k of kind ? [kind] : KIND_NAMES) {
    const path = join(ctx.modelsDir, MODEL_KINDS[k].folder, name);
    if (await stat(path).catch(() => null)) candidates.push(path);
  }
  if (candidates.length === 0)
    throw new Error(
      `no model named '${name}' under ${ctx.modelsDir}${kind ? ` (${kind})` : ''}; see \`npm run models -- list\``,
    );
  if (candidates.length > 1) throw new Error(`'${name}' exists as ${candidates.join(' and ')}; add --kind`);
  await rm(candidates[0], { recursive: true, force: true });
  ctx.out(`removed ${candidates[0]}`);
  return candidates[0];
}
