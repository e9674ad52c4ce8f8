import type { EventLog } from '@lrs/event-log';
import { type KeyStore, sealStatements } from '@lrs/privacy';
import { RosterService } from '@lrs/service-connectors';
import { StatementStore } from '@lrs/service-lrs';
import {
  type CatalogEntry,
  type Official,
  type OrgUnit,
  type Policy,
  periodFor,
  ReferenceStore,
} from '@lrs/training';

export const DEMO_HOME = 'https://idp.demo-city.example';
export const DEMO_POLICY = 'city-annual-welfare-education';
const ATTENDED = 'http://adlnet.gov/expapi/verbs/attended';
const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed';
const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';

const COURSES: CatalogEntry[] = [
  [
    'ethics',
    'basic',
    1.5,
    'self-paced',
    'Public service ethics',
    '공직 윤리',
    '公務倫理',
    '公务伦理',
    'Đạo đức công vụ',
  ],
  [
    'rights',
    'basic',
    1,
    'live-online',
    'Human rights basics',
    '인권 기초',
    '人權基礎',
    '人权基础',
    'Nhân quyền cơ bản',
  ],
  [
    'privacy',
    'basic',
    1,
    'self-paced',
    'Personal data protection',
    '개인정보 보호',
    '個人資料保護',
    '个人信息保护',
    'Bảo vệ dữ liệu cá nhân',
  ],
  [
    'casework',
    'job',
    3,
    'face-to-face',
    'Case management',
    '사례 관리',
    '個案管理',
    '个案管理',
    'Quản lý ca',
  ],
  [
    'counselling',
    'job',
    2.5,
    'live-online',
    'Counselling skills',
    '상담 기법',
    '諮商技巧',
    '咨询技巧',
    'Kỹ năng tư vấn',
  ],
  [
    'benefits',
    'job',
    2,
    'self-paced',
    'Benefits law update',
    '급여법 개정',
    '給付法修訂',
    '福利法修订',
    'Cập nhật luật trợ cấp',
  ],
].map(([id, category, hours, modality, en, ko, hant, hans, vi]) => ({
  activityId: `https://lms.demo-city.example/courses/${id}`,
  title: {
    'en-US': String(en),
    'ko-KR': String(ko),
    'zh-Hant': String(hant),
    'zh-Hans': String(hans),
    'vi-VN': String(vi),
  },
  category: String(category),
  nominalHours: Number(hours),
  modality: modality as CatalogEntry['modality'],
  provider: 'Demo City HRD',
}));

export const DEMO_POLICY_DOCUMENT = {
  policyId: DEMO_POLICY,
  version: 1,
  effectiveFrom: '2024-01-01',
  title: { 'ko-KR': '사회복지 공무원 연간 의무교육', 'en-US': 'Annual welfare education of officials' },
  timeZone: 'Asia/Seoul',
  population: { staffGroups: ['social-welfare', 'administrative', 'nursing'], orgUnits: ['city'] },
  period: { type: 'calendar_year' },
  credit: { basis: 'min', rounding: { unitHours: 0.25, mode: 'down' }, verbs: [ATTENDED, COMPLETED] },
  requirement: {
    id: 'annual-8h',
    all_of: [
      {
        id: 'basic-3h',
        title: { 'en-US': 'Basic (ethics, human rights)', 'ko-KR': '기본' },
        min_hours: { category: 'basic', hours: 3 },
      },
      {
        id: 'job-5h',
        title: { 'en-US': 'Job-related', 'ko-KR': '직무' },
        min_hours: { category: 'job', hours: 5 },
      },
    ],
  },
  exemptions: { prorate: true, reasons: ['leave', 'secondment'] },
  due: { daysAfterPeriodEnd: 0, graceDays: 0 },
};

const GROUPS = ['social-welfare', 'administrative', 'nursing'];
const SURNAMES = [
  'Kim',
  'Lee',
  'Park',
  'Choi',
  'Jung',
  'Kang',
  'Cho',
  'Yoon',
  'Jang',
  'Lim',
  'Nguyen',
  'Chen',
];
const GIVEN = ['Minji', 'Seojun', 'Jiwoo', 'Hana', 'Doyun', 'Yuna', 'Minho', 'Sora', 'Thao', 'Wei'];

/** Deterministic pseudo-random numbers so demo data and tests agree run after run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const uuid = (n: number, kind: number) =>
  `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;

export interface SeedOptions {
  officials: number;
  districts?: number;
  officesPerDistrict?: number;
  /** The year the learning falls in (the policy's calendar-year period). */
  year?: number;
  batchSize?: number;
  /**
   * Wait between the year's records and the late rosters, so that a report cut off in between
   * (SeedResult.reportCutOff) differs from today's. Default one second (cut-offs to the second).
   */
  pauseMs?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * The key store of the data directory: officials' records and statements are sealed under each
   * person's key as the LRS seals them (decisions 065, 077). Without it they are written in the
   * clear (unit tests of the seed alone).
   */
  keys?: KeyStore;
}

export interface SeedResult {
  officials: number;
  /** Statements of the year's learning (voids and late rosters not counted). */
  statements: number;
  voided: number;
  orgUnits: number;
  /** An instant after the year's records and before the late rosters and corrections. */
  reportCutOff: string;
  lateRosters: number;
  /** Attendance statements the late rosters wrote. */
  lateRosterStatements: number;
  /** Statements voided after reportCutOff: roster corrections and withdrawn online records. */
  lateVoids: number;
}

const DAY = 86_400_000;
const TRAINING_CENTRE = {
  authority: {
    objectType: 'Agent' as const,
    name: 'Demo City training centre',
    account: { homePage: DEMO_HOME, name: 'training-centre' },
  },
  id: 'training-centre',
};

/**
 * The demo policy's period at `nowMs` as the portal takes it (`periodFor`: the calendar year in
 * Seoul, so from 15:00 UTC on 31 December it is already the next year): the year the demo's
 * learning falls in, and the period tests ask reports for.
 */
export function demoPeriod(nowMs: number = Date.now()): string {
  return periodFor(DEMO_POLICY_DOCUMENT as unknown as Policy, nowMs)!.id;
}

/**
 * A city with districts and offices, its officials, the course catalog, the city policy, and a
 * year of learning (online, live, face-to-face; about 2% voided), written through the same stores
 * the admin and xAPI APIs use; then, after `reportCutOff`, face-to-face rosters imported weeks
 * late, a roster correction and a few more withdrawn records: an earlier report differs from today's.
 */
export async function seedDemoCity(log: EventLog, options: SeedOptions): Promise<SeedResult> {
  const year = options.year ?? Number(demoPeriod());
  const districts = options.districts ?? 6;
  const offices = options.officesPerDistrict ?? 5;
  const keys = options.keys ?? null;
  const reference = new ReferenceStore(log, keys);
  const statements = keys
    ? new StatementStore(log, (batch, sealing) => sealStatements(batch, keys, sealing))
    : new StatementStore(log);
  const random = rng(42);
  const units: OrgUnit[] = [{ orgUnitId: 'city', name: 'Demo City', parent: null }];
  for (let d = 1; d <= districts; d++) {
    units.push({ orgUnitId: `d${d}`, name: `District ${d}`, parent: 'city' });
    for (let o = 1; o <= offices; o++)
      units.push({ orgUnitId: `d${d}-o${o}`, name: `District ${d} office ${o}`, parent: `d${d}` });
  }
  const leaves = units.filter((u) => /-o\d+$/.test(u.orgUnitId));
  const officials: Official[] = [];
  for (let i = 1; i <= options.officials; i++) {
    const id = `E${String(i).padStart(5, '0')}`;
    officials.push({
      officialId: id,
      name: `${SURNAMES[i % SURNAMES.length]} ${GIVEN[(i * 7) % GIVEN.length]}`,
      orgUnit: leaves[i % leaves.length]!.orgUnitId,
      orgUnitFrom: null,
      staffGroup: GROUPS[i % GROUPS.length]!,
      jurisdiction: 'demo-city',
      employedFrom: null,
      employedTo: null,
      identifiers: [{ account: { homePage: DEMO_HOME, name: id } }],
    });
  }
  await reference.importRecords('org-units', units, 'demo-data');
  await reference.importRecords('catalog', COURSES, 'demo-data');
  for (let i = 0; i < officials.length; i += 2000)
    await reference.importRecords('officials', officials.slice(i, i + 2000), 'demo-data');
  await reference.publishPolicy(DEMO_POLICY_DOCUMENT, 'demo-data');

  const batch: unknown[] = [];
  let stored = 0;
  let voided = 0;
  let n = 0;
  const authority = {
    objectType: 'Agent',
    name: 'demo-data',
    account: { homePage: DEMO_HOME, name: 'demo-data' },
  };
  const flush = async () => {
    if (batch.length === 0) return;
    await statements.store({
      statements: batch.splice(0),
      version: '1.0.3',
      authority,
      writer: 'demo-data',
    } as Parameters<StatementStore['store']>[0]);
  };
  const lateVoidCandidates: string[] = [];
  const now = Date.now();
  const yearStart = Date.UTC(year, 0, 1);
  const span = Math.max(86_400_000, Math.min(now, Date.UTC(year + 1, 0, 1)) - yearStart - 86_400_000);
  for (const official of officials) {
    // Most officials take 2-6 courses: some complete everything, some lag behind.
    const count = Math.floor(random() * 6) + (official.officialId === 'E00001' ? 6 : 0);
    const chosen = new Set<number>();
    if (official.officialId === 'E00001') for (let c = 0; c < COURSES.length; c++) chosen.add(c);
    while (chosen.size < Math.min(count, COURSES.length)) chosen.add(Math.floor(random() * COURSES.length));
    for (const c of chosen) {
      const course = COURSES[c]!;
      const at = new Date(yearStart + Math.floor(random() * span));
      const id = uuid(++n, 1);
      const faceToFace = course.modality === 'face-to-face';
      batch.push({
        id,
        actor: { objectType: 'Agent', account: { homePage: DEMO_HOME, name: official.officialId } },
        verb: {
          id: faceToFace ? ATTENDED : COMPLETED,
          display: { 'en-US': faceToFace ? 'attended' : 'completed' },
        },
        object: { objectType: 'Activity', id: course.activityId, definition: { name: course.title } },
        result: { completion: true, duration: `PT${course.nominalHours}H` },
        timestamp: at.toISOString(),
      });
      stored++;
      if (!faceToFace && official.officialId !== 'E00001' && random() < 0.005) lateVoidCandidates.push(id);
      // About 2% of records are withdrawn (entered for the wrong person, say) by a voiding statement.
      if (random() < 0.02 && official.officialId !== 'E00001') {
        batch.push({
          id: uuid(++n, 2),
          actor: authority,
          verb: { id: VOIDED, display: { 'en-US': 'voided' } },
          object: { objectType: 'StatementRef', id },
          timestamp: new Date(at.getTime() + 86_400_000).toISOString(),
        });
        voided++;
      }
      if (batch.length >= (options.batchSize ?? 500)) {
        await flush();
        options.onProgress?.(stored, officials.length * 3);
      }
    }
  }
  await flush();

  await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 1000));
  const reportCutOff = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, Math.min(options.pauseMs ?? 1000, 50)));
  const late = await importLateRosters(log, statements, officials, year, now);

  // Online records withdrawn after the report (entered for the wrong person, found in an audit).
  for (let i = 0; i < lateVoidCandidates.length; i += 500)
    await statements.store({
      statements: lateVoidCandidates.slice(i, i + 500).map((id) => ({
        id: uuid(++n, 3),
        actor: authority,
        verb: { id: VOIDED, display: { 'en-US': 'voided' } },
        object: { objectType: 'StatementRef', id },
      })),
      version: '1.0.3',
      authority,
      writer: 'demo-data',
    } as Parameters<StatementStore['store']>[0]);
  return {
    officials: officials.length,
    statements: stored,
    voided,
    orgUnits: units.length,
    reportCutOff,
    lateRosters: late.rosters,
    lateRosterStatements: late.statements,
    lateVoids: late.voids + lateVoidCandidates.length,
  };
}

/**
 * Face-to-face sessions held three to ten weeks ago whose rosters the training centre imports only
 * now, through the connectors' roster import (the path a real late roster takes); one roster is
 * then corrected (an attendee was absent after all), which voids that attendee's statement.
 */
async function importLateRosters(
  log: EventLog,
  statements: StatementStore,
  officials: Official[],
  year: number,
  now: number,
): Promise<{ rosters: number; statements: number; voids: number }> {
  const agents = new Map(officials.map((o) => [o.officialId, o.identifiers[0]!]));
  const rosters = new RosterService({
    log,
    writer: statements,
    directory: { resolve: (id) => (agents.has(id) ? { objectType: 'Agent', ...agents.get(id)! } : null) },
    catalog: { has: (id) => COURSES.some((c) => c.activityId === id) },
  });
  const casework = COURSES.find((c) => c.modality === 'face-to-face')!;
  const perSession = Math.max(2, Math.min(60, Math.floor(officials.length / 50)));
  let written = 0;
  let voids = 0;
  const sessions = [3, 5, 8, 10];
  for (const [k, weeksAgo] of sessions.entries()) {
    // Sessions end at 17:00 in Seoul and stay inside the demo year (the policy's calendar-year period).
    const day = Math.min(now, Date.UTC(year + 1, 0, 1)) - weeksAgo * 7 * DAY;
    const end = Math.max(Date.UTC(year, 0, 2, 8), day - (day % DAY) + 8 * 3_600_000);
    const attendees = officials
      .filter((o, i) => o.officialId !== 'E00001' && i % sessions.length === k && i % 7 === 3)
      .slice(0, perSession)
      .map((o) => ({ official: o.officialId, minutes: 180, status: 'attended' }));
    const session = {
      activityId: casework.activityId,
      title: casework.title,
      start: new Date(end - 3 * 3_600_000).toISOString(),
      end: new Date(end).toISOString(),
      timeZone: 'Asia/Seoul',
      location: `Demo City HRD, room ${k + 1}`,
      instructor: officials[0]!.officialId,
      offeringId: `CASE-${year}-LATE-${k + 1}`,
    };
    const result = await rosters.import({ session, attendees }, TRAINING_CENTRE);
    written += result.written;
    if (k === 0 && attendees.length > 1) {
      // The first attendee turns out to have been absent: the corrected roster voids their record.
      const corrected = attendees.map((a, i) => (i === 0 ? { official: a.official, status: 'absent' } : a));
      const fix = await rosters.import({ session, attendees: corrected }, TRAINING_CENTRE);
      voids += fix.voided;
    }
  }
  return { rosters: sessions.length, statements: written, voids };
}
