/**
 * The cohort view (TRAINING-DOMAIN, the provincial supervisor cohort): N trainees (default 50), each
 * with 30 supervision meetings, six confirmed 40-hour internship logs and a defence, under the
 * cohort policy of examples/policies. Times GET /api/reports/cohort's work (cohortView over the
 * completion read model) against its floor: the same trainees' evaluateCompletion calls alone.
 *   pnpm bench cohort [--trainees 50] [--views 50]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '@lrs/auth';
import { type EventLog, openSqliteEventLog } from '@lrs/event-log';
import { anEvent } from '@lrs/events';
import { openReadOnly, startProjection } from '@lrs/projections';
import {
  CompletionReader,
  cohortView,
  completionProjection,
  evaluateCompletion,
  type Policy,
  periodById,
  ReferenceStore,
} from '@lrs/training';
import { numberOption, type SuiteOptions } from '../lib/options';

const HOME = 'https://lms.province.example.cn';
const SUPERVISION = 'https://province.example.cn/cohort/group-supervision';
const INTERNSHIP = 'https://province.example.cn/cohort/internship';
const DEFENCE = 'https://province.example.cn/cohort/defence';

const arg = numberOption;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function cohortLog(log: EventLog, trainees: number, policy: Policy): Promise<void> {
  const reference = new ReferenceStore(log);
  await reference.importRecords(
    'org-units',
    [{ orgUnitId: 'province', name: 'Province', parent: null }],
    'bench',
  );
  await reference.importRecords(
    'officials',
    Array.from({ length: trainees }, (_, i) => ({
      officialId: `t${i}`,
      name: `trainee ${i}`,
      orgUnit: 'province',
      orgUnitFrom: null,
      staffGroup: 'supervisor-trainee',
      jurisdiction: 'province',
      employedFrom: null,
      employedTo: null,
      identifiers: [{ account: { homePage: HOME, name: `t${i}` } }],
    })),
    'bench',
  );
  const entry = (activityId: string, category: string, nominalHours: number | null, each: boolean) => ({
    activityId,
    title: { en: category },
    category,
    nominalHours,
    modality: 'face-to-face' as const,
    provider: null,
    ...(each ? { repeats: 'each-statement' as const } : {}),
  });
  await reference.importRecords(
    'catalog',
    [
      entry(SUPERVISION, 'group-supervision', 5, true),
      entry(INTERNSHIP, 'supervised-internship', null, true),
      entry(DEFENCE, 'defence', null, false),
    ],
    'bench',
  );
  await reference.publishPolicy(policy, 'bench');
  const statement = (who: string, verb: string, activity: string, ts: string, result: object) => {
    const s = {
      id: randomUUID(),
      actor: { objectType: 'Agent', account: { homePage: HOME, name: who } },
      verb: { id: verb },
      object: { objectType: 'Activity', id: activity },
      timestamp: ts,
      result,
      authority: { objectType: 'Agent', account: { homePage: HOME, name: 'bench' } },
      version: '1.0.3',
    };
    return {
      stream: `statement-${s.id}`,
      events: [anEvent('xapi.statement.stored', { statement: s as never })],
    };
  };
  for (let i = 0; i < trainees; i++) {
    const who = `t${i}`;
    await log.appendMany([
      ...Array.from({ length: 30 }, (_, k) =>
        statement(
          who,
          'http://adlnet.gov/expapi/verbs/attended',
          SUPERVISION,
          `2024-0${3 + (k % 6)}-${String(1 + k).padStart(2, '0')}T14:00:00+08:00`,
          { duration: 'PT5H' },
        ),
      ),
      ...Array.from({ length: 6 }, (_, k) =>
        statement(
          who,
          'http://id.tincanapi.com/verb/performed-offline',
          INTERNSHIP,
          `2024-0${3 + k}-20T09:00:00+08:00`,
          { duration: 'PT40H', completion: true },
        ),
      ),
      statement(who, 'http://adlnet.gov/expapi/verbs/passed', DEFENCE, '2024-10-20T10:00:00+08:00', {
        success: true,
      }),
    ]);
  }
}

/** What `pnpm bench cohort` takes (checked by bench/run.ts before the run). */
export const options: SuiteOptions = { trainees: 'number', views: 'number' };

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const trainees = arg(args, 'trainees', 50);
  const views = arg(args, 'views', 50);
  const dir = mkdtempSync(join(tmpdir(), 'bench-cohort-'));
  try {
    const policy = JSON.parse(
      readFileSync(
        new URL('../../examples/policies/provincial-supervisor-cohort.json', import.meta.url),
        'utf8',
      ),
    ) as Policy;
    const log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') });
    await cohortLog(log, trainees, policy);
    const running = await startProjection(log, completionProjection, {
      file: join(dir, 'completion.sqlite'),
    });
    await running.caughtUp();
    await running.stop();
    const reader = new CompletionReader(openReadOnly(join(dir, 'completion.sqlite')) as never);
    const admin = { roles: ['admin'], scopes: new Set(['admin']) } as unknown as Principal;
    const period = periodById(policy, 'cohort-2024')!;
    const viewMs: number[] = [];
    const floorMs: number[] = [];
    let completed = 0;
    for (let k = 0; k < views; k++) {
      let t0 = performance.now();
      const view = cohortView(reader, admin, [policy], null);
      viewMs.push(performance.now() - t0);
      completed = view.summary.byStatus.completed;
      t0 = performance.now();
      for (let i = 0; i < trainees; i++) {
        const official = reader.official(`t${i}`)!;
        evaluateCompletion({
          policy,
          period,
          official,
          facts: reader.facts(official.officialId),
          catalog: (a) => reader.catalogEntry(a),
          exemptions: reader.exemptions(official.officialId),
        });
      }
      floorMs.push(performance.now() - t0);
    }
    await log.close();
    if (completed !== trainees) throw new Error(`expected ${trainees} completed trainees, got ${completed}`);
    return {
      trainees,
      statements: trainees * 37,
      cohortViewMs: { p50: +pct(viewMs, 0.5).toFixed(2), p95: +pct(viewMs, 0.95).toFixed(2) },
      // The floor: the same evaluations without the view (no population scan, no summary).
      evaluationsOnlyMs: { p50: +pct(floorMs, 0.5).toFixed(2), p95: +pct(floorMs, 0.95).toFixed(2) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
