// Reject reasons of the exact class (ODA-BIP-0002 "Reject reasons"). Each failure has its own
// string, in the style of Core's reject reasons, so a node operator or a test can tell a
// malformed architecture from a disallowed op, a shape bomb or mismatched weights.
export const Reason = {
  /** The architecture bytes are not a well-formed ONNX ModelProto of the accepted subset. */
  ENCODING: 'bad-model-encoding',
  /** ir_version or opset_import outside the exact class. */
  OPSET: 'bad-model-opset',
  /** An op (or domain) that is not in the whitelist, including control flow and custom domains. */
  OP_NOT_ALLOWED: 'bad-model-op-not-allowed',
  /** An op's attributes or operand kinds break its whitelist rule. */
  OP_ATTR: 'bad-model-op-attr',
  /** A float or otherwise non-exact element type anywhere in the graph. */
  DTYPE: 'bad-model-dtype',
  /** Shapes: non-static dims, bad batch dimension, shape mismatch, or over the size limits. */
  SHAPE: 'bad-model-shape',
  /** The batch axis would mix rows (e.g. a transpose moving axis 0). */
  BATCH_AXIS: 'bad-model-batch-axis',
  /** Graph structure: undefined/duplicate names, not topologically sorted, unused outputs. */
  GRAPH: 'bad-model-graph',
  /** A constant violates its operand rule (divisor < 1, weight outside 7-bit range, index out of range). */
  CONSTANT: 'bad-model-constant',
  /** Static cost above MAX_TX_CU. */
  COST: 'bad-model-cost',
  /** Weights blob does not parse as safetensors. */
  WEIGHTS_ENCODING: 'bad-weights-encoding',
  /** Weights do not match the graph's weight slots by name, dtype and shape. */
  WEIGHTS_MISMATCH: 'bad-weights-mismatch',
  /** A weight value breaks its operand rule (7-bit range for MatMulInteger/ConvInteger B). */
  WEIGHTS_RANGE: 'bad-weights-range',
  /** Dataset blob does not parse as safetensors. */
  DATASET_ENCODING: 'bad-dataset-encoding',
  /** Dataset tensors do not match the graph inputs and the objective's label. */
  DATASET_MISMATCH: 'bad-dataset-mismatch',
  /** Objective unknown or not applicable to the graph's output. */
  OBJECTIVE: 'bad-objective',
  /** Update-weights: new score is not at least current score + margin. */
  NOT_IMPROVING: 'bad-weights-not-improving',
  /** Inference inputs do not match the input spec. */
  INPUT_MISMATCH: 'bad-inference-input',
  /** Inference claimed outputs differ from the recomputed ones. */
  OUTPUT_MISMATCH: 'bad-inference-output',
  /** The execution engine failed on an admitted model (must never happen; treated as invalid). */
  RUNTIME: 'bad-model-runtime',
} as const;

export type ReasonString = (typeof Reason)[keyof typeof Reason];
