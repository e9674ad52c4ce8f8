#!/usr/bin/env -S node --import tsx
/**
 * Reference data and policies from a shell, as a client of a running LRS's admin API (the same
 * checks, idempotence and events as POST /api/admin/training/...):
 *   pnpm training import officials|org-units|exemptions|catalog FILE.csv|FILE.json
 *   pnpm training policy publish POLICY.json
 * The LRS and an admin credential come from --url/--key/--secret or LRS_URL/LRS_KEY/LRS_SECRET.
 * The server's answer goes to stdout as JSON; a rejected file lists every problem with its line on
 * stderr. Exit code 0 when applied (or unchanged), 1 when rejected, 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REFERENCE_KINDS, type ReferenceKind } from './import-rows';

const USAGE = `usage:
  training import ${REFERENCE_KINDS.join('|')} FILE.csv|FILE.json
  training policy publish POLICY.json
options: --url URL --key KEY --secret SECRET (or LRS_URL, LRS_KEY, LRS_SECRET)`;

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export async function runTrainingCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliOutput = processOutput,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  const url = (values.url ?? env.LRS_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const key = values.key ?? env.LRS_KEY;
  const secret = values.secret ?? env.LRS_SECRET;
  const [group, command, file] = positionals;
  const target =
    group === 'import' && REFERENCE_KINDS.includes(command as ReferenceKind)
      ? `/api/admin/training/${command}`
      : group === 'policy' && command === 'publish'
        ? '/api/admin/training/policies'
        : null;
  if (!target || !file || positionals.length !== 3 || !key || !secret) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch (error) {
    io.err(`cannot read ${file}: ${(error as Error).message}\n`);
    return 2;
  }
  const json = file.toLowerCase().endsWith('.json');
  if (group === 'policy' && !json) {
    io.err('a policy is a JSON document (POLICY.json)\n');
    return 2;
  }
  const res = await fetch(`${url}${target}`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
      'Content-Type': json ? 'application/json' : 'text/csv',
      Accept: 'application/json',
    },
    body,
  });
  const text = await res.text();
  io.out(`${text}\n`);
  if (res.ok) return 0;
  io.err(problemsOf(text, file));
  return 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, key: { type: 'string' }, secret: { type: 'string' } },
  });
}

/** "FILE:LINE field: message" per problem, as compilers print them, else the error message. */
function problemsOf(text: string, file: string): string {
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
    return `${file}: rejected\n`;
  }
  const problems = body.error?.details?.problems;
  if (!problems || problems.length === 0)
    return `${file}: ${body.error?.message ?? 'rejected'}${body.error?.pointer ? ` (${body.error.pointer})` : ''}\n`;
  return problems
    .map((p) =>
      p.line !== undefined
        ? `${file}:${p.line} ${p.field ?? ''}: ${p.message}\n`
        : `${file} ${p.pointer ?? ''}: ${p.message}\n`,
    )
    .join('');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  runTrainingCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
