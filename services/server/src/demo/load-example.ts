// Loads an `examples/<programme>/` folder into a running LRS through the product's own import
// paths: the training admin API (as `pnpm training import` sends it), the reporting-duties API,
// the xAPI statements resource and the roster import. `pnpm demo-data --programme NAME` and the
// examples' tests call it, so the documented examples cannot rot.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliFailure, describeProblem, type LrsClient } from '@lrs/config/cli';

export const PROGRAMMES = ['city', 'cohort', 'department', 'commune'] as const;
export const examplesDir = new URL('../../../../examples/', import.meta.url).pathname;

/** One request the loader sent, e.g. POST /api/admin/training/officials with officials.csv. */
export interface LoadStep {
  method: string;
  path: string;
  file: string;
  status: number;
  body: unknown;
}

/**
 * Sends every file the folder has, in dependency order (org units, officials, exemptions and
 * catalog, then the policy, the duties, the statements and the roster). Stops at the first
 * refusal with a CliFailure naming the file, the request and the problem.
 */
export async function loadExample(
  client: Pick<LrsClient, 'request' | 'url'>,
  folder: string,
  onStep: (step: LoadStep) => void = () => {},
): Promise<LoadStep[]> {
  if (!existsSync(folder)) throw new CliFailure(`${folder}: no such example folder`);
  const steps: LoadStep[] = [];
  const send = async (method: string, path: string, file: string, body: string, type: string) => {
    const res = await client.request(method, path, {
      body,
      headers: { 'Content-Type': type, 'X-Experience-API-Version': '1.0.3' },
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (!res.ok)
      throw new CliFailure(
        `${join(folder, file)}: ${method} ${client.url}${path}: ${describeProblem(res.status, parsed)}`,
      );
    const step = { method, path, file, status: res.status, body: parsed };
    steps.push(step);
    onStep(step);
  };
  const read = (file: string) => readFileSync(join(folder, file), 'utf8');
  const has = (file: string) => existsSync(join(folder, file));
  // Reference data first: officials need their org units, a policy its catalog's categories.
  for (const kind of ['org-units', 'officials', 'exemptions', 'catalog'])
    for (const [ext, type] of [
      ['csv', 'text/csv'],
      ['json', 'application/json'],
    ] as const)
      if (has(`${kind}.${ext}`))
        await send('POST', `/api/admin/training/${kind}`, `${kind}.${ext}`, read(`${kind}.${ext}`), type);
  if (has('policy.json'))
    await send(
      'POST',
      '/api/admin/training/policies',
      'policy.json',
      read('policy.json'),
      'application/json',
    );
  if (has('duties.json'))
    for (const duty of JSON.parse(read('duties.json')) as { dutyId: string }[])
      await send(
        'PUT',
        `/api/reports/duties/${encodeURIComponent(duty.dutyId)}`,
        'duties.json',
        JSON.stringify(duty),
        'application/json',
      );
  for (const file of ['statements.json', 'statement.json'])
    if (has(file)) await send('POST', '/xapi/statements', file, read(file), 'application/json');
  if (has('roster.json'))
    await send('POST', '/api/connectors/rosters', 'roster.json', read('roster.json'), 'application/json');
  else if (has('roster.csv') && has('session.json'))
    await send(
      'POST',
      '/api/connectors/rosters',
      'roster.csv',
      JSON.stringify({ session: JSON.parse(read('session.json')), csv: read('roster.csv') }),
      'application/json',
    );
  return steps;
}
