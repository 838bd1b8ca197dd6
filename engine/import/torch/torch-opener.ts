/**
 * Plugs the PyTorch reader into openTensorSource: importing this module registers it, so every
 * import that opens a model file by content reads `.bin`/`.pth`/`.ckpt`/`.patch` too. A zip is
 * read as torch.save's format; a bare pickle (torch.save before 1.6, or pickle.dump) is refused
 * with what to do, since its tensors are interleaved with the pickle and it is rare today.
 */
import { registerTensorSourceOpener, type TensorSource } from '../tensor-source.ts';
import { TorchFileError } from './torch-file-error.ts';
import { TorchTensorSource } from './torch-tensor-source.ts';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** PROTO 2, LONG1 of torch's legacy magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

function startsWith(head: Buffer, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}

export async function openTorchFile(path: string, head: Buffer): Promise<TensorSource | null> {
  if (startsWith(head, ZIP_MAGIC)) return TorchTensorSource.open(path);
  if (startsWith(head, LEGACY_MAGIC))
    throw new TorchFileError(
      path,
      "PyTorch's legacy (pre-1.6) format, which this reader does not read; re-save it with a current torch: torch.save(torch.load(f), f)",
    );
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5)
    throw new TorchFileError(path, 'a bare pickle, not a torch.save zip archive; save the state dict with torch.save');
  return null;
}

registerTensorSourceOpener(openTorchFile);
