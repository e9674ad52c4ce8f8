/**
 * Audit replay (issue 7): a SQLite log with reference data (org tree, N officials, 120-course
 * catalog, the city policy) and M statements from bench/lib/statements.ts, then in a fresh child
 * process (so its peak RSS is the replay's alone):
 *  - floor: reading the same filtered log prefix without applying it (log read + JSON parse);
 *  - replay: services/audit replayToCutOff of transcripts and completion to the head, with the
 *    manifest (fingerprints), as an audit job runs it.
 * Figures: events/s (events of the log prefix, reference data included, per second of replay of
 * both projections), per projection, and the child's peak RSS (MB).
 * Args: --officials N (default 10,000) --statements M (default 1,000,000).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppendRequest, JsonValue } from '../../packages/event-log/src/index';
import { openSqliteEventLog, Position } from '../../packages/event-log/src/index';
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
  TRAINING_EVENT_PREFIX,
} from '../../packages/training/src/index';
import { replayToCutOff } from '../../services/audit/src/replay';
import { generateStatements } from '../lib/statements';

const arg = (args: string[], name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(args[i + 1]?.replaceAll('_', ''));
};

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const officials = arg(args, 'officials', 10_000);
  const statements = arg(args, 'statements', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  try {
    const t0 = performance.now();
    const events = await buildLog(join(dir, 'log.sqlite'), officials, statements);
    const buildSec = (performance.now() - t0) / 1000;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--replay-child', dir],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(`replay child failed: ${child.stderr}`);
    const figures = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number>;
    return { officials, statements, events, buildSec: +buildSec.toFixed(1), ...figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function buildLog(file: string, officials: number, statements: number): Promise<number> {
  const log = await openSqliteEventLog({ file } as never);
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
    reference.push({
      stream: officialStream(id),
      events: [
        {
          type: OFFICIAL_RECORDED,
          data: {
            officialId: id,
            name: id,
            orgUnit: `d${i % 10}`,
            orgUnitFrom: null,
            staffGroup: ['social-welfare', 'administrative', 'nursing'][i % 3]!,
            jurisdiction: 'city',
            employedFrom: null,
            employedTo: null,
            identifiers: [{ account: { homePage: 'https://lms.example.kr', name: id } }],
          },
        },
      ],
    });
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
  await log.close();
  return reference.length + statements;
}

/** In the child: the floor, then the replay, each timed; peak RSS of this process. */
async function replayChild(dir: string): Promise<void> {
  const log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') } as never);
  const head = (await log.headPosition())!;
  const filter = { typePrefixes: ['xapi.statement.stored', TRAINING_EVENT_PREFIX] };
  let read = 0;
  const f0 = performance.now();
  for (let after: typeof head | undefined; ; ) {
    const page = await log.readAll({ ...(after ? { after } : {}), filter, maxCount: 5000 });
    read += page.length;
    if (page.length < 5000) break;
    after = page[page.length - 1]!.position;
  }
  const floorSec = (performance.now() - f0) / 1000;
  const perProjection: Record<string, number> = {};
  let mark = performance.now();
  const r0 = mark;
  const recorded = new Date().toISOString();
  const manifest = await replayToCutOff(
    log,
    { asOf: recorded, position: Position.toString(head), recorded },
    dir,
    {
      onProgress: (name, p) => {
        if (Position.compare(p.position ?? Position.of(0n), head) >= 0 && perProjection[name] === undefined) {
          perProjection[name] = (performance.now() - mark) / 1000;
          mark = performance.now();
        }
      },
    },
  );
  const replaySec = (performance.now() - r0) / 1000;
  await log.close();
  const rate = (sec: number | undefined) => (sec ? Math.round(read / sec) : null);
  process.stdout.write(
    `${JSON.stringify({
      floorReadPerSec: rate(floorSec),
      replayBothPerSec: rate(replaySec),
      replayBothSec: +replaySec.toFixed(1),
      transcriptsPerSec: rate(perProjection.transcripts),
      completionPerSec: rate(perProjection.completion),
      eventsReadByReplay: manifest.eventsRead,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

if (process.argv.includes('--replay-child')) {
  replayChild(process.argv[process.argv.indexOf('--replay-child') + 1]!).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
