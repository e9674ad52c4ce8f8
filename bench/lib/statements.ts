// Realistic, deterministic xAPI statements for benchmarks: what an LMS or cmi5 player sends for the
// welfare-training domain (../shared/notes/TRAINING-DOMAIN.md). Self-contained so any bench can use it.

export interface GenerateOptions {
  /** PRNG seed: the same seed gives the same statements. */
  seed?: number;
  /** Number of distinct officials (actors). */
  officials?: number;
  /** Number of distinct courses (activities). */
  courses?: number;
  /** Calendar year the timestamps fall in (Asia/Seoul). */
  year?: number;
}

export type GeneratedStatement = Record<string, unknown> & { id: string; timestamp: string };

const LMS_HOME = 'https://lms.example.kr';
const CMI5_CATEGORY = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';
const SESSION_EXT = 'https://w3id.org/xapi/cmi5/context/extensions/sessionid';

const VERBS = [
  { weight: 4, id: 'http://adlnet.gov/expapi/verbs/completed', en: 'completed' },
  { weight: 3, id: 'http://adlnet.gov/expapi/verbs/passed', en: 'passed' },
  { weight: 3, id: 'http://adlnet.gov/expapi/verbs/attended', en: 'attended' },
  { weight: 1, id: 'http://adlnet.gov/expapi/verbs/failed', en: 'failed' },
  { weight: 1, id: 'http://adlnet.gov/expapi/verbs/registered', en: 'registered' },
] as const;

const TOPICS = [
  { ko: '사회복지 윤리와 인권', en: 'Welfare ethics and human rights' },
  { ko: '사례관리 실무', en: 'Case management' },
  { ko: '상담 기법의 이해', en: 'Counselling techniques' },
  { ko: '위기가구 발굴과 지원', en: 'Households in crisis' },
  { ko: '정신건강 기초', en: 'Mental health basics' },
  { ko: '소진 예방과 자기돌봄', en: 'Burnout prevention' },
] as const;

const COURSE_TYPES = [
  'http://adlnet.gov/expapi/activities/course',
  'http://adlnet.gov/expapi/activities/module',
  'http://adlnet.gov/expapi/activities/meeting',
  'http://adlnet.gov/expapi/activities/assessment',
] as const;

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(random: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A timestamp in `year`, written with the Asia/Seoul offset (+09:00, no DST). */
function seoulTimestamp(random: () => number, year: number): string {
  const start = Date.UTC(year, 0, 1) - 9 * 3_600_000;
  const instant = start + Math.floor(random() * 365 * 86_400_000);
  const local = new Date(instant + 9 * 3_600_000);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(local.getUTCMilliseconds(), 3)}+09:00`
  );
}

// cmi5-like results: a score and success for assessments, completion for modules, time for sessions.
function resultFor(verb: string, scaled: number, duration: string): Record<string, unknown> | undefined {
  switch (verb) {
    case 'passed':
    case 'failed':
      return { score: { scaled }, success: verb === 'passed', duration };
    case 'completed':
      return { completion: true, duration };
    case 'registered':
      return undefined;
    default:
      return { duration };
  }
}

function pickVerb(random: () => number): (typeof VERBS)[number] {
  const total = VERBS.reduce((s, v) => s + v.weight, 0);
  let r = random() * total;
  for (const verb of VERBS) {
    r -= verb.weight;
    if (r < 0) return verb;
  }
  return VERBS[0];
}

export function generateStatements(count: number, options: GenerateOptions = {}): GeneratedStatement[] {
  const random = prng(options.seed ?? 1);
  const officials = options.officials ?? 8_000;
  const courses = options.courses ?? 120;
  const year = options.year ?? 2024;
  const out: GeneratedStatement[] = [];
  for (let i = 0; i < count; i++) {
    const official = Math.floor(random() * officials);
    const course = Math.floor(random() * courses);
    const topic = TOPICS[course % TOPICS.length]!;
    const verb = pickVerb(random);
    const minutes = 30 + Math.floor(random() * 210);
    const scaled = Math.round(random() * 100) / 100;
    const statement: GeneratedStatement = {
      id: uuid(random),
      actor: { account: { homePage: LMS_HOME, name: `official-${pad(official, 6)}` } },
      verb: { id: verb.id, display: { 'en-US': verb.en } },
      object: {
        id: `${LMS_HOME}/courses/c-${pad(course, 4)}`,
        definition: {
          name: { 'ko-KR': `${topic.ko} ${course + 1}`, 'en-US': `${topic.en} ${course + 1}` },
          // Every fourth course carries its type, as catalog-driven LMSs do; the rest leave it out.
          ...(course % 4 === 0 ? { type: COURSE_TYPES[(course / 4) % COURSE_TYPES.length] } : {}),
        },
      },
      context: {
        registration: uuid(random),
        contextActivities: { category: [{ id: CMI5_CATEGORY }] },
        platform: 'eLMS 4.2',
        extensions: { [SESSION_EXT]: i.toString(36) },
      },
      timestamp: seoulTimestamp(random, year),
    };
    const result = resultFor(verb.en, scaled, `PT${Math.floor(minutes / 60)}H${minutes % 60}M`);
    if (result) statement['result'] = result;
    out.push(statement);
  }
  return out;
}
