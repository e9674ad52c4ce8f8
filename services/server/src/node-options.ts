import { readFileSync } from 'node:fs';

/**
 * The node options the service is started with (`services/server/node-options`, which `pnpm serve`
 * puts on the command line): V8 heap sizing that keeps the process's resident memory within the
 * 512 MB budget while it ingests (decision 020). Benches and process-level tests start the
 * service with the same options, so they measure and test what `npm start` runs.
 */
export function lrsNodeOptions(): string[] {
  const text = readFileSync(new URL('../node-options', import.meta.url), 'utf8');
  return text.split(/\s+/).filter((option) => option !== '');
}
