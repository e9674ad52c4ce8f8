import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lrsNodeOptions } from '@lrs/server';

export const BENCH_KEY = 'bench';
export const BENCH_SECRET = 'bench-secret-0123456789';
/** The Authorization header of the bootstrap credential every bench LRS starts with. */
export const BENCH_AUTH = `Basic ${Buffer.from(`${BENCH_KEY}:${BENCH_SECRET}`).toString('base64')}`;

export interface BenchLrs {
  child: ChildProcess;
  port: number;
  /** How long the projections took to catch up with a preloaded log before listening. */
  catchUpSeconds: number;
}

/**
 * The LRS in a child process on `dataDir`, with its request log silenced (main.ts logs its URL
 * at info, and an info-level request log would cost more than the requests): this starts the
 * same system and app main.ts does, waits until its projections have caught up with whatever
 * the log already holds (benches measure the steady state), and prints the URL itself.
 * It runs with the service's node options (lrsNodeOptions, as `npm start` does);
 * BENCH_SERVER_NODE_ARGS passes extra node flags, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'.
 * `unsealed` stores statements without sealing their personal values (decision 081: the
 * baseline of a paired measurement of what sealing costs; never a server setting).
 */
export async function startBenchLrs(
  dataDir: string,
  options: { unsealed?: boolean } = {},
): Promise<BenchLrs> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const script = `
    const { loadConfig } = await import(${JSON.stringify(join(root, 'packages/config/src/index.ts'))});
    const { listen } = await import(${JSON.stringify(join(root, 'packages/http/src/index.ts'))});
    const { startLrsSystem, createLrsApp } = await import(${JSON.stringify(join(root, 'services/server/src/index.ts'))});
    const system = await startLrsSystem(loadConfig(process.env), ${options.unsealed ? '{ unsealedStatementsForBenchmark: true }' : '{}'});
    const t0 = performance.now();
    const head = await system.log.headPosition();
    const models = [system.index, system.documents?.index, system.documents?.agents, system.documents?.activities];
    if (head) for (const m of models) if (m && m.running) await m.running.waitFor(head, 600000);
    const catchUpSeconds = (performance.now() - t0) / 1000;
    const server = await listen(createLrsApp(system), { port: 0, host: '127.0.0.1' });
    process.stdout.write(JSON.stringify({ catchUpSeconds, url: server.url }) + '\\n');
    process.on('SIGTERM', async () => { await server.close(); await system.stop(); process.exit(0); });
  `;
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const nodeArgs = [...lrsNodeOptions(), ...extra];
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script],
    {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LRS_DATA_DIR: dataDir,
        LRS_BOOTSTRAP_KEY: BENCH_KEY,
        LRS_BOOTSTRAP_SECRET: BENCH_SECRET,
        LRS_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const started = await new Promise<{ port: number; catchUpSeconds: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      const c = /"catchUpSeconds":([\d.]+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), catchUpSeconds: Number(c?.[1] ?? 0) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return { child, ...started };
}
