#!/usr/bin/env node
// oda-lite: the lite node (header-only sync, verified model download, local inference). A thin
// shim: registers the TypeScript loader (tsx) and runs cli/oda-lite.ts, no build step.
import { register } from 'tsx/esm/api';
register();
const { liteMain } = await import('../cli/oda-lite.ts');
await liteMain();
