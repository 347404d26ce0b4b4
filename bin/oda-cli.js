#!/usr/bin/env node
// oda-cli: bitcoin-cli for ODA. A thin shim: registers the TypeScript loader (tsx) and runs
// cli/oda-cli.ts, so the bin works from any working directory without a build step.
import { register } from 'tsx/esm/api';
register();
const { cliMain } = await import('../cli/oda-cli.ts');
await cliMain();
