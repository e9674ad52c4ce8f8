/**
 * `pnpm demo-data`: demo data for trying the product.
 *   pnpm demo-data                          the demo city (8,000 officials, a year of learning with
 *                                           voids and late rosters) written into LRS_DATA_DIR
 *   pnpm demo-data --programme cohort       one programme's example folder (examples/<name>) loaded
 *                                           through a running LRS's APIs (LRS_URL, LRS_KEY, LRS_SECRET)
 * The command line follows decision 040 (--help, exit 0/1/2, one-line errors, progress on stderr).
 */
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@lrs/config';
import {
  type CliIo,
  type CommandLine,
  LRS_CLIENT_OPTIONS,
  LrsClient,
  Progress,
  processIo,
  runCommandLine,
  runWhenMain,
  UsageError,
} from '@lrs/config/cli';
import { openEventLog } from '@lrs/event-log';
import { type KeyStore, keyStoreFile, openKeyStoreOfLog, releaseKeyStore } from '@lrs/privacy';
import { examplesDir, loadExample, PROGRAMMES } from './load-example';
import { seedDemoCity } from './seed';

async function demoCity(env: NodeJS.ProcessEnv, officials: number, io: CliIo): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const log = await openEventLog({
    dataDir: config.dataDir,
    ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
  });
  const started = Date.now();
  const progress = new Progress(io, 'statements');
  // Sealed as the LRS seals them, with the key store of the data directory (decision 065).
  let keys: KeyStore;
  try {
    keys = await openKeyStoreOfLog(log, config.dataDir);
  } catch (error) {
    await log.close();
    throw error;
  }
  try {
    const result = await seedDemoCity(log, {
      officials,
      keys,
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.finish();
    io.out(`${JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 })}\n`);
    // The audit pages compare this cut-off with now: the late rosters and withdrawn records explain the changes.
    io.err(
      `demo-data: a report cut off at ${result.reportCutOff} predates the late rosters; compare it with now on /audit\n`,
    );
    return 0;
  } finally {
    releaseKeyStore(keyStoreFile(config.dataDir));
    await log.close();
  }
}

export const demoDataCommandLine: CommandLine = {
  program: 'pnpm demo-data',
  summary: 'demo data: the generated demo city, or one programme of examples/ through a running LRS',
  options: LRS_CLIENT_OPTIONS,
  commands: [
    {
      name: 'city',
      summary: 'write the demo city into LRS_DATA_DIR (the default when no command is given)',
      options: {
        officials: { type: 'string', description: 'how many officials (default 8000, or DEMO_OFFICIALS)' },
      },
      example: 'pnpm demo-data --officials 2000',
      run: async ({ values, env, io }) => {
        const officials = Number(values['officials'] ?? env['DEMO_OFFICIALS'] ?? 8000);
        if (!Number.isInteger(officials) || officials < 1)
          throw new UsageError(`--officials must be a whole number ≥ 1, not '${values['officials']}'`);
        return demoCity(env, officials, io);
      },
    },
    {
      name: 'example',
      synopsis: `${PROGRAMMES.join('|')}`,
      summary:
        "load one programme's example folder (registry, org tree, catalog, policy, duties, statements, roster) through a running LRS; the same as --programme NAME",
      args: [1, 1],
      example:
        'pnpm demo-data example cohort --url http://localhost:8080 --key admin --secret change-me-please-now',
      run: async ({ args, values, env, io }) => {
        const name = args[0]!;
        if (!(PROGRAMMES as readonly string[]).includes(name))
          throw new UsageError(`--programme must be one of ${PROGRAMMES.join(', ')}, not '${name}'`);
        const client = LrsClient.from(values, env);
        const steps = await loadExample(client, join(examplesDir, name), (s) =>
          io.err(`demo-data: ${s.method} ${s.path} (${s.file}): ${s.status}\n`),
        );
        io.out(`${JSON.stringify({ programme: name, requests: steps.length })}\n`);
        return 0;
      },
    },
  ],
};

/** `--programme NAME` is `example NAME`; no command at all is `city`. */
export function demoDataArgs(argv: readonly string[]): string[] {
  const args = [...argv];
  const at = args.indexOf('--programme');
  if (at >= 0) {
    const [, name] = args.splice(at, 2);
    return ['example', ...(name === undefined ? [] : [name]), ...args];
  }
  const programme = args.find((a) => a.startsWith('--programme='));
  if (programme)
    return ['example', programme.slice('--programme='.length), ...args.filter((a) => a !== programme)];
  const helpOnly = args.length > 0 && args.every((a) => a === '--help' || a === '-h');
  // A command comes first; otherwise (`--officials 2000` too: its value is no command) the
  // arguments are the demo city's options.
  const named = args[0] !== undefined && !args[0].startsWith('-');
  return helpOnly || named ? args : ['city', ...args];
}

export const runDemoData = (
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
) => runCommandLine(demoDataCommandLine, demoDataArgs(argv), env, io);

runWhenMain(import.meta.url, (argv) => runDemoData(argv));
