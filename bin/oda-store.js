#!/usr/bin/env node
// oda-store: model-store tool (import, show, verify, export, encrypt/decrypt). A thin shim:
// registers the TypeScript loader (tsx) and runs model-store/cli.ts, no build step.
import { register } from 'tsx/esm/api';
register();
const { storeCliMain } = await import('../model-store/cli.ts');
await storeCliMain();
