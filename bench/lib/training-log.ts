/**
 * The training workload shared by the training and audit suites (and profiling runs): a SQLite
 * log with an org tree (city → 10 districts), N officials linked to the generator's accounts, a
 * 120-course catalog (basic/job), the city policy, then M statements from ./statements.ts.
 */
import { readFileSync } from 'node:fs';
import type { AppendRequest, JsonValue } from '../../packages/event-log/src/index';
import { openSqliteEventLog } from '../../packages/event-log/src/index';
import {
  activityHash,
  CATALOG_ENTRY_RECORDED,
  catalogStream,
  OFFICIAL_RECORDED,
  ORG_UNIT_RECORDED,
  officialStream,
  orgUnitStream,
  POLICY_PUBLISHED,
  type Policy,
  policyStream,
} from '../../packages/training/src/index';
import { generateStatements } from './statements';

export const cityPolicy = (): Policy =>
  JSON.parse(
    readFileSync(
      new URL('../../examples/policies/city-annual-welfare-education.json', import.meta.url),
      'utf8',
    ),
  ) as Policy;

export const officialId = (i: number): string => `official-${String(i).padStart(6, '0')}`;

/** Writes the workload into a new log file; returns the number of events appended. */
export async function buildTrainingLog(
  file: string,
  { officials, statements }: { officials: number; statements: number },
): Promise<number> {
  const log = await openSqliteEventLog({ file });
  try {
    const reference: AppendRequest[] = [
      {
        stream: orgUnitStream('city'),
        events: [{ type: ORG_UNIT_RECORDED, data: { orgUnitId: 'city', name: 'City', parent: null } }],
      },
    ];
    for (let d = 0; d < 10; d++)
      reference.push({
        stream: orgUnitStream(`d${d}`),
        events: [
          { type: ORG_UNIT_RECORDED, data: { orgUnitId: `d${d}`, name: `District ${d}`, parent: 'city' } },
        ],
      });
    for (let i = 0; i < officials; i++) {
      const id = officialId(i);
      const data = {
        officialId: id,
        name: id,
        orgUnit: `d${i % 10}`,
        orgUnitFrom: null,
        staffGroup: ['social-welfare', 'administrative', 'nursing'][i % 3]!,
        jurisdiction: 'city',
        employedFrom: null,
        employedTo: null,
        identifiers: [{ account: { homePage: 'https://lms.example.kr', name: id } }],
      };
      reference.push({ stream: officialStream(id), events: [{ type: OFFICIAL_RECORDED, data }] });
    }
    for (let c = 0; c < 120; c++) {
      const activityId = `https://lms.example.kr/courses/c-${String(c).padStart(4, '0')}`;
      const data = {
        activityId,
        title: { en: `Course ${c}` },
        category: c % 2 === 0 ? 'basic' : 'job',
        nominalHours: 1 + (c % 4),
        modality: 'self-paced',
        provider: 'eLMS',
      };
      reference.push({
        stream: catalogStream(activityHash(activityId)),
        events: [{ type: CATALOG_ENTRY_RECORDED, data }],
      });
    }
    const policy = cityPolicy();
    reference.push({
      stream: policyStream(policy.policyId, 1),
      events: [{ type: POLICY_PUBLISHED, data: { policy, publishedBy: 'bench' } as unknown as JsonValue }],
    });
    for (let i = 0; i < reference.length; i += 1000) await log.appendMany(reference.slice(i, i + 1000));
    for (let done = 0; done < statements; done += 10_000) {
      const batch = generateStatements(Math.min(10_000, statements - done), {
        seed: done + 1,
        officials,
        year: 2024,
      });
      await log.appendMany(
        batch.map((s) => ({
          stream: `statement-${s.id}`,
          expectedRevision: 'no_stream' as const,
          events: [{ type: 'xapi.statement.stored', data: { statement: s } as unknown as JsonValue }],
        })),
      );
    }
    return reference.length + statements;
  } finally {
    await log.close();
  }
}
