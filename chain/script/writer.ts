// Sighash preimages are written with the tree's one byte writer (util/bytes.ts).
export { ByteWriter, compactSizeLength } from '../../util/bytes.js';
