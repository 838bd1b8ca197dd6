/**
 * A UNet that takes ControlNet residuals (onnx-sdxl-engine.md §5.1, the diffusers "split" I/O):
 * the rewrite adds graph inputs `down_block_{k}_additional_residual` and
 * `mid_block_additional_residual` and adds them where diffusers (and ComfyUI, which Fooocus runs)
 * add them — each down residual to the skip connection the up blocks concatenate (the second
 * input of the `/up_blocks.N/Concat[_k]` nodes FreeU also rewrites: engine/unet/freeu-graph.ts),
 * the mid residual to the mid block's output (the first input of the first up-block Concat).
 * Residual k belongs to the k-th skip the encoder pushed, and the up blocks pop them last first,
 * so the j-th Concat in execution order (block, then `_k`) reads residual n − 1 − j. SDXL has 9
 * skips; the tiny demo UNet 3. Zeros fed in leave the UNet's output bit-identical, so one rewritten
 * model serves steps with and without control. A FreeU rewrite applied afterwards sees the sums,
 * which is ComfyUI's order (control first, then the output-block patch).
 */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { findFreeuSites, type FreeuSite } from '../unet/freeu-graph.ts';
import { ValueTypes } from '../unet/freeu-value-type.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type NodeProto = onnxProto.onnx.INodeProto;

export const MID_RESIDUAL = 'mid_block_additional_residual';
export const downResidualName = (k: number): string => `down_block_${k}_additional_residual`;
/** Bumped whenever the emitted nodes change, so cached rewrites are rebuilt. */
export const RESIDUAL_GRAPH_VERSION = 1;

const FLOAT_TYPES = new Set([1, 10, 11, 16]);

/** The skip Concats in execution order: block, then the `_k` suffix. */
export function residualSites(model: ModelProto): FreeuSite[] {
  const suffix = (name: string) => Number(/_(\d+)$/.exec(name)?.[1] ?? 0);
  return findFreeuSites(model).sort((a, b) => a.block - b.block || suffix(a.name) - suffix(b.name));
}

/** The residual input names a UNet takes (down 0..n−1, then mid), or [] when it takes none. */
export function residualInputNames(model: ModelProto): string[] {
  const names = new Set((model.graph?.input ?? []).map((i) => i.name ?? ''));
  if (!names.has(MID_RESIDUAL)) return [];
  const down: string[] = [];
  while (names.has(downResidualName(down.length))) down.push(downResidualName(down.length));
  return [...down, MID_RESIDUAL];
}

/** Why residuals cannot be added to this export, or undefined when they can (or it already takes them). */
export function residualUnsupportedReason(model: ModelProto): string | undefined {
  if (residualInputNames(model).length > 0) return undefined;
  if (residualSites(model).length === 0)
    return 'no up-block skip Concat (/up_blocks.N/Concat, axis 1, two inputs) in the graph';
  return undefined;
}

/**
 * A new ModelProto adding the residual inputs; `model` itself when it already has them (an
 * OnnxStack-style ControlNet UNet export). Original nodes and initializers are shared, not copied.
 */
export function rewriteForResiduals(model: ModelProto): ModelProto {
  if (residualInputNames(model).length > 0) return model;
  const reason = residualUnsupportedReason(model);
  if (reason) throw new Error(`ControlNet residuals cannot be added to this UNet export: ${reason}`);
  const graph = model.graph!;
  const types = new ValueTypes(graph);
  const sites = residualSites(model);
  const spliced = new Map<number, NodeProto[]>();
  const inputs: onnxProto.onnx.IValueInfoProto[] = [];
  const declare = (name: string, like: string, site: FreeuSite) => {
    const elemType = types.elemType(like);
    if (elemType === undefined || !FLOAT_TYPES.has(elemType))
      throw new Error(
        `ControlNet: cannot tell the float type of ${like}, an input of ${site.name} (found ${elemType})`,
      );
    const dim = ['batch', `${name}_channels`, `${name}_height`, `${name}_width`].map((dimParam) => ({ dimParam }));
    inputs.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } }));
  };
  const midName = MID_RESIDUAL;
  sites.forEach((site, j) => {
    const k = sites.length - 1 - j;
    const name = downResidualName(k);
    declare(name, site.skip, site);
    const nodes: NodeProto[] = [];
    const skip = `/controlnet${site.name}/skip_plus_residual`;
    nodes.push(
      onnx.NodeProto.create({
        name: `/controlnet${site.name}/AddSkip`,
        opType: 'Add',
        input: [site.skip, name],
        output: [skip],
      }),
    );
    let hidden = site.hidden;
    if (j === 0) {
      declare(midName, site.hidden, site);
      hidden = `/controlnet${site.name}/mid_plus_residual`;
      nodes.push(
        onnx.NodeProto.create({
          name: `/controlnet${site.name}/AddMid`,
          opType: 'Add',
          input: [site.hidden, midName],
          output: [hidden],
        }),
      );
    }
    const concat = graph.node![site.nodeIndex];
    spliced.set(site.nodeIndex, [...nodes, onnx.NodeProto.create({ ...concat, input: [hidden, skip] })]);
  });
  // Each site's Adds go right before its Concat, after both inputs exist: the order stays topological.
  const nodes = (graph.node ?? []).flatMap((node, i) => spliced.get(i) ?? [node]);
  const ordered = [
    ...inputs.filter((i) => i.name !== midName).sort((a, b) => residualIndex(a.name!) - residualIndex(b.name!)),
    ...inputs.filter((i) => i.name === midName),
  ];
  return onnx.ModelProto.create({
    ...model,
    graph: onnx.GraphProto.create({ ...graph, node: nodes, input: [...(graph.input ?? []), ...ordered] }),
  });
}

function residualIndex(name: string): number {
  return Number(/^down_block_(\d+)_/.exec(name)?.[1] ?? -1);
}

export async function residualUnsupportedReasonAt(modelPath: string): Promise<string | undefined> {
  return residualUnsupportedReason(onnx.ModelProto.decode(await readFile(modelPath)));
}
