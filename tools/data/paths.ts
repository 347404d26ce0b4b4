// Locations of the datasets shipped in the repository.
import { fileURLToPath } from 'node:url';

export const DIGITS_EVAL_FILE = fileURLToPath(new URL('../../datasets/digits-eval.safetensors', import.meta.url));
