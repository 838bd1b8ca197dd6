/**
 * The allow-list: the only constructors a PyTorch state dict's pickle may name, and what each
 * builds here (a description of a tensor, never a call into anything). torch.save writes a tensor
 * as `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata])` with the storage a persistent id `('storage', torch.<X>Storage,
 * key, location, numel)` naming `<archive>/data/<key>`; nn.Parameter wraps that in
 * `_rebuild_parameter(tensor, requires_grad, backward_hooks)`; newer dtypes use `_rebuild_tensor_v3(…, dtype)`
 * over a `torch.UntypedStorage` with a `torch.<dtype>` object; dicts are `collections.OrderedDict`.
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

/** `torch.<dtype>` objects, which `_rebuild_tensor_v3` passes for tensors over untyped storages. */
const DTYPE_STORAGES: Record<string, string> = {
  float64: 'DoubleStorage',
  double: 'DoubleStorage',
  float32: 'FloatStorage',
  float: 'FloatStorage',
  float16: 'HalfStorage',
  half: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  long: 'LongStorage',
  int32: 'IntStorage',
  int: 'IntStorage',
  int16: 'ShortStorage',
  short: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
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

/** v3: the storage is read as `dtype`, the offset counted in elements of it. */
function rebuildTensorV3(args: readonly PickleValue[], path: string): TensorRef {
  const [storage, , , , , , dtype] = args;
  if (!(storage instanceof StorageRef) || !(dtype instanceof StorageType))
    throw new TorchFileError(path, '_rebuild_tensor_v3 is not given a storage of the archive and a torch dtype');
  const retyped = new StorageRef(storage.key, dtype, Math.floor((storage.numel * storage.type.bytes) / dtype.bytes));
  return rebuildTensor([retyped, ...args.slice(1, 4)], path);
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
  if (module === 'torch._utils' && name === '_rebuild_tensor_v3')
    return callable(qualified, (args) => rebuildTensorV3(args, path));
  if (module === 'torch._utils' && (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state')) {
    return callable(qualified, (args) => {
      if (!(args[0] instanceof TensorRef)) throw new TorchFileError(path, `${qualified} wraps something not a tensor`);
      return args[0];
    });
  }
  const storageName = module === 'torch' ? (STORAGE_DTYPES[name] ? name : DTYPE_STORAGES[name]) : undefined;
  if (storageName !== undefined) {
    const { dtype, bytes } = STORAGE_DTYPES[storageName];
    const type = new StorageType(storageName, dtype, bytes);
    return Object.assign(type, {
      qualifiedName: qualified,
      call: (): PickleValue => {
        throw new TorchFileError(path, `${qualified} is called directly; only storages of the archive are read`);
      },
    });
  }
  throw new TorchFileError(
    path,
    `the pickle asks for ${qualified}, which is not an allowed constructor of a PyTorch state dict (nothing was run; allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2/_v3, torch._utils._rebuild_parameter, torch.<X>Storage, torch.<dtype>)`,
  );
}
