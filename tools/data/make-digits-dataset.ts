// Writes datasets/digits-eval.safetensors, the evaluation split of the digits data as an ODA
// dataset blob. Run: node --import tsx tools/data/make-digits-dataset.ts
import { writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { digitsDatasetBlob, digitsSplit, loadDigits } from './digits.js';
import { DIGITS_EVAL_FILE } from './paths.js';

const blob = digitsDatasetBlob(digitsSplit(loadDigits(), 'eval'));
writeFileSync(DIGITS_EVAL_FILE, blob);
console.log(`${DIGITS_EVAL_FILE}: ${blob.length} bytes, sha256 ${bytesToHex(sha256(blob))}`);
