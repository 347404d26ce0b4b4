#!/usr/bin/env node
// odad: the ODA full node daemon. A thin shim: registers the TypeScript loader (tsx) and
// runs node/main.ts, so the bin works from any working directory without a build step.
import { register } from 'tsx/esm/api';
register();
await import('../node/main.ts');
