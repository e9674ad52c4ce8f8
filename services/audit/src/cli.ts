#!/usr/bin/env -S node --import tsx
/**
 * Audits from a shell, as a client of a running LRS (`pnpm audit …`):
 *   replay --as-of INSTANT | --position N   start a replay and follow it with a progress bar
 *   replay status ID | list | delete ID
 *   snapshot --policy P --period Y [--org-unit U] (--as-of INSTANT | --position N)
 *   verify SNAPSHOT_ID
 *   diff --policy P --period Y (--from INSTANT | --from-snapshot ID) [--to INSTANT | --to-snapshot ID]
 *        [--org-unit U] [--official O]
 *   duties | duties define DUTIES.json        (one duty object or an array; PUT /api/reports/duties/{id})
 *   programmes (--policy P --period Y | --from D --to D --time-zone Z) (--as-of INSTANT | --position N)
 *        [--org-unit U] [--category C]     snapshot of programme statistics (decision 051)
 * Credentials: --token JWT (or LRS_TOKEN) for an auditor/policy-unit token, else --key/--secret
 * (LRS_KEY/LRS_SECRET) of an admin credential; --url or LRS_URL. JSON on stdout, the bar on stderr.
 * Exit codes: 0 done (and a verified snapshot matches), 1 failed/mismatch/HTTP error, 2 usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `usage:
  replay --as-of INSTANT | --position N      (follows the job with a progress bar)
  replay status ID | replay list | replay delete ID
  snapshot --policy P --period Y [--org-unit U] (--as-of INSTANT | --position N)
  verify SNAPSHOT_ID
  diff --policy P --period Y (--from INSTANT | --from-snapshot ID) [--to INSTANT | --to-snapshot ID] [--org-unit U] [--official O]
  duties | duties define DUTIES.json
  programmes (--policy P --period Y | --from D --to D --time-zone Z) (--as-of INSTANT | --position N) [--org-unit U] [--category C]
options: --url URL, --token JWT | --key KEY --secret SECRET (or LRS_URL, LRS_TOKEN, LRS_KEY, LRS_SECRET)`;

interface Job {
  id: string;
  state: string;
  progress: { done: number; total: number; projection: string | null };
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      'as-of': { type: 'string' },
      position: { type: 'string' },
      policy: { type: 'string' },
      period: { type: 'string' },
      'org-unit': { type: 'string' },
      official: { type: 'string' },
      from: { type: 'string' },
      'from-snapshot': { type: 'string' },
      to: { type: 'string' },
      'to-snapshot': { type: 'string' },
      'time-zone': { type: 'string' },
      category: { type: 'string' },
    },
  });
  const url = (values.url ?? env.LRS_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = values.token ?? env.LRS_TOKEN;
  const key = values.key ?? env.LRS_KEY;
  const secret = values.secret ?? env.LRS_SECRET;
  const auth = token
    ? `Bearer ${token}`
    : key && secret
      ? `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`
      : null;
  const [command, sub, arg] = positionals;
  if (!auth || !command) return usage();
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/api${path}`, {
      method,
      headers: { Authorization: auth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const cutOff = values['as-of']
    ? { asOf: values['as-of'] }
    : values.position
      ? { position: values.position }
      : null;

  if (command === 'replay') {
    if (sub === 'list') return print(await call('GET', '/audits/replays'));
    if (sub === 'status' && arg)
      return print(await call('GET', `/audits/replays/${encodeURIComponent(arg)}`));
    if (sub === 'delete' && arg)
      return print(await call('DELETE', `/audits/replays/${encodeURIComponent(arg)}`));
    if (sub !== undefined || !cutOff) return usage();
    const started = await call('POST', '/audits/replays', cutOff);
    if (started.status !== 202) return print(started);
    let job = (await started.json()) as Job;
    for (;;) {
      bar(job);
      if (!['queued', 'running'].includes(job.state)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const res = await call('GET', `/audits/replays/${job.id}`);
      if (res.status !== 200) return print(res);
      job = (await res.json()) as Job;
    }
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    return job.state === 'completed' ? 0 : 1;
  }
  if (command === 'snapshot') {
    if (!values.policy || !values.period || !cutOff) return usage();
    return print(
      await call('POST', '/reports/snapshots', {
        policy: values.policy,
        period: values.period,
        ...(values['org-unit'] ? { orgUnit: values['org-unit'] } : {}),
        ...cutOff,
      }),
    );
  }
  if (command === 'verify' && sub) {
    const res = await call('GET', `/reports/snapshots/${encodeURIComponent(sub)}/verify`);
    const code = await print(res);
    return code;
  }
  if (command === 'diff') {
    const q = new URLSearchParams();
    const map: [keyof typeof values, string][] = [
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
    return print(await call('GET', `/audits/diff?${q}`));
  }
  if (command === 'duties' && sub === undefined) return print(await call('GET', '/reports/duties'));
  if (command === 'duties' && sub === 'define' && arg) {
    const parsed = JSON.parse(readFileSync(arg, 'utf8')) as { dutyId?: string } | { dutyId?: string }[];
    let code = 0;
    for (const duty of Array.isArray(parsed) ? parsed : [parsed])
      code = Math.max(
        code,
        await print(await call('PUT', `/reports/duties/${encodeURIComponent(duty.dutyId ?? '')}`, duty)),
      );
    return code;
  }
  if (command === 'programmes') {
    const window = values.policy
      ? { policy: values.policy, period: values.period }
      : { from: values.from, to: values.to, timeZone: values['time-zone'] };
    if (!cutOff || Object.values(window).some((v) => v === undefined)) return usage();
    return print(
      await call('POST', '/reports/snapshots', {
        kind: 'programme-statistics',
        ...window,
        ...(values['org-unit'] ? { orgUnit: values['org-unit'] } : {}),
        ...(values.category ? { category: values.category } : {}),
        ...cutOff,
      }),
    );
  }
  return usage();
}

function usage(): number {
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

/** Prints the body; a 4xx/5xx or a verification that does not match exits 1. */
async function print(res: Response): Promise<number> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  process.stdout.write(`${typeof body === 'string' ? body : JSON.stringify(body, null, 2)}\n`);
  if (res.status >= 400) return 1;
  return (body as { matches?: boolean }).matches === false ? 1 : 0;
}

function bar(job: Job): void {
  const { done, total, projection } = job.progress;
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const width = 30;
  const filled = Math.round(ratio * width);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total} ${job.state}${projection ? ` (${projection})` : ''}`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
