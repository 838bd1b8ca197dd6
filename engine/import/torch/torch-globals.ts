/**
 * The allow-list: the only constructors a PyTorch state dict's pickle may name, and what each
 * builds here (a description of a tensor, never a call into anything). torch.save writes a tensor
 * as `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata])` with the storage a persistent id `('storage', torch.<X>Storage,
 * key, location, numel)` naming `<archive>/data/<key>`; nn.Parameter wraps that in
 * `_rebuild_parameter(tensor, requires_grad, backward_hooks)`; dicts are `collections.OrderedDict`.
 * Anything else (os.system, builtins.eval, subprocess.Popen, numpy scalars, custom classes) is
 * refused by name before it could be called.
 */
import type { PickleCallable, PickleValue } from './pickle-machine.ts';
import { PickleDict } from './pickle-machine.ts';
import { TorchFileError } from './torch-file-error.ts';

/** torch's legacy typed-storage class names → safetensors dtype spelling and element width. */
export const STORAGE_DTYPES: Record<string, { dtype: string; bytes: number }> = {
  DoubleStorage: { dtype: 'F64', bytes: 8 },
  FloatStorage: { dtype: 'F32', bytes: 4 },
  HalfStorage: { dtype: 'F16', bytes: 2 },
  BFloat16Storage: { dtype: 'BF16', bytes: 2 },
  LongStorage: { dtype: 'I64', bytes: 8 },
  IntStorage: { dtype: 'I32', bytes: 4 },
  ShortStorage: { dtype: 'I16', bytes: 2 },
  CharStorage: { dtype: 'I8', bytes: 1 },
  ByteStorage: { dtype: 'U8', bytes: 1 },
  BoolStorage: { dtype: 'BOOL', bytes: 1 },
  UntypedStorage: { dtype: 'U8', bytes: 1 },
};

export class StorageType {
  readonly pickleObject = 'storage-type';
  constructor(
    readonly className: string,
    readonly dtype: string,
    readonly bytes: number,
  ) {}
}

/** One storage of the archive (`<archive>/data/<key>`), shared by every tensor viewing it. */
export class StorageRef {
  readonly pickleObject = 'storage';
  constructor(
    readonly key: string,
    readonly type: StorageType,
    readonly numel: number,
  ) {}
}

/** A tensor as the pickle describes it: a strided view of a storage, in elements. */
export class TensorRef {
  readonly pickleObject = 'tensor';
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

function ints(value: PickleValue, what: string, path: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0))
    throw new TorchFileError(path, `a tensor's ${what} is not a tuple of non-negative integers`);
  return value as number[];
}

function rebuildTensor(args: readonly PickleValue[], path: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef))
    throw new TorchFileError(path, 'a tensor is rebuilt from something that is not a storage of the archive');
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
    throw new TorchFileError(path, "a tensor's storage offset is not a non-negative integer");
  const shape = ints(size, 'size', path);
  const strides = ints(stride, 'stride', path);
  if (shape.length !== strides.length)
    throw new TorchFileError(path, `a tensor has ${shape.length} sizes but ${strides.length} strides`);
  return new TensorRef(storage, offset, shape, strides);
}

function callable(qualifiedName: string, call: (args: readonly PickleValue[]) => PickleValue): PickleCallable {
  return { qualifiedName, call };
}

/** The allowed constructor `module.name`, or a TorchFileError naming it and the file. */
export function resolveTorchGlobal(module: string, name: string, path: string): PickleCallable {
  const qualified = `${module}.${name}`;
  if (module === 'collections' && name === 'OrderedDict') {
    return callable(qualified, (args) => {
      const dict = new PickleDict();
      // OrderedDict(pairs): protocol 2 passes () and fills the dict with SETITEMS; accept pairs too.
      const pairs = args[0];
      if (Array.isArray(pairs)) {
        for (const pair of pairs as PickleValue[]) {
          const [key, value] = Array.isArray(pair) ? (pair as PickleValue[]) : [];
          if (typeof key === 'string' || typeof key === 'number') dict.items.set(key, value);
        }
      }
      return dict;
    });
  }
  if (module === 'torch._utils' && (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor'))
    return callable(qualified, (args) => rebuildTensor(args, path));
  if (module === 'torch._utils' && (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state')) {
    return callable(qualified, (args) => {
      if (!(args[0] instanceof TensorRef)) throw new TorchFileError(path, `${qualified} wraps something not a tensor`);
      return args[0];
    });
  }
  if (module === 'torch' && STORAGE_DTYPES[name]) {
    const { dtype, bytes } = STORAGE_DTYPES[name];
    const type = new StorageType(name, dtype, bytes);
    return Object.assign(type, {
      qualifiedName: qualified,
      call: (): PickleValue => {
        throw new TorchFileError(path, `${qualified} is called directly; only storages of the archive are read`);
      },
    });
  }
  throw new TorchFileError(
    path,
    `the pickle asks for ${qualified}, which is not an allowed constructor of a PyTorch state dict (nothing was run; allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.<dtype>Storage)`,
  );
}
