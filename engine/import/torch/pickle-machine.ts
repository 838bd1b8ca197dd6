/**
 * A pickle virtual machine that builds data and never runs code. Python's unpickler imports any
 * `module.name` a GLOBAL opcode asks for and calls it on REDUCE, which is how a pickle runs
 * `os.system`; here every GLOBAL goes through `hooks.resolveGlobal`, which answers only the
 * constructors a state dict needs (torch-globals.ts) and refuses the rest before anything is called.
 * Opcodes: all of protocols 2–4 that build plain data plus GLOBAL/STACK_GLOBAL, REDUCE, NEWOBJ,
 * BUILD and BINPERSID; the text opcodes of protocol 0 and INST/OBJ are refused. The machine only
 * moves forward through the bytes, so a malformed pickle ends in an error, never a loop.
 */
import { TorchFileError } from './torch-file-error.ts';

export type PickleKey = string | number | bigint | boolean | null;

/** A Python dict (or OrderedDict) in insertion order; BUILD state (e.g. a state dict's `_metadata`) kept apart. */
export class PickleDict {
  readonly items = new Map<PickleKey, PickleValue>();
  state: PickleValue | undefined;
}

/** An allowed constructor as the machine sees it: GLOBAL pushes it, REDUCE/NEWOBJ call it. */
export interface PickleCallable {
  readonly qualifiedName: string;
  call(args: readonly PickleValue[]): PickleValue;
}

/** What a constructor returned that is not plain data (a tensor reference, a storage type). */
export interface PickleObject {
  readonly pickleObject: string;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly PickleValue[]
  | PickleValue[]
  | PickleDict
  | PickleCallable
  | PickleObject;

export interface PickleHooks {
  /** The constructor `module.name`, or a throw refusing it. */
  resolveGlobal(module: string, name: string): PickleCallable;
  /** BINPERSID: the object a persistent id stands for (torch: a storage). */
  persistentLoad(pid: PickleValue): PickleValue;
}

const MAX_MEMO_INDEX = 1 << 28;

/** push(...items) overflows the call stack for very long lists. */
function appendAll(target: PickleValue[], items: readonly PickleValue[]): void {
  for (const item of items) target.push(item);
}

function isCallable(value: PickleValue | undefined): value is PickleCallable {
  return typeof value === 'object' && value !== null && 'call' in value && 'qualifiedName' in value;
}

/** Text names of the opcodes refused on purpose, so the error says which one the file used. */
const REFUSED: Record<number, string> = {
  0x49: 'INT',
  0x4c: 'LONG',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x46: 'FLOAT',
  0x70: 'PUT',
  0x67: 'GET',
  0x50: 'PERSID',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x92: 'NEWOBJ_EX',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

export function unpickle(bytes: Uint8Array, hooks: PickleHooks, path: string): PickleValue {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string): never => {
    throw new TorchFileError(path, `pickle ${problem}`);
  };
  let pos = 0;
  let stack: PickleValue[] = [];
  const metastack: PickleValue[][] = [];
  const memo = new Map<number, PickleValue>();

  const need = (n: number): number => {
    if (pos + n > data.length) fail(`ends early at byte ${pos} (truncated data.pkl)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => data[need(1)];
  const u16 = () => data.readUInt16LE(need(2));
  const u32 = () => data.readUInt32LE(need(4));
  const u64 = (): number => {
    const value = data.readBigUInt64LE(need(8));
    if (value > BigInt(data.length)) fail(`declares ${value} bytes at byte ${pos - 8}, more than the pickle holds`);
    return Number(value);
  };
  const take = (n: number): Buffer => data.subarray(need(n), pos);
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail(`has an unterminated text line at byte ${pos}`);
    const text = data.toString('latin1', pos, end);
    pos = end + 1;
    return text;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) fail(`pops an empty stack at byte ${pos}`);
    return stack.pop()!;
  };
  const top = (): PickleValue => {
    if (stack.length === 0) fail(`reads an empty stack at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const popMark = (): PickleValue[] => {
    const items = stack;
    const previous = metastack.pop();
    if (previous === undefined) fail(`has no MARK for the opcode at byte ${pos - 1}`);
    stack = previous!;
    return items;
  };
  const long = (raw: Buffer): number | bigint => {
    if (raw.length === 0) return 0;
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw[raw.length - 1] & 0x80) value -= 1n << BigInt(raw.length * 8);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  };
  const dictOf = (value: PickleValue, opcode: string): PickleDict => {
    if (!(value instanceof PickleDict)) fail(`${opcode} at byte ${pos - 1} targets something that is not a dict`);
    return value as PickleDict;
  };
  const listOf = (value: PickleValue, opcode: string): PickleValue[] => {
    if (!Array.isArray(value) || Object.isFrozen(value))
      fail(`${opcode} at byte ${pos - 1} targets something that is not a list`);
    return value as PickleValue[];
  };
  const setItems = (dict: PickleDict, items: PickleValue[]): void => {
    if (items.length % 2 !== 0) fail(`SETITEMS at byte ${pos - 1} has an odd number of items`);
    for (let i = 0; i < items.length; i += 2) dict.items.set(asKey(items[i]), items[i + 1]);
  };
  const asKey = (value: PickleValue): PickleKey => {
    if (value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value)) return value as PickleKey;
    return fail(`uses a dict key that is not a str, int or bool at byte ${pos - 1}`);
  };
  const tuple = (items: PickleValue[]): readonly PickleValue[] => Object.freeze(items);
  const call = (callable: PickleValue, args: PickleValue, opcode: string): PickleValue => {
    if (!isCallable(callable)) fail(`${opcode} at byte ${pos - 1} calls something that is not an allowed constructor`);
    if (!Array.isArray(args)) fail(`${opcode} at byte ${pos - 1} has arguments that are not a tuple`);
    return (callable as PickleCallable).call(args as PickleValue[]);
  };
  const memoGet = (index: number): PickleValue => {
    if (!memo.has(index)) fail(`reads memo slot ${index}, which was never written (byte ${pos})`);
    return memo.get(index)!;
  };
  const memoPut = (index: number): void => {
    if (index > MAX_MEMO_INDEX) fail(`writes memo slot ${index}`);
    memo.set(index, top());
  };

  for (;;) {
    const opcodeAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`protocol ${data[opcodeAt + 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: framing is a hint for buffered readers; the whole pickle is in memory.
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || metastack.length !== 0) fail(`stops with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) popMark();
        else stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x8f: // EMPTY_SET: kept as a list; sets hold no tensors in a state dict.
        stack.push([]);
        break;
      case 0x64: {
        // DICT
        const dict = new PickleDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x6c: // LIST
      case 0x74: // TUPLE
      case 0x91: {
        // FROZENSET. popMark() replaces `stack`, so it must run before `stack.push` is looked up.
        const items = popMark();
        stack.push(op === 0x6c ? items : tuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(take(u32()).toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(take(u64()).toString('utf8'));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(take(u32()).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(take(u8()).toString('latin1'));
        break;
      case 0x42: // BINBYTES
        stack.push(Uint8Array.from(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Uint8Array.from(take(u8())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(Uint8Array.from(take(u64())));
        break;
      case 0x4a: // BININT
        stack.push(data.readInt32LE(need(4)));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(long(take(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(data.readDoubleBE(need(8)));
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        dictOf(top(), 'SETITEM').items.set(asKey(key), value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(dictOf(top(), 'SETITEMS'), items);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        listOf(top(), 'APPEND').push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendAll(listOf(top(), 'APPENDS'), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendAll(listOf(top(), 'ADDITEMS'), items);
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(hooks.resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail(`STACK_GLOBAL at byte ${opcodeAt} names its constructor with non-strings`);
        stack.push(hooks.resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); the allow-list answers the same object REDUCE would.
        const args = pop();
        stack.push(call(pop(), args, 'NEWOBJ'));
        break;
      }
      case 0x62: {
        // BUILD: __setstate__ / __dict__.update. Nothing is run; the state is kept beside the object.
        const state = pop();
        const target = top();
        if (target instanceof PickleDict) target.state = state;
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      default:
        fail(
          REFUSED[op] !== undefined
            ? `uses opcode ${REFUSED[op]} at byte ${opcodeAt}, which this reader does not accept in a state dict`
            : `has an unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${opcodeAt} (corrupt data.pkl)`,
        );
    }
  }
}
