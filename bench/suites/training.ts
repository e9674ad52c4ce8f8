/**
 * Training projections: a SQLite log with an org tree (city → 10 districts), N officials linked to
 * the generator's accounts, a 120-course catalog (basic/job), the city policy, and M statements
 * from bench/lib/statements.ts. Measures a full rebuild (replayProjection) of transcripts and of
 * completion in statements/s, then in-process reads (no HTTP): one official's transcript and
 * completion (p50/p99 over 1,000 random officials) and the whole-city report.
 * Args: --officials N (default 10,000) --statements M (default 1,000,000).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppendRequest, JsonValue } from '../../packages/event-log/src/index';
import { openSqliteEventLog } from '../../packages/event-log/src/index';
import { openReadOnly, replayProjection } from '../../packages/projections/src/index';
import {
  activityHash,
  CATALOG_ENTRY_RECORDED,
  catalogStream,
  evaluateCompletion,
  LedgerReader,
  OFFICIAL_RECORDED,
  ORG_UNIT_RECORDED,
  officialStream,
  orgUnitStream,
  POLICY_PUBLISHED,
  type Policy,
  periodById,
  policyStream,
} from '../../packages/training/src/index';
import {
  type CompletionService,
  completionProjection,
  completionReport,
} from '../../services/completion/src/index';
import { buildTranscript, transcriptsProjection } from '../../services/transcripts/src/index';
import { generateStatements } from '../lib/statements';

const arg = (args: string[], name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(args[i + 1]?.replaceAll('_', ''));
};
// Statements per rebuild transaction: the per-official work of completion (its rows, its record)
// is paid once per batch, so larger batches amortise it over more statements.
const REBUILD_BATCH = 50_000;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const officials = arg(args, 'officials', 10_000);
  const statements = arg(args, 'statements', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-training-'));
  try {
    const log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') } as never);
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
      const id = `official-${String(i).padStart(6, '0')}`;
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
      reference.push({
        stream: catalogStream(activityHash(activityId)),
        events: [
          {
            type: CATALOG_ENTRY_RECORDED,
            data: {
              activityId,
              title: { en: `Course ${c}` },
              category: c % 2 === 0 ? 'basic' : 'job',
              nominalHours: 1 + (c % 4),
              modality: 'self-paced',
              provider: 'eLMS',
            },
          },
        ],
      });
    }
    const policy = JSON.parse(
      readFileSync(
        new URL('../../examples/policies/city-annual-welfare-education.json', import.meta.url),
        'utf8',
      ),
    ) as Policy;
    reference.push({
      stream: policyStream(policy.policyId, 1),
      events: [{ type: POLICY_PUBLISHED, data: { policy, publishedBy: 'bench' } as unknown as JsonValue }],
    });
    for (let i = 0; i < reference.length; i += 1000) await log.appendMany(reference.slice(i, i + 1000));
    const chunk = 10_000;
    for (let done = 0; done < statements; done += chunk) {
      const batch = generateStatements(Math.min(chunk, statements - done), {
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
    const head = (await log.headPosition())!;
    const rebuild = async (def: typeof transcriptsProjection, file: string) => {
      const t0 = performance.now();
      await replayProjection(log, def, { upTo: head, file: join(dir, file), batchSize: REBUILD_BATCH });
      return (performance.now() - t0) / 1000;
    };
    const tSec = await rebuild(transcriptsProjection, 'transcripts.sqlite');
    const cSec = await rebuild(completionProjection, 'completion.sqlite');
    const tReader = new LedgerReader(openReadOnly(join(dir, 'transcripts.sqlite')) as never);
    const cReader = new LedgerReader(openReadOnly(join(dir, 'completion.sqlite')) as never);
    const period = periodById(policy, '2024')!;
    const tLat: number[] = [];
    const cLat: number[] = [];
    for (let k = 0; k < 1000; k++) {
      const id = `official-${String((k * 7919) % officials).padStart(6, '0')}`;
      let t0 = performance.now();
      buildTranscript(tReader, tReader.official(id)!, {});
      tLat.push(performance.now() - t0);
      t0 = performance.now();
      const official = cReader.official(id)!;
      evaluateCompletion({
        policy,
        period,
        official,
        facts: cReader.facts(id),
        catalog: (a) => cReader.catalogEntry(a),
        exemptions: cReader.exemptions(id),
      });
      cLat.push(performance.now() - t0);
    }
    const fake = { reader: () => cReader, running: { position: () => null } } as unknown as CompletionService;
    const principal = { roles: ['admin'], scopes: new Set(['admin']) } as never;
    const r0 = performance.now();
    const report = completionReport(fake, principal, [policy], '2024', 'city');
    const reportMs = performance.now() - r0;
    await log.close();
    return {
      officials,
      statements,
      transcriptsRebuildPerSec: Math.round(statements / tSec),
      completionRebuildPerSec: Math.round(statements / cSec),
      bothRebuildPerSec: Math.round(statements / (tSec + cSec)),
      transcriptReadMs: { p50: +pct(tLat, 0.5).toFixed(2), p99: +pct(tLat, 0.99).toFixed(2) },
      completionReadMs: { p50: +pct(cLat, 0.5).toFixed(2), p99: +pct(cLat, 0.99).toFixed(2) },
      cityReportMs: +reportMs.toFixed(1),
      reportPopulation: report.population,
      reportTotals: report.totals,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
