// Size limits of the exact class (ODA-BIP-0002 "Limits"). They bound memory before any
// execution: an architecture that declares a shape bomb is rejected from its declared shapes.
export const LIMITS = {
  /** Architecture blob (ONNX ModelProto without weight data). */
  maxArchitectureBytes: 4 * 1024 * 1024,
  /** Sum of all weight slots, and the weights blob. */
  maxWeightsBytes: 32 * 1024 * 1024,
  /** Dataset blob. */
  maxDatasetBytes: 64 * 1024 * 1024,
  /** Rows in a dataset. */
  maxDatasetRows: 1 << 20,
  /** Elements of any one tensor per batch row (or in total for unbatched tensors). */
  maxRowElems: 1 << 20,
  maxDataInputs: 8,
  maxDataOutputs: 8,
} as const;
