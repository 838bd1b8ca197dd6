/**
 * ControlNet-ready UNets (residual-graph.ts) on disk, built once per source model and reused, as
 * the FreeU rewrites are (engine/onnx/rewritten-model-cache.ts). A UNet that already takes the
 * residual inputs is used as it is.
 */
import { rewrittenModelPath, type RewriteCacheOptions } from '../onnx/rewritten-model-cache.ts';
import {
  RESIDUAL_GRAPH_VERSION,
  residualInputNames,
  residualUnsupportedReason,
  rewriteForResiduals,
} from './residual-graph.ts';

export type ResidualCacheOptions = RewriteCacheOptions;

/**
 * The path of a model.onnx computing `modelPath`'s UNet with the residual inputs; `reason` when
 * this export cannot take them.
 */
export function residualUnetPath(
  modelPath: string,
  cacheRoot: string,
  options: ResidualCacheOptions = {},
): Promise<{ modelPath: string } | { reason: string }> {
  return rewrittenModelPath(
    modelPath,
    cacheRoot,
    {
      label: 'ControlNet',
      version: { residualGraph: RESIDUAL_GRAPH_VERSION },
      unsupportedReason: residualUnsupportedReason,
      rewrite: rewriteForResiduals,
      isAlreadyDone: (model) => residualInputNames(model).length > 0,
    },
    options,
  );
}
