/**
 * A torch.save file (≥ 1.6) opened as a flat state dict: the zip's `<archive>/data.pkl` is run
 * through the safe pickle machine, nested dicts and tuples become dotted names (an IP-Adapter's
 * `{'image_proj': {...}, 'ip_adapter': {...}}` → `image_proj.latents`, a Fooocus patch's
 * `key: (w, min, max)` → `key.0`, `key.1`, `key.2`), and each tensor keeps only where its bytes lie
 * in `<archive>/data/<key>`: nothing is read until asked for.
 */
import { unpickle, PickleDict, type PickleValue } from './pickle-machine.ts';
import { resolveTorchGlobal, StorageRef, StorageType, TensorRef } from './torch-globals.ts';
import { TorchFileError } from './torch-file-error.ts';
import { ZipArchive } from './zip-archive.ts';

/** Nesting beyond this is not a state dict (and a self-referencing pickle must not recurse forever). */
const MAX_DEPTH = 32;

export interface TorchArchive {
  zip: ZipArchive;
  /** The entries' common folder (`archive`, or the file's stem for older torch versions). */
  prefix: string;
  tensors: Map<string, TensorRef>;
}

function findPrefix(zip: ZipArchive): string {
  const pickles = [...zip.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) {
    const legacy = [...zip.entries.keys()].some((name) => name === 'data.pkl' || name.endsWith('/constants.pkl'));
    throw new TorchFileError(
      zip.path,
      pickles.length === 0
        ? `a zip archive without <archive>/data.pkl: not a torch.save file${legacy ? ' (a TorchScript archive? save the state_dict with torch.save instead)' : ''}`
        : `a zip archive with ${pickles.length} data.pkl entries; expected one`,
    );
  }
  return pickles[0].slice(0, -'/data.pkl'.length);
}

async function checkByteOrder(zip: ZipArchive, prefix: string): Promise<void> {
  const name = `${prefix}/byteorder`;
  // Files from torch < 2.1 have no byteorder entry; they were written little-endian on every platform torch ships for.
  if (!zip.entries.has(name)) return;
  const order = (await zip.read(name)).toString('latin1').trim();
  if (order !== 'little')
    throw new TorchFileError(
      zip.path,
      `tensors are stored ${order}-endian; re-save the file on a little-endian machine`,
    );
}

function storageLoader(zip: ZipArchive, prefix: string): (pid: PickleValue) => PickleValue {
  const storages = new Map<string, StorageRef>();
  return (pid) => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length !== 5)
      throw new TorchFileError(zip.path, `the pickle has a persistent id that is not a torch storage`);
    const [, type, key, , numel] = pid as PickleValue[];
    if (!(type instanceof StorageType)) throw new TorchFileError(zip.path, 'a storage has no torch storage type');
    if (typeof key !== 'string' || typeof numel !== 'number')
      throw new TorchFileError(zip.path, 'a storage has a malformed key or element count');
    const known = storages.get(key);
    if (known) return known;
    const entry = zip.entries.get(`${prefix}/data/${key}`);
    if (!entry) throw new TorchFileError(zip.path, `storage ${key} has no entry ${prefix}/data/${key} (truncated?)`);
    if (entry.size < numel * type.bytes)
      throw new TorchFileError(
        zip.path,
        `storage ${key} holds ${entry.size} bytes, less than its ${numel} ${type.className} elements need`,
      );
    const storage = new StorageRef(key, type, numel);
    storages.set(key, storage);
    return storage;
  };
}

function flatten(value: PickleValue, prefix: string, out: Map<string, TensorRef>, depth: number, path: string): void {
  if (depth > MAX_DEPTH) throw new TorchFileError(path, `the state dict nests deeper than ${MAX_DEPTH} levels`);
  const child = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  if (value instanceof TensorRef) {
    if (out.has(prefix)) throw new TorchFileError(path, `two tensors flatten to the same name ${prefix}`);
    out.set(prefix, value);
  } else if (value instanceof PickleDict) {
    for (const [key, item] of value.items) flatten(item, child(String(key)), out, depth + 1, path);
  } else if (Array.isArray(value)) {
    (value as PickleValue[]).forEach((item, i) => flatten(item, child(String(i)), out, depth + 1, path));
  }
  // Numbers, strings and None beside the tensors (an epoch, a version) carry no weights.
}

/** Opens `path` as a torch.save zip; the caller closes `zip`. */
export async function openTorchArchive(path: string): Promise<TorchArchive> {
  const zip = await ZipArchive.open(path);
  try {
    const prefix = findPrefix(zip);
    await checkByteOrder(zip, prefix);
    const root = unpickle(
      await zip.read(`${prefix}/data.pkl`),
      {
        resolveGlobal: (module, name) => resolveTorchGlobal(module, name, path),
        persistentLoad: storageLoader(zip, prefix),
      },
      path,
    );
    const tensors = new Map<string, TensorRef>();
    flatten(root, '', tensors, 0, path);
    if (tensors.size === 0) throw new TorchFileError(path, 'the file holds no tensors');
    return { zip, prefix, tensors };
  } catch (error) {
    await zip.close();
    throw error;
  }
}
