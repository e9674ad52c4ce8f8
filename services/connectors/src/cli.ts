#!/usr/bin/env -S node --import tsx
/**
 * Connectors from a shell, as a client of a running LRS (training centres do not hold its data
 * dir; decision 004): rosters (check, import with progress), remote sources and webhooks.
 * A roster file ending in .json may hold { session, attendees } itself (then --session is optional).
 * Output is JSON on stdout; progress and problems go to stderr. The command line follows
 * decision 040 (--help everywhere; exit 0 done, 1 refused or a roster with problems, 2 usage).
 */
import {
  type CliIo,
  type CommandLine,
  LRS_CLIENT_OPTIONS,
  LrsClient,
  type OptionValues,
  Progress,
  printResponse,
  processIo,
  readInputFile,
  readJsonFile,
  runCommandLine,
  runWhenMain,
  UsageError,
} from '@lrs/config/cli';

const SESSION = {
  session: {
    type: 'string',
    placeholder: 'SESSION.json',
    description: 'the session (activityId, title, start, end, ...)',
  },
} as const;

const client = (values: OptionValues, env: NodeJS.ProcessEnv) => LrsClient.from(values, env);
const api = '/api/connectors';
const id = (value: string) => encodeURIComponent(value);

export const connectorsCommandLine: CommandLine = {
  program: 'pnpm connectors',
  summary: 'face-to-face rosters, remote LRS sources and completion webhooks of a running LRS',
  options: LRS_CLIENT_OPTIONS,
  notes:
    'rosters need a credential with rosters/import (or admin); sources and webhooks need admin.\nroster columns: docs/IMPORTS.md.',
  commands: [
    {
      name: 'roster check',
      synopsis: '[--session SESSION.json] ROSTER.csv|ROSTER.json',
      summary: 'check a roster against the officials registry and the catalog without writing anything',
      args: [1, 1],
      options: SESSION,
      example: 'pnpm connectors roster check --session examples/city/session.json examples/city/roster.csv',
      run: async ({ args, values, env, io }) => {
        const c = client(values, env);
        const body = rosterBody(args[0]!, values['session']);
        const res = await c.request('POST', `${api}/rosters/check`, { json: body });
        const text = await res.text();
        io.out(`${text}\n`);
        if (!res.ok)
          return reportRosterProblems(args[0]!, text, io, `${c.url}${api}/rosters/check`, res.status);
        // A roster with problems is a failed check: exit 1, each problem on a line of its own.
        const result = JSON.parse(text) as { ok?: boolean; warnings?: string[] };
        for (const warning of result.warnings ?? []) io.err(`${args[0]}: warning: ${warning}\n`);
        if (result.ok === true) return 0;
        reportRosterProblems(args[0]!, text, io, '', 200);
        return 1;
      },
    },
    {
      name: 'roster import',
      synopsis: '[--session SESSION.json] ROSTER.csv|ROSTER.json',
      summary: 'import a roster (checked whole first; re-running it writes nothing new)',
      args: [1, 1],
      options: SESSION,
      example: 'pnpm connectors roster import --session examples/city/session.json examples/city/roster.csv',
      run: ({ args, values, env, io }) =>
        importWithProgress(client(values, env), rosterBody(args[0]!, values['session']), args[0]!, io),
    },
    {
      name: 'sources list',
      summary: 'list the remote LRS sources and their checkpoints',
      example: 'pnpm connectors sources list',
      run: async ({ values, env, io }) =>
        printResponse(await client(values, env).request('GET', `${api}/sources`), io),
    },
    {
      name: 'sources add',
      synopsis: 'SOURCE.json',
      summary: 'add a remote LRS to pull from (its credential is sealed in the log)',
      args: [1, 1],
      example: 'pnpm connectors sources add source.json',
      run: async ({ args, values, env, io }) =>
        printResponse(
          await client(values, env).request('POST', `${api}/sources`, { json: readJsonFile(args[0]!) }),
          io,
        ),
    },
    ...(['resume', 'pull'] as const).map((verb) => ({
      name: `sources ${verb}`,
      synopsis: 'ID',
      summary: verb === 'resume' ? 'resume a stopped source' : 'pull a source now',
      args: [1, 1] as const,
      example: `pnpm connectors sources ${verb} lms-a`,
      run: async ({
        args,
        values,
        env,
        io,
      }: {
        args: string[];
        values: OptionValues;
        env: NodeJS.ProcessEnv;
        io: CliIo;
      }) =>
        printResponse(
          await client(values, env).request('POST', `${api}/sources/${id(args[0]!)}/${verb}`, { json: {} }),
          io,
        ),
    })),
    {
      name: 'sources quarantine',
      synopsis: 'ID',
      summary: "list a source's quarantined statements",
      args: [1, 1],
      example: 'pnpm connectors sources quarantine lms-a',
      run: async ({ args, values, env, io }) =>
        printResponse(
          await client(values, env).request('GET', `${api}/sources/${id(args[0]!)}/quarantine`),
          io,
        ),
    },
    {
      name: 'webhooks list',
      summary: 'list completion webhook subscriptions',
      example: 'pnpm connectors webhooks list',
      run: async ({ values, env, io }) =>
        printResponse(await client(values, env).request('GET', `${api}/webhooks`), io),
    },
    {
      name: 'webhooks add',
      synopsis: 'SUBSCRIPTION.json',
      summary: 'subscribe a URL to completion changes',
      args: [1, 1],
      example: 'pnpm connectors webhooks add subscription.json',
      run: async ({ args, values, env, io }) =>
        printResponse(
          await client(values, env).request('POST', `${api}/webhooks`, { json: readJsonFile(args[0]!) }),
          io,
        ),
    },
    {
      name: 'webhooks remove',
      synopsis: 'ID',
      summary: 'remove a subscription',
      args: [1, 1],
      example: 'pnpm connectors webhooks remove hr-system',
      run: async ({ args, values, env, io }) =>
        printResponse(await client(values, env).request('DELETE', `${api}/webhooks/${id(args[0]!)}`), io),
    },
    {
      name: 'webhooks deliveries',
      synopsis: 'ID',
      summary: "list a subscription's deliveries",
      args: [1, 1],
      example: 'pnpm connectors webhooks deliveries hr-system',
      run: async ({ args, values, env, io }) =>
        printResponse(
          await client(values, env).request('GET', `${api}/webhooks/${id(args[0]!)}/deliveries`),
          io,
        ),
    },
  ],
};

export function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  return runCommandLine(connectorsCommandLine, argv, env, io);
}

function rosterBody(file: string, sessionFile: unknown): Record<string, unknown> {
  const session = typeof sessionFile === 'string' ? readJsonFile(sessionFile) : undefined;
  if (file.toLowerCase().endsWith('.json')) {
    const parsed = readJsonFile(file);
    if (Array.isArray(parsed)) return { session, attendees: parsed };
    if (parsed === null || typeof parsed !== 'object')
      throw new UsageError(`${file}: a JSON roster is { session, attendees } or an array of attendees`);
    return { ...(parsed as Record<string, unknown>), ...(session !== undefined ? { session } : {}) };
  }
  if (session === undefined) throw new UsageError('a CSV roster needs --session SESSION.json');
  return { session, csv: readInputFile(file) };
}

/** One line per problem: "ROSTER:LINE /pointer: message" (the session's problems without a line). */
function reportRosterProblems(file: string, text: string, io: CliIo, url: string, status: number): number {
  let body: { problems?: Problem[]; error?: { message?: string; details?: { problems?: Problem[] } } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    io.err(`${file}: rejected by ${url} (${status})\n`);
    return 1;
  }
  const problems = body.problems ?? body.error?.details?.problems;
  if (!problems || problems.length === 0) {
    io.err(`${file}: ${body.error?.message ?? `rejected by ${url} (${status})`}\n`);
    return 1;
  }
  for (const p of problems)
    io.err(
      `${file}${p.line !== null && p.line !== undefined ? `:${p.line}` : ''} ${p.pointer ?? ''}: ${p.message}\n`,
    );
  return 1;
}

type Problem = { line?: number | null; pointer?: string; message: string };

/** Reads the server's NDJSON progress lines into a bar; prints the final result (or problems) as JSON. */
async function importWithProgress(
  client: LrsClient,
  body: unknown,
  file: string,
  io: CliIo,
): Promise<number> {
  const res = await client.request('POST', `${api}/rosters`, {
    json: body,
    headers: { Accept: 'application/x-ndjson' },
  });
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('ndjson')) {
    const text = await res.text();
    io.out(`${text}\n`);
    if (res.ok) return 0;
    return reportRosterProblems(file, text, io, `${client.url}${api}/rosters`, res.status);
  }
  const progress = new Progress(io, 'statements');
  let code = 1;
  let buffered = '';
  const decoder = new TextDecoder();
  const handle = (line: string) => {
    if (!line.trim()) return;
    const message = JSON.parse(line) as {
      progress?: { done: number; total: number };
      result?: unknown;
      error?: unknown;
    };
    if (message.progress) {
      progress.update(message.progress.done, message.progress.total);
    } else {
      progress.finish();
      io.out(`${JSON.stringify(message.result ?? { error: message.error }, null, 2)}\n`);
      const warnings = (message.result as { warnings?: string[] } | undefined)?.warnings ?? [];
      for (const warning of warnings) io.err(`${file}: warning: ${warning}\n`);
      code = message.result ? 0 : 1;
      if (!message.result) reportRosterProblems(file, JSON.stringify({ error: message.error }), io, '', 500);
    }
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  }
  handle(buffered);
  return code;
}

runWhenMain(import.meta.url, (argv) => runCli(argv));
