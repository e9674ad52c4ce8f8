#!/usr/bin/env -S node --import tsx
/**
 * Reference data and policies from a shell, as a client of a running LRS's admin API (the same
 * checks, idempotence and events as POST /api/admin/training/...): `pnpm training import KIND FILE`
 * and `pnpm training policy publish POLICY.json`. The server's answer goes to stdout as JSON; a
 * rejected file lists every problem as FILE:LINE field: message on stderr (docs/IMPORTS.md).
 * The command line follows decision 040 (--help everywhere, exit 0 applied or unchanged,
 * 1 rejected or unreachable, 2 usage).
 */
import {
  type CliIo,
  type Command,
  type CommandLine,
  LRS_CLIENT_OPTIONS,
  LrsClient,
  processIo,
  readInputFile,
  runCommandLine,
  runWhenMain,
  UsageError,
} from '@lrs/config/cli';
import { REFERENCE_KINDS } from './import-rows';

export type { CliIo as CliOutput } from '@lrs/config/cli';

const importCommand = (kind: (typeof REFERENCE_KINDS)[number]): Command => ({
  name: `import ${kind}`,
  synopsis: 'FILE.csv|FILE.json',
  summary: `import ${kind} (all or nothing; the same file again changes nothing; columns in docs/IMPORTS.md)`,
  args: [1, 1],
  example: `pnpm training import ${kind} examples/city/${kind}.csv`,
  run: ({ args, values, env, io }) => send(`/api/admin/training/${kind}`, args[0]!, values, env, io),
});

export const trainingCommandLine: CommandLine = {
  program: 'pnpm training',
  summary: 'import reference data (officials, org units, exemptions, catalog) and publish policies',
  options: LRS_CLIENT_OPTIONS,
  notes: 'the credential needs the admin scope.',
  commands: [
    ...REFERENCE_KINDS.map(importCommand),
    {
      name: 'policy publish',
      synopsis: 'POLICY.json',
      summary: 'publish a policy version (immutable once published; the same document again is unchanged)',
      args: [1, 1],
      example: 'pnpm training policy publish examples/city/policy.json',
      run: ({ args, values, env, io }) => {
        if (!args[0]!.toLowerCase().endsWith('.json'))
          throw new UsageError(`a policy is a JSON document (POLICY.json), not '${args[0]}'`);
        return send('/api/admin/training/policies', args[0]!, values, env, io);
      },
    },
  ],
};

export function runTrainingCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  return runCommandLine(trainingCommandLine, argv, env, io);
}

async function send(
  path: string,
  file: string,
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const client = LrsClient.from(values as Record<string, string | undefined>, env);
  const body = readInputFile(file);
  const json = file.toLowerCase().endsWith('.json');
  const res = await client.request('POST', path, {
    body,
    headers: { 'Content-Type': json ? 'application/json' : 'text/csv' },
  });
  const text = await res.text();
  io.out(`${text}\n`);
  for (const warning of warningsOf(text)) io.err(`${file}: warning: ${warning}\n`);
  if (res.ok) return 0;
  io.err(problemsOf(text, file, `${client.url}${path}`, res.status));
  return 1;
}

function warningsOf(text: string): string[] {
  try {
    const body = JSON.parse(text) as { warnings?: unknown };
    return Array.isArray(body.warnings)
      ? body.warnings.filter((w): w is string => typeof w === 'string')
      : [];
  } catch {
    return [];
  }
}

/** "FILE:LINE field: message" per problem, as compilers print them, else the error message. */
function problemsOf(text: string, file: string, url: string, status: number): string {
  let body: {
    error?: {
      message?: string;
      pointer?: string;
      details?: { problems?: { line?: number; field?: string; pointer?: string; message: string }[] };
    };
  };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `${file}: rejected by ${url} (${status})\n`;
  }
  const problems = body.error?.details?.problems;
  if (!problems || problems.length === 0)
    return `${file}: ${body.error?.message ?? `rejected by ${url} (${status})`}${body.error?.pointer ? ` (${body.error.pointer})` : ''}\n`;
  return problems
    .map((p) =>
      p.line !== undefined
        ? `${file}:${p.line} ${p.field ?? ''}: ${p.message}\n`
        : `${file} ${p.pointer ?? ''}: ${p.message}\n`,
    )
    .join('');
}

runWhenMain(import.meta.url, (argv) => runTrainingCli(argv));
