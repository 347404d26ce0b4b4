// odad entry point: parse arguments and config, start the node, stop cleanly on SIGINT/SIGTERM.
// Startup errors print Core-style ("Error: ...") and exit 1 without touching the data dir.
import { readFileSync } from 'node:fs';
import { parseConfig, toNodeOptions, helpMessage, ConfigError } from './config.js';
import { FullNode } from './node.js';
import { createOdaPlugin } from '../oda/plugin.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseConfig(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  if (cfg.help) {
    process.stdout.write(helpMessage(pkg.version) + '\n');
    return;
  }
  if (cfg.version) {
    process.stdout.write(`ODA daemon version v${pkg.version}\n`);
    return;
  }
  for (const w of cfg.warnings) process.stderr.write(`Warning: ${w}\n`);
  // The entry point (not FullNode) decides what the node runs: ODA is a plugin.
  const node = new FullNode(toNodeOptions(cfg)).use(createOdaPlugin({ storeModels: cfg.storeModels }));
  for (const w of cfg.warnings) node.logger.warn(w);
  const onSignal = () => {
    node.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await node.start();
  } catch (e: any) {
    process.stderr.write(`Error: ${e?.message ?? e}\n`);
    node.logger.error(String(e?.stack ?? e));
    await node.stop().catch(() => {});
    process.exit(1);
  }
}

await main();
