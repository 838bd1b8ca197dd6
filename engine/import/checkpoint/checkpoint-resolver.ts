/**
 * Fills a component graph from a checkpoint: each parameter the graph declares becomes a source recipe that reads
 * its checkpoint tensor when the graph writes it (one tensor in memory at a time) and applies the key map's
 * transform. The float type conversion is the graph's own (values are decoded to float32, exact for F16/BF16).
 */
import type { WeightResolver } from '../../models/synthetic/streaming-graph.ts';
import type { SdxlComponent } from '../../models/synthetic/synthetic-checkpoint.ts';
import type { TensorSource } from '../tensor-source.ts';
import { toParameter } from './key-transforms.ts';
import type { SdxlKeyMap } from './sdxl-key-map.ts';

export function checkpointResolver(
  map: SdxlKeyMap,
  component: SdxlComponent,
  source: TensorSource,
  /** The name in the file of a canonical key (a separate VAE file drops `first_stage_model.`). */
  nameInFile: (key: string) => string,
  onRead: (name: string) => void = () => {},
): WeightResolver {
  return (parameter, shape) => {
    const found = map.parameters.get(`${component}/${parameter}`);
    if (!found) return undefined;
    const expected = found.target.shape;
    if (expected.length !== shape.length || expected.some((d, i) => d !== shape[i]))
      throw new Error(`${component} parameter ${parameter}: the key map says [${expected}], the graph [${shape}]`);
    const name = nameInFile(found.key.key);
    return {
      kind: 'source',
      label: `${source.path}: ${name}`,
      read: async () => {
        const tensor = await source.readFloat32(name);
        onRead(name);
        return toParameter(found.target.transform, tensor.data, expected);
      },
    };
  };
}
