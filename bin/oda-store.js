#!/usr/bin/env node
// oda-store: model-store tool (import, show, verify, export, encrypt/decrypt). A thin shim:
// registers the TypeScript loader (tsx) and runs cli/oda-store.ts, no build step.
import { register } from 'tsx/esm/api';
register();
const { storeCliMain } = await import('../cli/oda-store.ts');
await storeCliMain();
