#!/usr/bin/env -S node --import tsx
/**
 * The operator's CLI of the composition root (`pnpm lrs`): backup, restore and verification of
 * the embedded log (decision 042), on the data directory the server uses (LRS_DATA_DIR).
 * JSON on stdout, progress on stderr; the command line follows decision 040 (exit 0 done,
 * 1 failed or a backup that does not verify, 2 usage).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '@lrs/config';
import {
  CliFailure,
  type CliIo,
  type CommandLine,
  Progress,
  processIo,
  runCommandLine,
  runWhenMain,
  UsageError,
} from '@lrs/config/cli';
import type { SubjectErasedData } from '@lrs/events';
import { BackupProblem, backupLog, restoreBackup, type Step, verifyBackup } from './backup';

function dataDirOf(env: NodeJS.ProcessEnv): string {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (config.esdbUrl)
    throw new UsageError(
      'ESDB_URL is set: backups of EventStoreDB are taken on its cluster (infra/eventstoredb), not by pnpm lrs',
    );
  return resolve(config.dataDir);
}

/** One progress bar per phase: the copy, then the replay that fingerprints it. */
function steps(io: CliIo): { step: Step; finish(): void } {
  const bars = new Map<string, Progress>();
  return {
    step: (phase, done, total) => {
      let bar = bars.get(phase);
      if (!bar) {
        for (const other of bars.values()) other.finish();
        bar = new Progress(io, phase === 'copy' ? 'copy  ' : 'replay');
        bars.set(phase, bar);
      }
      bar.update(done, total);
    },
    finish: () => {
      for (const bar of bars.values()) bar.finish();
    },
  };
}

async function operatorWork<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupProblem) throw new CliFailure(error.message);
    throw error;
  }
}

export const lrsCommandLine: CommandLine = {
  program: 'pnpm lrs',
  summary: 'operate the embedded store: back up, restore, verify (decision 042)',
  notes: `environment: LRS_DATA_DIR (default ./data), the server's data directory.
secrets.key (or LRS_SECRETS_KEY) is not in a backup: keep it apart, restore it beside the log.
The key store (privacy/keys.sqlite) is copied beside the backup as FILE.keys.sqlite; keep the
erasures list (GET /api/admin/erasures) apart too and pass it to restore (decision 065).`,
  commands: [
    {
      name: 'backup',
      synopsis: 'FILE',
      summary:
        "copy the log into FILE while the server runs (SQLite's online backup), replay the copy and record its head and fingerprints in it",
      args: [1, 1],
      example: 'pnpm lrs backup backups/lrs-2026-12-06.sqlite',
      run: async ({ args, env, io }) => {
        const dataDir = dataDirOf(env);
        const progress = steps(io);
        const manifest = await operatorWork(() => backupLog(dataDir, resolve(args[0]!), progress.step));
        progress.finish();
        io.out(`${JSON.stringify({ file: resolve(args[0]!), ...manifest }, null, 2)}\n`);
        return 0;
      },
    },
    {
      name: 'restore',
      synopsis: 'FILE [--erasures ERASURES.json]',
      summary:
        'restore a backup (and its key store) into an empty LRS_DATA_DIR (the read models are rebuilt from it when the server starts); --erasures applies again the erasures recorded since the backup (decision 065)',
      options: {
        erasures: {
          type: 'string',
          placeholder: 'ERASURES.json',
          description:
            'the body of GET /api/admin/erasures saved after the backup: erasures the backup lacks are recorded and their keys destroyed',
        },
      },
      args: [1, 1],
      example:
        'LRS_DATA_DIR=/srv/lrs/data pnpm lrs restore backups/lrs-2026-12-06.sqlite --erasures backups/erasures.json',
      run: async ({ args, env, io, values }) => {
        const dataDir = dataDirOf(env);
        const erasuresFile = values['erasures'] as string | undefined;
        const erasures = erasuresFile === undefined ? [] : readErasures(resolve(erasuresFile));
        const manifest = await operatorWork(() => restoreBackup(resolve(args[0]!), dataDir, erasures));
        io.out(`${JSON.stringify({ restoredInto: dataDir, ...manifest }, null, 2)}\n`);
        io.err(
          `restored ${manifest.log.events} events up to position ${manifest.log.head}; put secrets.key in ${dataDir} (or set LRS_SECRETS_KEY) before starting\n`,
        );
        return 0;
      },
    },
    {
      name: 'verify',
      synopsis: 'FILE',
      summary:
        'check a backup: SQLite integrity, its manifest, its log head, and that a replay reproduces the fingerprints recorded in it',
      args: [1, 1],
      example: 'pnpm lrs verify backups/lrs-2026-12-06.sqlite',
      run: async ({ args, io }) => {
        const progress = steps(io);
        const result = await operatorWork(() => verifyBackup(resolve(args[0]!), progress.step));
        progress.finish();
        io.out(`${JSON.stringify({ file: resolve(args[0]!), ...result }, null, 2)}\n`);
        for (const failed of result.checks.filter((c) => !c.ok))
          io.err(`${args[0]}: ${failed.check} failed: ${failed.detail}\n`);
        return result.ok ? 0 : 1;
      },
    },
  ],
};

export function runLrsCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  return runCommandLine(lrsCommandLine, argv, env, io);
}

runWhenMain(import.meta.url, (argv) => runLrsCli(argv));

/** The erasures a restore applies again: the JSON body of GET /api/admin/erasures (decision 065). */
function readErasures(file: string): SubjectErasedData[] {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: not a JSON file (${(error as Error).message})`);
  }
  const list = (body as { erasures?: unknown } | null)?.erasures;
  if (!Array.isArray(list))
    throw new UsageError(`${file}: /erasures must be the list GET /api/admin/erasures answers`);
  list.forEach((e, i) => {
    const erasure = e as Partial<SubjectErasedData> | null;
    if (typeof erasure?.erasureId !== 'string')
      throw new UsageError(`${file}: /erasures/${i}/erasureId must be a string`);
    if (
      !Array.isArray(erasure.pseudonyms) ||
      erasure.pseudonyms.length === 0 ||
      !erasure.pseudonyms.every((p) => typeof p === 'string' && p.startsWith('p-'))
    )
      throw new UsageError(`${file}: /erasures/${i}/pseudonyms must be a non-empty list of pseudonyms (p-…)`);
    for (const field of ['reason', 'legalBasis', 'requestedBy', 'at'] as const)
      if (typeof erasure[field] !== 'string')
        throw new UsageError(`${file}: /erasures/${i}/${field} must be a string`);
  });
  return list as SubjectErasedData[];
}
