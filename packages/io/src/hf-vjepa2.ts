import { CheckpointError } from '@vjepa/errors';
import { type StateDict, type TensorData, allocTyped, shapeSize, tensorData } from './tensor-data';

/** The official-name state dicts inside a Hugging Face `VJEPA2Model` / `VJEPA2ForVideoClassification`. */
export interface Vjepa2Parts {
  /** `patch_embed.*`, `blocks.{i}.*`, `norm.*` (the released encoder; no `pos_embed` with RoPE). */
  encoder: StateDict;
  /** `predictor_embed.*`, `mask_tokens.{k}`, `predictor_blocks.{i}.*`, `predictor_norm.*`, `predictor_proj.*`; null if absent. */
  predictor: StateDict | null;
  /** The attentive probe (`pooler.*`, `linear.*`, V-JEPA 2 layout) of a video classification model; null if absent. */
  classifier: StateDict | null;
}

type Part = 'encoder' | 'predictor' | 'classifier';
/** HF name -> [part, official name, position in a fused tensor (q/k/v, k/v) or -1, how many parts]. */
type Rule = [RegExp, (m: RegExpExecArray) => [Part, string, number, number]];

const BLOCK_TAIL = String.raw`(norm[12]\.(?:weight|bias)|mlp\.fc[12]\.(?:weight|bias))`;
const QKV = ['query', 'key', 'value'];
const P = ['q', 'k', 'v'];

// transformers' convert_vjepa2_to_hf.py (encoder, predictor) and convert_vjepa2_classifier_to_hf.py
// (probe), read backwards. Nothing is permuted: q, k, v (and k, v) are row blocks of the fused Linear,
// mask tokens are stacked on a new first axis, the Conv3d patch weights are unchanged.
const RULES: Rule[] = [
  [/^encoder\.embeddings\.patch_embeddings\.proj\.(weight|bias)$/, (m) => ['encoder', `patch_embed.proj.${m[1]}`, -1, 1]],
  [/^encoder\.embeddings\.position_embeddings$/, () => ['encoder', 'pos_embed', -1, 1]],
  [new RegExp(String.raw`^encoder\.layer\.(\d+)\.${BLOCK_TAIL}$`), (m) => ['encoder', `blocks.${m[1]}.${m[2]}`, -1, 1]],
  [/^encoder\.layer\.(\d+)\.attention\.(query|key|value)\.(weight|bias)$/, (m) => ['encoder', `blocks.${m[1]}.attn.qkv.${m[3]}`, QKV.indexOf(m[2]), 3]],
  [/^encoder\.layer\.(\d+)\.attention\.proj\.(weight|bias)$/, (m) => ['encoder', `blocks.${m[1]}.attn.proj.${m[2]}`, -1, 1]],
  [/^encoder\.layernorm\.(weight|bias)$/, (m) => ['encoder', `norm.${m[1]}`, -1, 1]],
  [/^predictor\.embeddings\.predictor_embeddings\.(weight|bias)$/, (m) => ['predictor', `predictor_embed.${m[1]}`, -1, 1]],
  [/^predictor\.embeddings\.position_embeddings$/, () => ['predictor', 'predictor_pos_embed', -1, 1]],
  [new RegExp(String.raw`^predictor\.layer\.(\d+)\.${BLOCK_TAIL}$`), (m) => ['predictor', `predictor_blocks.${m[1]}.${m[2]}`, -1, 1]],
  [/^predictor\.layer\.(\d+)\.attention\.(query|key|value)\.(weight|bias)$/, (m) => ['predictor', `predictor_blocks.${m[1]}.attn.qkv.${m[3]}`, QKV.indexOf(m[2]), 3]],
  [/^predictor\.layer\.(\d+)\.attention\.proj\.(weight|bias)$/, (m) => ['predictor', `predictor_blocks.${m[1]}.attn.proj.${m[2]}`, -1, 1]],
  [/^predictor\.layernorm\.(weight|bias)$/, (m) => ['predictor', `predictor_norm.${m[1]}`, -1, 1]],
  [/^predictor\.proj\.(weight|bias)$/, (m) => ['predictor', `predictor_proj.${m[1]}`, -1, 1]],
  [/^pooler\.query_tokens$/, () => ['classifier', 'pooler.query_tokens', -1, 1]],
  [/^pooler\.cross_attention_layer\.layer_norm([12])\.(weight|bias)$/, (m) => ['classifier', `pooler.cross_attention_block.norm${m[1]}.${m[2]}`, -1, 1]],
  [/^pooler\.cross_attention_layer\.cross_attn\.q_proj\.(weight|bias)$/, (m) => ['classifier', `pooler.cross_attention_block.xattn.q.${m[1]}`, -1, 1]],
  [/^pooler\.cross_attention_layer\.cross_attn\.([kv])_proj\.(weight|bias)$/, (m) => ['classifier', `pooler.cross_attention_block.xattn.kv.${m[2]}`, m[1] === 'k' ? 0 : 1, 2]],
  [/^pooler\.cross_attention_layer\.mlp\.(fc[12])\.(weight|bias)$/, (m) => ['classifier', `pooler.cross_attention_block.mlp.${m[1]}.${m[2]}`, -1, 1]],
  [/^pooler\.self_attention_layers\.(\d+)\.layer_norm([12])\.(weight|bias)$/, (m) => ['classifier', `pooler.blocks.${m[1]}.norm${m[2]}.${m[3]}`, -1, 1]],
  [/^pooler\.self_attention_layers\.(\d+)\.self_attn\.([qkv])_proj\.(weight|bias)$/, (m) => ['classifier', `pooler.blocks.${m[1]}.attn.qkv.${m[3]}`, P.indexOf(m[2]), 3]],
  [/^pooler\.self_attention_layers\.(\d+)\.self_attn\.out_proj\.(weight|bias)$/, (m) => ['classifier', `pooler.blocks.${m[1]}.attn.proj.${m[2]}`, -1, 1]],
  [/^pooler\.self_attention_layers\.(\d+)\.mlp\.(fc[12])\.(weight|bias)$/, (m) => ['classifier', `pooler.blocks.${m[1]}.mlp.${m[2]}.${m[3]}`, -1, 1]],
  [/^classifier\.(weight|bias)$/, (m) => ['classifier', `linear.${m[1]}`, -1, 1]],
];

/**
 * True when a state dict uses Hugging Face transformers' V-JEPA 2 names (`encoder.layer.0.attention.query.weight`,
 * with or without the `vjepa2.` prefix of `VJEPA2ForVideoClassification`).
 *
 * @example
 * isHfVjepa2StateDict(readSafetensors(bytes).tensors); // true for facebook/vjepa2-* model.safetensors
 */
export function isHfVjepa2StateDict(sd: StateDict): boolean {
  return Object.keys(sd).some((k) => /^(?:vjepa2\.)?encoder\.(?:layer\.\d+\.attention\.query|embeddings\.patch_embeddings)\./.test(k));
}

/** Row blocks concatenated along axis 0 (C order: the flat arrays one after another). */
function concatRows(parts: TensorData[], name: string, where: string): TensorData {
  const [first] = parts;
  const tail = first.shape.slice(1).join(',');
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.shape.slice(1).join(',') !== tail || p.shape.length !== first.shape.length) {
      throw new CheckpointError(`${where}: parts of "${name}"`, {
        expected: `equal dtypes and trailing shapes (${first.dtype} [*, ${tail}])`,
        received: parts.map((q) => `${q.dtype} [${q.shape.join(', ')}]`).join(', '),
      });
    }
  }
  const rows = parts.reduce((n, p) => n + p.shape[0], 0);
  const shape = [rows, ...first.shape.slice(1)];
  const out = allocTyped(first.dtype, shapeSize(shape));
  let at = 0;
  for (const p of parts) {
    (out as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return tensorData(first.dtype, shape, out);
}

/**
 * Converts a Hugging Face transformers V-JEPA 2 state dict (`VJEPA2Model` or
 * `VJEPA2ForVideoClassification` `model.safetensors`) to the official names this project loads:
 * `query`/`key`/`value` are concatenated into `qkv`, `k_proj`/`v_proj` into `kv`, the stacked
 * `mask_tokens [M, 1, 1, Dp]` split into `mask_tokens.{k}`, every other tensor renamed unchanged.
 * Every key must be known: an unknown one is a CheckpointError listing them (nothing is dropped silently).
 *
 * @example
 * const { tensors } = readSafetensors(await readFileBytes('model.safetensors'));
 * const { encoder, predictor } = fromHfVjepa2(tensors, { file: 'model.safetensors' });
 * loadVisionTransformer(encoder, { preset: 'vitl' });
 */
export function fromHfVjepa2(sd: StateDict, opts: { file?: string } = {}): Vjepa2Parts {
  const where = opts.file ?? '<state dict>';
  const out: Record<Part, StateDict> = { encoder: {}, predictor: {}, classifier: {} };
  const fused = new Map<string, { part: Part; name: string; pieces: (TensorData | undefined)[] }>();
  const unknown: string[] = [];
  for (const [rawKey, t] of Object.entries(sd)) {
    const key = rawKey.startsWith('vjepa2.') ? rawKey.slice('vjepa2.'.length) : rawKey;
    if (key === 'predictor.embeddings.mask_tokens') {
      if (t.shape.length !== 4 || t.shape[1] !== 1 || t.shape[2] !== 1) {
        throw new CheckpointError(`${where}: "${rawKey}"`, { expected: '[numMaskTokens, 1, 1, Dp]', received: `[${t.shape.join(', ')}]` });
      }
      const dp = t.shape[3];
      for (let k = 0; k < t.shape[0]; k++) {
        out.predictor[`mask_tokens.${k}`] = tensorData(t.dtype, [1, 1, dp], t.data.slice(k * dp, (k + 1) * dp) as TensorData['data']);
      }
      continue;
    }
    const rule = RULES.find(([re]) => re.test(key));
    if (!rule) {
      unknown.push(rawKey);
      continue;
    }
    const [part, name, index, count] = rule[1](rule[0].exec(key)!);
    if (index < 0) {
      out[part][name] = t;
      continue;
    }
    const entry = fused.get(name) ?? { part, name, pieces: new Array<TensorData | undefined>(count).fill(undefined) };
    entry.pieces[index] = t;
    fused.set(name, entry);
  }
  if (unknown.length > 0) {
    throw new CheckpointError(`${where}: Hugging Face V-JEPA 2 keys`, {
      expected: 'only VJEPA2Model / VJEPA2ForVideoClassification parameters',
      received: `${unknown.length} unknown: ${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ', ...' : ''}`,
    });
  }
  for (const { part, name, pieces } of fused.values()) {
    const missing = pieces.findIndex((p) => !p);
    if (missing >= 0) {
      throw new CheckpointError(`${where}: parts of "${name}"`, { expected: `all ${pieces.length} (q/k/v or k/v)`, received: `part ${missing} missing` });
    }
    out[part][name] = concatRows(pieces as TensorData[], name, where);
  }
  if (Object.keys(out.encoder).length === 0) {
    throw new CheckpointError(where, { expected: 'a Hugging Face V-JEPA 2 state dict (encoder.layer.*)', received: 'no encoder keys', hint: 'official .pt checkpoints load with readTorchCheckpoint + selectStateDict instead' });
  }
  return {
    encoder: out.encoder,
    predictor: Object.keys(out.predictor).length > 0 ? out.predictor : null,
    classifier: Object.keys(out.classifier).length > 0 ? out.classifier : null,
  };
}

/** Row block `index` of `count` equal blocks along axis 0. */
function rowBlock(t: TensorData, index: number, count: number): TensorData {
  const rows = t.shape[0] / count;
  const per = t.data.length / count;
  return tensorData(t.dtype, [rows, ...t.shape.slice(1)], t.data.slice(index * per, (index + 1) * per) as TensorData['data']);
}

/**
 * The reverse of {@link fromHfVjepa2}, following transformers' conversion scripts step by step: official
 * encoder / predictor / V-JEPA 2 probe state dicts (unprefixed) to the names of `VJEPA2Model` (or, with
 * a classifier, `VJEPA2ForVideoClassification`: the model under `vjepa2.`, plus `pooler.*` and
 * `classifier.*`). `qkv` is split into `query`/`key`/`value` (`q_proj`/`k_proj`/`v_proj` in the probe),
 * `kv` into `k_proj`/`v_proj`, mask tokens stacked; position tables are dropped (HF's V-JEPA 2 has none).
 *
 * @example
 * const hf = toHfVjepa2({ encoder: await vit.stateDict(), predictor: await predictor.stateDict() });
 * writeSafetensors(hf); // loads with VJEPA2Model.from_pretrained after adding its config.json
 */
export function toHfVjepa2(parts: { encoder: StateDict; predictor?: StateDict | null; classifier?: StateDict | null }): StateDict {
  const out: StateDict = {};
  const model = parts.classifier ? 'vjepa2.' : '';
  const put = (key: string, t: TensorData) => {
    out[key] = t;
  };
  const qkv = (key: string, t: TensorData, names: readonly string[], sep: string) => {
    const [prefix, suffix] = key.split(sep);
    names.forEach((n, i) => put(`${prefix}${n}${suffix}`, rowBlock(t, i, names.length)));
  };
  // convert_encoder_keys: blocks. -> encoder.layer., attn. -> attention., patch_embed. -> encoder.embeddings.patch_embeddings., norm. -> encoder.layernorm.
  for (const [k, t] of Object.entries(parts.encoder)) {
    if (k === 'pos_embed') continue;
    let key = k;
    if (key.startsWith('blocks.')) key = key.replace('blocks.', 'encoder.layer.');
    if (key.includes('attn.')) key = key.replace('attn.', 'attention.');
    if (key.includes('patch_embed.')) key = key.replace('patch_embed.', 'encoder.embeddings.patch_embeddings.');
    if (key.startsWith('norm.')) key = key.replace('norm.', 'encoder.layernorm.');
    if (key.includes('qkv.')) qkv(model + key, t, ['query', 'key', 'value'], 'qkv');
    else put(model + key, t);
  }
  if (parts.predictor) {
    const masks: TensorData[] = [];
    for (const [k, t] of Object.entries(parts.predictor)) {
      if (k === 'predictor_pos_embed') continue;
      const m = /^mask_tokens\.(\d+)$/.exec(k);
      if (m) {
        masks[Number(m[1])] = t;
        continue;
      }
      let key = k;
      if (key.startsWith('predictor_blocks.')) key = key.replace('predictor_blocks.', 'predictor.layer.');
      if (key.includes('attn.')) key = key.replace('attn.', 'attention.');
      if (key.includes('predictor_embed.')) key = key.replace('predictor_embed.', 'predictor.embeddings.predictor_embeddings.');
      if (key.startsWith('predictor_norm.')) key = key.replace('predictor_norm.', 'predictor.layernorm.');
      if (key.startsWith('predictor_proj.')) key = key.replace('predictor_proj.', 'predictor.proj.');
      if (key.includes('qkv.')) qkv(model + key, t, ['query', 'key', 'value'], 'qkv');
      else put(model + key, t);
    }
    if (masks.length > 0) {
      const dp = masks[0].shape[masks[0].shape.length - 1];
      const stacked = concatRows(masks.map((t) => tensorData(t.dtype, [1, 1, 1, dp], t.data)), 'mask_tokens', 'toHfVjepa2');
      put(`${model}predictor.embeddings.mask_tokens`, stacked); // [M, 1, 1, Dp]
    }
  }
  if (parts.classifier) {
    // convert_vjepa2_classifier_to_hf.py: split_qkv, then its regex table
    const map: [RegExp, string][] = [
      [/^pooler\.cross_attention_block\.norm(\d+)\./, 'pooler.cross_attention_layer.layer_norm$1.'],
      [/^pooler\.cross_attention_block\.xattn\.(q|k|v)\./, 'pooler.cross_attention_layer.cross_attn.$1_proj.'],
      [/^pooler\.cross_attention_block\.mlp\.fc(\d+)\./, 'pooler.cross_attention_layer.mlp.fc$1.'],
      [/^pooler\.blocks\.(\d+)\.norm(\d+)\./, 'pooler.self_attention_layers.$1.layer_norm$2.'],
      [/^pooler\.blocks\.(\d+)\.attn\.(q|k|v)\./, 'pooler.self_attention_layers.$1.self_attn.$2_proj.'],
      [/^pooler\.blocks\.(\d+)\.attn\.proj\./, 'pooler.self_attention_layers.$1.self_attn.out_proj.'],
      [/^pooler\.blocks\.(\d+)\.mlp\.fc(\d+)\./, 'pooler.self_attention_layers.$1.mlp.fc$2.'],
      [/^linear\./, 'classifier.'],
    ];
    const rename = (key: string) => map.reduce((k, [re, to]) => k.replace(re, to), key);
    for (const [k, t] of Object.entries(parts.classifier)) {
      if (k.includes('.qkv.')) ['q', 'k', 'v'].forEach((n, i) => put(rename(k.replace('.qkv.', `.${n}.`)), rowBlock(t, i, 3)));
      else if (k.includes('.kv.')) ['k', 'v'].forEach((n, i) => put(rename(k.replace('.kv.', `.${n}.`)), rowBlock(t, i, 2)));
      else put(rename(k), t);
    }
  }
  return out;
}
