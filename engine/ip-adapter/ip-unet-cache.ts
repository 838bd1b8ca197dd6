/**
 * IP-rewritten UNets on disk (ip-attention-graph.ts), built once per source model and reused, in
 * the FreeU cache's way (engine/onnx/rewritten-model-cache.ts). The source may itself be a
 * LoRA-merged, inpaint or FreeU set.
 */
import { rewrittenModelPath, type RewriteCacheOptions } from '../onnx/rewritten-model-cache.ts';
import { IP_GRAPH_VERSION, ipUnsupportedReason, rewriteForIpAdapter } from './ip-attention-graph.ts';

/** The rewritten model's path, or the reason the export cannot take image prompts. */
export function ipUnetPath(
  modelPath: string,
  cacheRoot: string,
  options: RewriteCacheOptions = {},
): Promise<{ modelPath: string } | { reason: string }> {
  const graphRewrite = {
    label: 'IP-Adapter',
    version: { ipGraph: IP_GRAPH_VERSION },
    unsupportedReason: ipUnsupportedReason,
    rewrite: rewriteForIpAdapter,
  };
  return rewrittenModelPath(modelPath, cacheRoot, graphRewrite, options);
}
