#!/usr/bin/env -S node --import tsx
/**
 * Audits from a shell, as a client of a running LRS (`pnpm run audit …`): replays with progress,
 * report snapshots, their verification, explained diffs, reporting duties and programme-statistics
 * snapshots (decisions 008, 051).
 * Credentials: --token JWT (or LRS_TOKEN) for an auditor/policy-unit token, else --key/--secret
 * (LRS_KEY/LRS_SECRET) of an admin or machine auditor/policy-unit credential (decision 043).
 * JSON on stdout, progress on stderr. The command line follows decision 040: exit 0 done (and a
 * verified snapshot matches), 1 failed, mismatch or refused, 2 usage.
 */
import {
  type CliIo,
  type CommandLine,
  LRS_CLIENT_OPTIONS,
  LRS_TOKEN_OPTION,
  LrsClient,
  type OptionSpecs,
  type OptionValues,
  Progress,
  printResponse,
  processIo,
  readJsonFile,
  runCommandLine,
  runWhenMain,
  UsageError,
} from '@lrs/config/cli';

interface Job {
  id: string;
  state: string;
  progress: { done: number; total: number; projection: string | null };
}

const CUT_OFF: OptionSpecs = {
  'as-of': {
    type: 'string',
    placeholder: 'INSTANT',
    description: 'record-time cut-off, ISO 8601 with offset',
  },
  position: { type: 'string', placeholder: 'N', description: 'log position cut-off (as in a manifest)' },
};
const REPORT: OptionSpecs = {
  policy: { type: 'string', placeholder: 'POLICY', description: 'policy id' },
  period: { type: 'string', placeholder: 'PERIOD', description: "the policy's period, e.g. 2025" },
  'org-unit': {
    type: 'string',
    placeholder: 'UNIT',
    description: 'restrict to an org unit and its sub-units',
  },
};

const client = (values: OptionValues, env: NodeJS.ProcessEnv) => LrsClient.from(values, env, { token: true });

function cutOffOf(values: OptionValues): { asOf: string } | { position: string } {
  const asOf = values['as-of'];
  const position = values['position'];
  if ((asOf === undefined) === (position === undefined))
    throw new UsageError('give exactly one of --as-of INSTANT or --position N');
  return typeof asOf === 'string' ? { asOf } : { position: String(position) };
}

function required(values: OptionValues, ...names: string[]): void {
  const missing = names.filter((n) => typeof values[n] !== 'string');
  if (missing.length > 0) throw new UsageError(`${missing.map((m) => `--${m}`).join(' and ')} required`);
}

export const auditCommandLine: CommandLine = {
  program: 'pnpm run audit',
  summary: 'audit replays, report snapshots and their verification, explained diffs, reporting duties',
  options: { ...LRS_CLIENT_OPTIONS, ...LRS_TOKEN_OPTION },
  commands: [
    {
      name: 'replay',
      synopsis: '(--as-of INSTANT | --position N)',
      summary: 'replay transcripts and completion up to a cut-off and follow the job with a progress bar',
      options: CUT_OFF,
      example: 'pnpm run audit replay --as-of 2025-12-15T00:00:00+09:00',
      run: async ({ values, env, io }) => {
        const c = client(values, env);
        const started = await c.request('POST', '/api/audits/replays', { json: cutOffOf(values) });
        if (started.status !== 202) return printResponse(started, io, 'replay');
        let job = (await started.json()) as Job;
        const progress = new Progress(io, 'replay');
        for (;;) {
          const { done, total, projection } = job.progress;
          progress.update(done, total, `${job.state}${projection ? ` (${projection})` : ''}`);
          if (!['queued', 'running'].includes(job.state)) break;
          await new Promise((resolve) => setTimeout(resolve, 500));
          const res = await c.request('GET', `/api/audits/replays/${job.id}`);
          if (res.status !== 200) return printResponse(res, io, `replay ${job.id}`);
          job = (await res.json()) as Job;
        }
        progress.finish();
        io.out(`${JSON.stringify(job, null, 2)}\n`);
        if (job.state !== 'completed') io.err(`replay ${job.id}: ${job.state}\n`);
        return job.state === 'completed' ? 0 : 1;
      },
    },
    {
      name: 'replay status',
      synopsis: 'ID',
      summary: "a replay job's state, progress and manifest",
      args: [1, 1],
      example: 'pnpm run audit replay status 7d0c…',
      run: async ({ args, values, env, io }) =>
        printResponse(
          await client(values, env).request('GET', `/api/audits/replays/${encodeURIComponent(args[0]!)}`),
          io,
        ),
    },
    {
      name: 'replay list',
      summary: 'the replay jobs',
      example: 'pnpm run audit replay list',
      run: async ({ values, env, io }) =>
        printResponse(await client(values, env).request('GET', '/api/audits/replays'), io),
    },
    {
      name: 'replay delete',
      synopsis: 'ID',
      summary: 'delete a replay job and its scratch models',
      args: [1, 1],
      example: 'pnpm run audit replay delete 7d0c…',
      run: async ({ args, values, env, io }) =>
        printResponse(
          await client(values, env).request('DELETE', `/api/audits/replays/${encodeURIComponent(args[0]!)}`),
          io,
        ),
    },
    {
      name: 'snapshot',
      synopsis: '--policy P --period Y [--org-unit U] (--as-of INSTANT | --position N)',
      summary: 'take a report snapshot at a cut-off and record it in the log',
      options: { ...REPORT, ...CUT_OFF },
      example:
        'pnpm run audit snapshot --policy city-annual-welfare-education --period 2025 --as-of 2025-12-15T00:00:00+09:00',
      run: async ({ values, env, io }) => {
        required(values, 'policy', 'period');
        const cutOff = cutOffOf(values);
        return printResponse(
          await client(values, env).request('POST', '/api/reports/snapshots', {
            json: {
              policy: values['policy'],
              period: values['period'],
              ...(values['org-unit'] ? { orgUnit: values['org-unit'] } : {}),
              ...cutOff,
            },
          }),
          io,
          'snapshot',
        );
      },
    },
    {
      name: 'snapshot list',
      synopsis: '[--kind K] [--policy P] [--period Y] [--org-unit U] [--duty D] [--page N] [--page-size N]',
      summary: 'the report snapshots recorded, newest first, with a total (GET /api/reports/snapshots)',
      options: {
        kind: {
          type: 'string',
          placeholder: 'KIND',
          description: 'completion-status or programme-statistics',
        },
        policy: REPORT.policy!,
        period: REPORT.period!,
        'org-unit': { type: 'string', placeholder: 'UNIT', description: 'snapshots taken for this org unit' },
        duty: { type: 'string', placeholder: 'DUTY', description: 'the reporting duty a snapshot fulfils' },
        page: { type: 'string', placeholder: 'N', description: 'page number (default 1)' },
        'page-size': {
          type: 'string',
          placeholder: 'N',
          description: 'snapshots a page, 1 to 200 (default 25)',
        },
      },
      example: 'pnpm run audit snapshot list --policy city-annual-welfare-education --period 2025',
      run: async ({ values, env, io }) => {
        // The API's own names for its filters; it checks the values and answers 400 naming one it refuses.
        const query = new URLSearchParams();
        for (const [option, parameter] of [
          ['kind', 'kind'],
          ['policy', 'policy'],
          ['period', 'period'],
          ['org-unit', 'orgUnit'],
          ['duty', 'duty'],
          ['page', 'page'],
          ['page-size', 'pageSize'],
        ] as const) {
          const value = values[option];
          if (typeof value === 'string') query.set(parameter, value);
        }
        const search = query.size > 0 ? `?${query}` : '';
        return printResponse(
          await client(values, env).request('GET', `/api/reports/snapshots${search}`),
          io,
          'snapshot list',
        );
      },
    },
    {
      name: 'verify',
      synopsis: 'SNAPSHOT_ID',
      summary: 'replay a snapshot again and compare its fingerprint and report (exit 1 on a mismatch)',
      args: [1, 1],
      example: 'pnpm run audit verify 5b1e…',
      run: async ({ args, values, env, io }) => {
        const res = await client(values, env).request(
          'GET',
          `/api/reports/snapshots/${encodeURIComponent(args[0]!)}/verify`,
        );
        const text = await res.clone().text();
        const code = await printResponse(res, io, `verify ${args[0]}`);
        if (code !== 0) return code;
        if ((JSON.parse(text) as { matches?: boolean }).matches === false) {
          io.err(`verify ${args[0]}: the replay does not reproduce the snapshot\n`);
          return 1;
        }
        return 0;
      },
    },
    {
      name: 'diff',
      synopsis:
        '--policy P --period Y (--from INSTANT | --from-snapshot ID) [--to INSTANT | --to-snapshot ID]',
      summary: 'what changed between two cut-offs or snapshots, each change explained',
      options: {
        ...REPORT,
        official: { type: 'string', placeholder: 'ID', description: 'one official only' },
        from: { type: 'string', placeholder: 'INSTANT', description: 'earlier cut-off' },
        'from-snapshot': { type: 'string', placeholder: 'ID', description: 'earlier snapshot' },
        to: { type: 'string', placeholder: 'INSTANT', description: 'later cut-off (default now)' },
        'to-snapshot': { type: 'string', placeholder: 'ID', description: 'later snapshot' },
      },
      example:
        'pnpm run audit diff --policy city-annual-welfare-education --period 2025 --from 2025-12-15T00:00:00+09:00',
      run: async ({ values, env, io }) => {
        required(values, 'policy', 'period');
        const q = new URLSearchParams();
        const map: [string, string][] = [
          ['policy', 'policy'],
          ['period', 'period'],
          ['org-unit', 'orgUnit'],
          ['official', 'official'],
          ['from', 'from'],
          ['from-snapshot', 'fromSnapshot'],
          ['to', 'to'],
          ['to-snapshot', 'toSnapshot'],
        ];
        for (const [option, name] of map) {
          const v = values[option];
          if (typeof v === 'string') q.set(name, v);
        }
        return printResponse(await client(values, env).request('GET', `/api/audits/diff?${q}`), io, 'diff');
      },
    },
    {
      name: 'duties',
      summary: 'the reporting duties and which are fulfilled',
      example: 'pnpm run audit duties',
      run: async ({ values, env, io }) =>
        printResponse(await client(values, env).request('GET', '/api/reports/duties'), io, 'duties'),
    },
    {
      name: 'duties define',
      synopsis: 'DUTIES.json',
      summary:
        'define (or redefine) reporting duties: one duty object or an array (PUT /api/reports/duties/{id}, decision 051)',
      args: [1, 1],
      example: 'pnpm run audit duties define examples/commune/duties.json',
      run: async ({ args, values, env, io }) => {
        const parsed = readJsonFile(args[0]!) as { dutyId?: string } | { dutyId?: string }[];
        const c = client(values, env);
        let code = 0;
        for (const duty of Array.isArray(parsed) ? parsed : [parsed]) {
          const path = `/api/reports/duties/${encodeURIComponent(duty.dutyId ?? '')}`;
          code = Math.max(
            code,
            await printResponse(
              await c.request('PUT', path, { json: duty }),
              io,
              `${args[0]} ${duty.dutyId ?? ''}`,
            ),
          );
        }
        return code;
      },
    },
    {
      name: 'programmes',
      synopsis: '(--policy P --period Y | --from D --to D --time-zone Z) (--as-of INSTANT | --position N)',
      summary: 'snapshot the programme statistics of a window as the log stood at a cut-off (decision 051)',
      options: {
        ...CUT_OFF,
        ...REPORT,
        from: { type: 'string', placeholder: 'DATE', description: 'first day of the window (YYYY-MM-DD)' },
        to: { type: 'string', placeholder: 'DATE', description: 'last day of the window (YYYY-MM-DD)' },
        'time-zone': { type: 'string', placeholder: 'ZONE', description: 'IANA zone of --from and --to' },
        category: { type: 'string', placeholder: 'CATEGORY', description: 'one programme category only' },
      },
      example:
        'pnpm run audit programmes --policy department-staff-development --period FY2024 --as-of 2025-04-15T00:00:00+08:00',
      run: async ({ values, env, io }) => {
        const byPolicy = typeof values['policy'] === 'string';
        if (byPolicy) required(values, 'period');
        else required(values, 'from', 'to', 'time-zone');
        const window = byPolicy
          ? { policy: values['policy'], period: values['period'] }
          : { from: values['from'], to: values['to'], timeZone: values['time-zone'] };
        return printResponse(
          await client(values, env).request('POST', '/api/reports/snapshots', {
            json: {
              kind: 'programme-statistics',
              ...window,
              ...(typeof values['org-unit'] === 'string' ? { orgUnit: values['org-unit'] } : {}),
              ...(typeof values['category'] === 'string' ? { category: values['category'] } : {}),
              ...cutOffOf(values),
            },
          }),
          io,
          'programmes',
        );
      },
    },
  ],
};

export function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  return runCommandLine(auditCommandLine, argv, env, io);
}

runWhenMain(import.meta.url, (argv) => runCli(argv));
