// Loads an `examples/<programme>/` folder into a running LRS through the real import paths (the
// training admin API as `pnpm training import` calls it, the xAPI statements resource, the roster
// import and the reporting-duties API), so the documented examples cannot rot.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, basic, type TestLrs } from '@lrs/server/testing';

const EXAMPLES = new URL('../../examples/', import.meta.url);

export const examplePath = (name: string) => join(EXAMPLES.pathname, name);

interface Answer {
  path: string;
  status: number;
  body: unknown;
}

/** Every request's answer, in order; throws on the first that is not 2xx. */
export async function loadExample(lrs: TestLrs, name: string): Promise<Answer[]> {
  const dir = examplePath(name);
  const answers: Answer[] = [];
  const send = async (method: string, path: string, body: string, type: string) => {
    const res = await fetch(`${lrs.url}${path}`, {
      method,
      headers: {
        Authorization: basic(ADMIN),
        'Content-Type': type,
        Accept: 'application/json',
        'X-Experience-API-Version': '1.0.3',
      },
      body,
    });
    const text = await res.text();
    const answer = { path, status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    if (res.status >= 300) throw new Error(`${name}: ${method} ${path} answered ${res.status}: ${text}`);
    answers.push(answer);
  };
  const file = (base: string) =>
    ['csv', 'json'].map((ext) => join(dir, `${base}.${ext}`)).find((f) => existsSync(f)) ?? null;
  // Reference data first (the officials need their org units, the roster its catalog entry).
  for (const kind of ['org-units', 'officials', 'exemptions', 'catalog']) {
    const f = file(kind);
    if (f)
      await send(
        'POST',
        `/api/admin/training/${kind}`,
        readFileSync(f, 'utf8'),
        f.endsWith('.csv') ? 'text/csv' : 'application/json',
      );
  }
  const policy = join(dir, 'policy.json');
  if (existsSync(policy))
    await send('POST', '/api/admin/training/policies', readFileSync(policy, 'utf8'), 'application/json');
  const duties = join(dir, 'duties.json');
  if (existsSync(duties))
    for (const duty of JSON.parse(readFileSync(duties, 'utf8')) as { dutyId: string }[])
      await send('PUT', `/api/reports/duties/${duty.dutyId}`, JSON.stringify(duty), 'application/json');
  const statements = join(dir, 'statements.json');
  if (existsSync(statements))
    await send('POST', '/xapi/statements', readFileSync(statements, 'utf8'), 'application/json');
  const roster = join(dir, 'roster.json');
  if (existsSync(roster))
    await send('POST', '/api/connectors/rosters', readFileSync(roster, 'utf8'), 'application/json');
  return answers;
}
