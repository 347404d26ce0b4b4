#!/usr/bin/env node
// oda-model: bring-your-own-model tool (convert, pack-dataset, check, score, export-weights).
// A thin shim: registers the TypeScript loader (tsx) and runs cli/oda-model.ts, no build step.
import { register } from 'tsx/esm/api';
register();
const { odaModelMain } = await import('../cli/oda-model.ts');
await odaModelMain();
