#!/usr/bin/env -S node --import tsx
/**
 * Connectors from a shell, as a client of a running LRS (training centres do not hold its data dir):
 *   lrs-connectors roster import --session session.json roster.csv|roster.json
 *   lrs-connectors roster check  --session session.json roster.csv
 *   lrs-connectors sources list | add source.json | resume ID | pull ID | quarantine ID
 * The LRS and credential come from --url/--key/--secret or LRS_URL/LRS_KEY/LRS_SECRET.
 * A roster file ending in .json may hold { session, attendees } itself (then --session is optional).
 * Output is JSON on stdout; a progress bar goes to stderr when it is a terminal.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';

const USAGE = `usage:
  roster import|check [--session session.json] ROSTER.csv|ROSTER.json
  sources list | add SOURCE.json | resume ID | pull ID | quarantine ID
  webhooks list | add SUBSCRIPTION.json | remove ID | deliveries ID
options: --url URL --key KEY --secret SECRET (or LRS_URL, LRS_KEY, LRS_SECRET)`;

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      session: { type: 'string' },
    },
  });
  const url = (values.url ?? env.LRS_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const key = values.key ?? env.LRS_KEY;
  const secret = values.secret ?? env.LRS_SECRET;
  const [group, command, arg] = positionals;
  if (!key || !secret || !group || !command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const auth = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  const api = `${url}/api/connectors`;

  if (group === 'roster' && (command === 'import' || command === 'check') && arg) {
    const body = rosterBody(arg, values.session);
    if (command === 'check') return printResponse(await post(`${api}/rosters/check`, auth, body));
    return importWithProgress(`${api}/rosters`, auth, body);
  }
  if (group === 'sources') {
    if (command === 'list')
      return printResponse(await fetch(`${api}/sources`, { headers: { Authorization: auth } }));
    if (command === 'add' && arg)
      return printResponse(await post(`${api}/sources`, auth, JSON.parse(readFileSync(arg, 'utf8'))));
    if ((command === 'resume' || command === 'pull') && arg)
      return printResponse(await post(`${api}/sources/${encodeURIComponent(arg)}/${command}`, auth, {}));
    if (command === 'quarantine' && arg) {
      return printResponse(
        await fetch(`${api}/sources/${encodeURIComponent(arg)}/quarantine`, {
          headers: { Authorization: auth },
        }),
      );
    }
  }
  if (group === 'webhooks') {
    const hooks = `${api}/webhooks`;
    if (command === 'list') return printResponse(await fetch(hooks, { headers: { Authorization: auth } }));
    if (command === 'add' && arg)
      return printResponse(await post(hooks, auth, JSON.parse(readFileSync(arg, 'utf8'))));
    if (command === 'remove' && arg)
      return printResponse(
        await fetch(`${hooks}/${encodeURIComponent(arg)}`, {
          method: 'DELETE',
          headers: { Authorization: auth },
        }),
      );
    if (command === 'deliveries' && arg)
      return printResponse(
        await fetch(`${hooks}/${encodeURIComponent(arg)}/deliveries`, { headers: { Authorization: auth } }),
      );
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

function rosterBody(file: string, sessionFile: string | undefined): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  const session = sessionFile ? (JSON.parse(readFileSync(sessionFile, 'utf8')) as unknown) : undefined;
  if (file.toLowerCase().endsWith('.json')) {
    const parsed = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    if (Array.isArray(parsed)) return { session, attendees: parsed };
    return { ...(parsed as Record<string, unknown>), ...(session !== undefined ? { session } : {}) };
  }
  return { session, csv: text };
}

const post = (url: string, auth: string, body: unknown, accept = 'application/json') =>
  fetch(url, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/json', Accept: accept },
    body: JSON.stringify(body),
  });

async function printResponse(res: Response): Promise<number> {
  const text = await res.text();
  process.stdout.write(`${text}\n`);
  return res.ok ? 0 : 1;
}

/** Reads the server's NDJSON progress lines into a bar; prints the final result (or problems) as JSON. */
async function importWithProgress(url: string, auth: string, body: unknown): Promise<number> {
  const res = await post(url, auth, body, 'application/x-ndjson');
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('ndjson')) return printResponse(res);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'statements {bar} {value}/{total} ({percentage}%)', stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
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
      if (bar && !started) {
        bar.start(message.progress.total, 0);
        started = true;
      }
      bar?.update(message.progress.done);
    } else {
      bar?.stop();
      process.stdout.write(`${JSON.stringify(message.result ?? { error: message.error }, null, 2)}\n`);
      code = message.result ? 0 : 1;
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

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
