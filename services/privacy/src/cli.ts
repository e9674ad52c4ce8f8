#!/usr/bin/env -S node --import tsx
/**
 * Personal data from a shell, as a client of a running LRS (`pnpm privacy …`): an official's data
 * export (decision 070), retention settings, their dry run and the job's state (decision 071).
 * Credentials: --key/--secret (LRS_KEY/LRS_SECRET) of an admin credential, or --token (LRS_TOKEN)
 * of an official for their own export. The command line follows decision 040: exit 0 done,
 * 1 failed or refused, 2 usage.
 */
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '@lrs/config';
import {
  CliFailure,
  type CliIo,
  type CommandLine,
  LRS_CLIENT_OPTIONS,
  LRS_TOKEN_OPTION,
  LrsClient,
  type OptionValues,
  Progress,
  printResponse,
  processIo,
  readJsonFile,
  runCommandLine,
  runWhenMain,
  UsageError,
} from '@lrs/config/cli';
import { MigrationMismatch, type MigrationProgressReport, MigrationRefused } from '@lrs/privacy';
import { EXPORT_KINDS } from './export';
import { type MigrationTypes, migrateDataDir } from './migrate';

/**
 * The event types `migrate` seals beyond this package's own (statements, quarantine records):
 * the composition root passes the document events' sealer and opener (services/server
 * privacy-cli.ts), which this service cannot import (decision 025).
 */
let migrationTypes: MigrationTypes = {};

const client = (values: OptionValues, env: NodeJS.ProcessEnv) => LrsClient.from(values, env, { token: true });

export const privacyCommandLine: CommandLine = {
  program: 'pnpm privacy',
  summary: 'personal-data exports, retention settings, their dry run and the retention job',
  options: { ...LRS_CLIENT_OPTIONS, ...LRS_TOKEN_OPTION },
  commands: [
    {
      name: 'export',
      synopsis: 'OFFICIAL_ID [--format json|csv] [--kind KIND]',
      summary: `everything held about one official, with sources, on stdout (csv: one kind, ${EXPORT_KINDS.join(', ')})`,
      args: [1, 1],
      options: {
        format: { type: 'string', placeholder: 'FORMAT', description: 'json (default) or csv' },
        kind: { type: 'string', placeholder: 'KIND', description: 'the kind of record of a CSV export' },
      },
      example: 'pnpm privacy export kim --format csv --kind statements > kim-statements.csv',
      run: async ({ args, values, env, io }) => {
        const query = new URLSearchParams();
        if (typeof values.format === 'string') query.set('format', values.format);
        if (typeof values.kind === 'string') query.set('kind', values.kind);
        const res = await client(values, env).request(
          'GET',
          `/api/privacy/subjects/${encodeURIComponent(args[0]!)}/export${query.size > 0 ? `?${query}` : ''}`,
        );
        if (res.ok && (res.headers.get('content-type') ?? '').startsWith('text/csv')) {
          io.out(await res.text());
          return 0;
        }
        return printResponse(res, io, `export ${args[0]}`);
      },
    },
    {
      name: 'export-agent',
      synopsis: 'AGENT.json',
      summary: 'everything held about an xAPI Agent (an identifier the registry may not know), as JSON',
      args: [1, 1],
      example: 'pnpm privacy export-agent visitor.json   # {"mbox": "mailto:visitor@example.org"}',
      run: async ({ args, values, env, io }) =>
        printResponse(
          await client(values, env).request('POST', '/api/privacy/agent-export', {
            json: { agent: readJsonFile(args[0]!) },
          }),
          io,
          args[0]!,
        ),
    },
    {
      name: 'retention',
      summary: 'every jurisdiction’s retention setting and the state of the daily retention job',
      example: 'pnpm privacy retention',
      run: async ({ values, env, io }) =>
        printResponse(await client(values, env).request('GET', '/api/privacy/retention'), io, 'retention'),
    },
    {
      name: 'retention set',
      synopsis: 'SETTING.json',
      summary:
        'set (or change) a jurisdiction’s retention: one setting object or an array (PUT /api/privacy/retention/{jurisdiction})',
      args: [1, 1],
      example: 'pnpm privacy retention set examples/privacy/retention-city.json',
      run: async ({ args, values, env, io }) => {
        const parsed = readJsonFile(args[0]!);
        const settings = (Array.isArray(parsed) ? parsed : [parsed]) as { jurisdiction?: unknown }[];
        const c = client(values, env);
        let code = 0;
        for (const [i, setting] of settings.entries()) {
          if (typeof setting?.jurisdiction !== 'string')
            throw new UsageError(
              `${args[0]}: ${Array.isArray(parsed) ? `/${i}` : ''}/jurisdiction: every setting names its jurisdiction`,
            );
          const path = `/api/privacy/retention/${encodeURIComponent(setting.jurisdiction)}`;
          code = Math.max(
            code,
            await printResponse(
              await c.request('PUT', path, { json: setting }),
              io,
              `${args[0]} ${setting.jurisdiction}`,
            ),
          );
        }
        return code;
      },
    },
    {
      name: 'retention dry-run',
      synopsis: '[--at INSTANT]',
      summary:
        'who the retention job would erase, and why (official, leaving date, period end, rule, jurisdiction)',
      options: {
        at: {
          type: 'string',
          placeholder: 'INSTANT',
          description: 'as of this instant, ISO 8601 with offset (default now)',
        },
      },
      example: 'pnpm privacy retention dry-run --at 2031-01-01T00:00:00+09:00',
      run: async ({ values, env, io }) => {
        const at = typeof values.at === 'string' ? `?at=${encodeURIComponent(values.at)}` : '';
        return printResponse(
          await client(values, env).request('GET', `/api/privacy/retention/dry-run${at}`),
          io,
          'dry run',
        );
      },
    },
    {
      name: 'migrate',
      synopsis: '[--batch N] [--threads N] [--skip-reports]',
      summary:
        'seal every plaintext event of a log written before sealing, once, into a copy that then replaces the log (decision 080); the LRS must be stopped (LRS_DATA_DIR)',
      options: {
        batch: { type: 'string', placeholder: 'N', description: 'events per transaction (default 2000)' },
        threads: {
          type: 'string',
          placeholder: 'N',
          description: 'sealing threads besides the main one (default: the processors, at most 4; 0: none)',
        },
        'skip-reports': {
          type: 'boolean',
          description:
            'do not replay the completion model before and after (its fingerprints are not compared)',
        },
      },
      example: 'LRS_DATA_DIR=/srv/lrs/data pnpm privacy migrate',
      run: async ({ values, env, io }) => {
        let config: ReturnType<typeof loadConfig>;
        try {
          config = loadConfig(env);
        } catch (error) {
          if (error instanceof ConfigError) throw new UsageError(error.message);
          throw error;
        }
        const batch = values.batch === undefined ? undefined : Number(values.batch);
        if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 100_000))
          throw new UsageError(`--batch needs an integer from 1 to 100000, not '${values.batch}'`);
        const threads = values.threads === undefined ? undefined : Number(values.threads);
        if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 16))
          throw new UsageError(`--threads needs an integer from 0 to 16, not '${values.threads}'`);
        const bars = new Map<string, { bar: Progress; tenth: number }>();
        const onProgress = (p: MigrationProgressReport) => {
          let entry = bars.get(p.phase);
          if (!entry) {
            for (const other of bars.values()) other.bar.finish();
            entry = { bar: new Progress(io, p.phase === 'seal' ? 'seal  ' : 'verify'), tenth: -1 };
            bars.set(p.phase, entry);
          }
          const tenth = p.total > 0 ? Math.floor((10 * p.done) / p.total) : 10;
          if (!io.errIsTTY && tenth === entry.tenth) return;
          entry.tenth = tenth;
          entry.bar.update(p.done, p.total, `events, ${p.perSecond}/s`);
        };
        try {
          const outcome = await migrateDataDir({
            ...migrationTypes,
            dataDir: resolve(config.dataDir),
            ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
            ...(batch !== undefined ? { batchSize: batch } : {}),
            ...(threads !== undefined ? { threads } : {}),
            reports: values['skip-reports'] !== true,
            onProgress,
          });
          for (const { bar } of bars.values()) bar.finish();
          io.out(`${JSON.stringify(outcome, null, 2)}\n`);
          io.err(
            outcome.status === 'already-migrated'
              ? `pnpm privacy migrate: the log was migrated already (${outcome.record.finishedAt}); nothing changed\n`
              : `pnpm privacy migrate: ${Object.values(outcome.record.sealed).reduce((a, b) => a + b, 0)} of ${outcome.record.events} events sealed, fingerprints equal; the read models are rebuilt when the LRS starts\n`,
          );
          if (outcome.status === 'migrated' && outcome.record.erasuresBefore > 0)
            io.err(
              `pnpm privacy migrate: warning: the log held ${outcome.record.erasuresBefore} erasure(s) recorded before this migration; plaintext statements of those people are now sealed under new pseudonyms and return to the read models when they are rebuilt: erase them again by identifier (decision 080)\n`,
            );
          return 0;
        } catch (error) {
          for (const { bar } of bars.values()) bar.finish();
          if (error instanceof MigrationMismatch) {
            io.out(`${JSON.stringify({ before: error.before, after: error.after }, null, 2)}\n`);
            throw new CliFailure(error.message);
          }
          if (error instanceof MigrationRefused) throw new CliFailure(error.message);
          if (error instanceof Error && error.name === 'StoreUnavailableError')
            throw new CliFailure(error.message);
          throw error;
        }
      },
    },
  ],
};

export function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
  types: MigrationTypes = {},
): Promise<number> {
  migrationTypes = types;
  return runCommandLine(privacyCommandLine, argv, env, io);
}

runWhenMain(import.meta.url, (argv) => runCli(argv));
