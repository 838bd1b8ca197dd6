/**
 * The graph rewrite that lets a CLIP text encoder export read textual-inversion vectors: the
 * embedding rows are appended below its `token_embedding` table, so placeholder ids
 * (≥ EMBEDDING_ID_BASE, job-embeddings.ts) look them up like ordinary words. Our exports have no
 * inputs_embeds input, so this is the one path that reaches them. The table itself is left as it
 * is (it may be gigabytes of external data); a Concat of it and a small inline initializer takes
 * its place as the Gather's data, and the placeholder ids are shifted onto the new rows:
 *
 *   plain  = ids < BASE
 *   row    = Where(plain, ids, ids − (BASE − tableRows))   → Gather(Concat(table, rows), row)
 *   pooled = Where(plain, ids, 0)                          → every other reader of the ids
 *
 * The second line matters because CLIP pools at the argmax id (the first EOS, 49407, the largest
 * real id): a raw placeholder would win that argmax. ComfyUI solves the same problem by renumbering
 * EOS above its new rows; zero is below EOS in every tokenizer, so the pooling position is exactly
 * the original's.
 */
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import { DATA_TYPE, dimsOf } from '../lora/initializer-data.ts';
import type { GraphRewrite } from '../onnx/rewritten-model-cache.ts';
import { toFloat16Array } from '../onnx/float16.ts';
import type { SdxlEmbedding } from './embedding-vectors.ts';
import { EMBEDDING_ID_BASE } from './job-embeddings.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

const INT64 = onnx.TensorProto.DataType.INT64;
const INT32 = onnx.TensorProto.DataType.INT32;
const SCOPE = '/textual_inversion';
const FLOAT16_MAX = 65504;

export type EncoderSide = 'first' | 'second';

interface TableSite {
  gather: NodeProto;
  table: TensorProto;
  ids: string;
  /** INT64 (optimum) or INT32 (some Olive/DirectML exports): the rewrite's constants match it. */
  idType: number;
}

/**
 * The token-embedding lookup: the one Gather whose data is a rank-2 initializer and whose indices
 * are an integer graph input (the position embedding gathers a constant, never an input).
 */
function findTable(graph: GraphProto): TableSite | string {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const idInputs = new Map(
    (graph.input ?? [])
      .filter((i) => i.type?.tensorType?.elemType === INT64 || i.type?.tensorType?.elemType === INT32)
      .map((i) => [i.name ?? '', i.type!.tensorType!.elemType!]),
  );
  const sites: TableSite[] = [];
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Gather' || (node.input ?? []).length < 2) continue;
    const table = initializers.get(node.input![0]);
    const idType = idInputs.get(node.input![1]);
    if (table && dimsOf(table).length === 2 && idType !== undefined)
      sites.push({ gather: node, table, ids: node.input![1], idType });
  }
  if (sites.length === 1) return sites[0];
  return sites.length === 0
    ? 'no token-embedding Gather reads the integer input ids directly from an initializer table'
    : `${sites.length} Gathers read the input ids from a table (${sites.map((s) => s.table.name).join(', ')}); expected one`;
}

/** One encoder's rows, float32 [Σ rows, width] in the set's order. */
function sideRows(embeddings: readonly SdxlEmbedding[], side: EncoderSide): { data: Float32Array; rows: number } {
  const rows = embeddings.reduce((sum, e) => sum + e[side].rows, 0);
  const width = embeddings[0]?.[side].width ?? 0;
  const data = new Float32Array(rows * width);
  let offset = 0;
  for (const e of embeddings) {
    data.set(e[side].data, offset);
    offset += e[side].data.length;
  }
  return { data, rows };
}

function idScalar(name: string, value: number, idType: number): TensorProto {
  return idType === INT32
    ? { name, dims: [], dataType: INT32, int32Data: [value] }
    : { name, dims: [], dataType: INT64, int64Data: [value] };
}

/**
 * The rewrite for one text encoder (`side` 'first' = CLIP-L, 'second' = CLIP-G) and one set of
 * embeddings; `component` only names the encoder in reasons. A width mismatch is a reason naming
 * the file, so the caller can fail the job with it.
 */
export function tokenEmbeddingRowsRewrite(
  embeddings: readonly SdxlEmbedding[],
  side: EncoderSide,
  component: string,
): GraphRewrite {
  const digest = createHash('sha256');
  for (const e of embeddings) {
    digest.update(`${e[side].rows}x${e[side].width};`);
    digest.update(new Uint8Array(e[side].data.buffer, e[side].data.byteOffset, e[side].data.byteLength));
  }
  const contentHash = digest.digest('hex').slice(0, 32);
  return {
    label: `textual inversion (${embeddings.map((e) => e.name).join(', ')}) into ${component}`,
    version: { rewrite: 'token-embedding-rows', revision: 1, base: EMBEDDING_ID_BASE, vectors: contentHash },
    unsupportedReason(model: ModelProto): string | undefined {
      const site = findTable(model.graph ?? {});
      if (typeof site === 'string') return site;
      const [tableRows, width] = dimsOf(site.table);
      if (tableRows >= EMBEDDING_ID_BASE)
        return `its token table has ${tableRows} rows, more than ids below ${EMBEDDING_ID_BASE}`;
      if (site.table.dataType !== DATA_TYPE.float32 && site.table.dataType !== DATA_TYPE.float16)
        return `its token table ${site.table.name} has ONNX data type ${site.table.dataType}; float32 or float16 expected`;
      for (const e of embeddings) {
        const vectors = e[side];
        if (vectors.width !== width)
          return `embedding '${e.name}' (${e.path}): \`${vectors.tensor}\` vectors are ${vectors.width} wide, but ${component}'s token embedding is ${width} wide`;
        if (site.table.dataType === DATA_TYPE.float16 && vectors.data.some((v) => Math.abs(v) > FLOAT16_MAX))
          return `embedding '${e.name}' (${e.path}): \`${vectors.tensor}\` has values beyond float16's range, and ${component} stores its token table in float16`;
      }
      return undefined;
    },
    rewrite(model: ModelProto): ModelProto {
      const graph = model.graph!;
      const site = findTable(graph) as TableSite;
      const [tableRows, width] = dimsOf(site.table);
      const { data, rows } = sideRows(embeddings, side);
      const isHalf = site.table.dataType === DATA_TYPE.float16;
      const values = isHalf ? toFloat16Array(data) : data;
      const names = {
        rows: `${SCOPE}/rows`,
        base: `${SCOPE}/base`,
        shift: `${SCOPE}/shift`,
        zero: `${SCOPE}/zero`,
        plain: `${SCOPE}/Less_output_0`,
        shifted: `${SCOPE}/Sub_output_0`,
        rowIds: `${SCOPE}/Where_output_0`,
        pooledIds: `${SCOPE}/Where_1_output_0`,
        table: `${SCOPE}/Concat_output_0`,
      };
      // Every reader of the ids but the table lookup sees placeholders as 0 (the pooling argmax).
      for (const node of graph.node ?? []) {
        if (node === site.gather) continue;
        node.input = (node.input ?? []).map((input) => (input === site.ids ? names.pooledIds : input));
      }
      site.gather.input = [names.table, names.rowIds, ...(site.gather.input ?? []).slice(2)];
      graph.initializer = [
        ...(graph.initializer ?? []),
        {
          name: names.rows,
          dims: [rows, width],
          dataType: site.table.dataType,
          rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
        },
        idScalar(names.base, EMBEDDING_ID_BASE, site.idType),
        idScalar(names.shift, EMBEDDING_ID_BASE - tableRows, site.idType),
        idScalar(names.zero, 0, site.idType),
      ];
      const node = (op: string, input: string[], output: string, attribute: NodeProto['attribute'] = []) => ({
        opType: op,
        name: output.replace(/_output_0$/, ''),
        input,
        output: [output],
        attribute,
      });
      // Placed first: they read only the graph input and initializers, so the order stays topological.
      graph.node = [
        node('Less', [site.ids, names.base], names.plain),
        node('Sub', [site.ids, names.shift], names.shifted),
        node('Where', [names.plain, site.ids, names.shifted], names.rowIds),
        node('Where', [names.plain, site.ids, names.zero], names.pooledIds),
        node('Concat', [site.table.name!, names.rows], names.table, [
          { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
        ]),
        ...(graph.node ?? []),
      ];
      return model;
    },
  };
}
