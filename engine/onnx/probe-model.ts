/** A one-node model (y = x + 1) used to find out which execution provider can start. */
import { GraphBuilder } from '../models/onnx-graph-builder.ts';

export function buildProbeModel(): Uint8Array {
  const g = new GraphBuilder('provider_probe');
  const x = g.input('x', 'float', ['n']);
  g.output(g.node('Add', [x, g.scalar(1)]), 'y', ['n']);
  return g.build().model;
}
