import { randomUUID } from 'node:crypto';

/**
 * Mutated requests to the three document resources (xAPI Communication 2.3, 2.6, 2.7): the
 * query parameters, the headers and the body of an otherwise valid request are broken in
 * seeded ways, so a failure reproduces from the printed seed.
 */
export interface DocumentFuzzCase {
  description: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Relative to /xapi/, query string included (already encoded). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

type Resource = 'state' | 'activity-profile' | 'agent-profile';

const RESOURCES: { resource: Resource; path: string; idParam: string; scope: string[] }[] = [
  {
    resource: 'state',
    path: 'activities/state',
    idParam: 'stateId',
    scope: ['activityId', 'agent', 'registration'],
  },
  { resource: 'activity-profile', path: 'activities/profile', idParam: 'profileId', scope: ['activityId'] },
  { resource: 'agent-profile', path: 'agents/profile', idParam: 'profileId', scope: ['agent'] },
];

/** The documents the fuzz run starts with, so merges, preconditions and reads meet real content. */
export const FIXTURE = {
  activityId: 'https://lms.example.kr/course/fuzz',
  agent: { objectType: 'Agent', mbox: 'mailto:fuzz@example.org' },
  registration: '6f1d1e52-3c1b-4a8e-9d55-0f0f1c2b3a4d',
  documents: [
    { id: 'json-doc', contentType: 'application/json', body: '{"page":3,"notes":{"a":1}}' },
    { id: 'text-doc', contentType: 'text/plain; charset=utf-8', body: 'plain words, not JSON' },
    { id: 'binary-doc', contentType: 'application/octet-stream', body: '\u0000\u0001\u0002binary' },
  ],
} as const;

/** The path (resource + valid query) of a fixture document: used to seed and to re-read. */
export function fixturePath(resource: Resource, id: string): string {
  const shape = RESOURCES.find((r) => r.resource === resource)!;
  const params = baseParams(shape, id, false);
  return `${shape.path}?${[...params].map(([k, v]) => `${k}=${encode(v)}`).join('&')}`;
}

export const FIXTURE_RESOURCES: readonly Resource[] = RESOURCES.map((r) => r.resource);

type Param = { text: string } | { raw: string };

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const ODD_VALUES = [
  '',
  ' ',
  'not an iri',
  'urn:x',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  '\u0000',
  '한글-상태',
  'null',
  '[]',
  '{}',
  '"quoted"',
  '../../etc/passwd',
  'a|b',
  '%2F',
];

/** Percent-encodings no UTF-8 decoder accepts, or that are not percent-encodings at all. */
const BAD_ESCAPES = ['%', '%zz', '%FF', '%C0%AF', '%ED%A0%80', '%E2%82', '%F8%88%80%80', '%00', '%%41'];

const LIMIT_NUMBERS = ['1e308', '1e309', '-1e309', '5e-324', '-0', '9007199254740993', `1${'0'.repeat(400)}`];

const AGENTS: { what: string; json: string }[] = [
  {
    what: 'two IFIs',
    json: '{"mbox":"mailto:fuzz@example.org","account":{"homePage":"https://x.kr","name":"a"}}',
  },
  {
    what: 'mbox and mbox_sha1sum',
    json: '{"mbox":"mailto:fuzz@example.org","mbox_sha1sum":"0123456789abcdef0123456789abcdef01234567"}',
  },
  { what: 'no IFI', json: '{"objectType":"Agent","name":"nobody"}' },
  { what: 'a Group', json: '{"objectType":"Group","mbox":"mailto:group@example.org"}' },
  { what: 'anonymous Group', json: '{"objectType":"Group","member":[{"mbox":"mailto:a@example.org"}]}' },
  {
    what: '__proto__ key',
    json: '{"__proto__":{"mbox":"mailto:evil@example.org"},"mbox":"mailto:fuzz@example.org"}',
  },
  { what: '__proto__ only', json: '{"__proto__":{"mbox":"mailto:evil@example.org"}}' },
  { what: 'constructor key', json: '{"constructor":{"prototype":{"x":1}},"mbox":"mailto:fuzz@example.org"}' },
  { what: 'duplicate mbox', json: '{"mbox":"mailto:a@example.org","mbox":"mailto:b@example.org"}' },
  { what: 'mbox without mailto', json: '{"mbox":"fuzz@example.org"}' },
  { what: 'bad sha1sum', json: '{"mbox_sha1sum":"xyz"}' },
  { what: 'account without homePage', json: '{"account":{"name":"a"}}' },
  { what: 'account name a number', json: '{"account":{"homePage":"https://x.kr","name":1e309}}' },
  { what: 'openid not an IRI', json: '{"openid":"not an iri"}' },
  { what: 'objectType Person', json: '{"objectType":"Person","mbox":"mailto:fuzz@example.org"}' },
  { what: 'name a number', json: '{"mbox":"mailto:fuzz@example.org","name":9007199254740993}' },
  { what: 'unknown property', json: '{"mbox":"mailto:fuzz@example.org","role":"admin"}' },
  { what: 'array', json: '[{"mbox":"mailto:fuzz@example.org"}]' },
  { what: 'number', json: '1e309' },
  { what: 'string', json: '"mailto:fuzz@example.org"' },
  { what: 'null', json: 'null' },
  { what: 'truncated', json: '{"mbox":"mailto:fuzz@exa' },
  {
    what: 'deep nesting',
    json: `{"mbox":"mailto:fuzz@example.org","x":${'['.repeat(3000)}${']'.repeat(3000)}}`,
  },
  { what: 'mbox with NUL', json: '{"mbox":"mailto:fu\\u0000zz@example.org"}' },
  { what: 'lone surrogate', json: '{"mbox":"mailto:\\ud800@example.org"}' },
];

const CONTENT_TYPES = [
  'text/plain',
  'application/octet-stream',
  'application/JSON',
  'application/json; charset=latin1',
  'application/json;;;',
  'multipart/mixed; boundary=x',
  'application/x-www-form-urlencoded',
  ';',
  `application/${'x'.repeat(4_000)}`,
];

const PRECONDITIONS = ['*', '"abc"', 'abc', 'W/"abc"', '""', ',', '"a", "b", *', 'x'.repeat(3_000)];

function encode(value: string): string {
  return encodeURIComponent(value);
}

function baseParams(shape: (typeof RESOURCES)[number], id: string, withRegistration: boolean) {
  const params = new Map<string, string>();
  for (const name of shape.scope) {
    if (name === 'activityId') params.set(name, FIXTURE.activityId);
    else if (name === 'agent') params.set(name, JSON.stringify(FIXTURE.agent));
    else if (name === 'registration' && withRegistration) params.set(name, FIXTURE.registration);
  }
  params.set(shape.idParam, id);
  return params;
}

/** A JSON object body, then broken in the text so the parser itself is exercised. */
function mutatedBody(random: () => number, steps: string[]): { body: Buffer; json: boolean } {
  const kind = Math.floor(random() * 12);
  const doc = { page: Math.floor(random() * 100), bookmark: 'intro', nested: { a: [1, 2, { b: null }] } };
  const text = JSON.stringify(doc);
  switch (kind) {
    case 0: {
      steps.push('body __proto__ key');
      return { body: Buffer.from(`{"__proto__":{"polluted":true},${text.slice(1)}`), json: true };
    }
    case 1: {
      steps.push('body constructor.prototype key');
      return {
        body: Buffer.from(`{"constructor":{"prototype":{"polluted":true}},${text.slice(1)}`),
        json: true,
      };
    }
    case 2: {
      steps.push('body duplicate key');
      return { body: Buffer.from(`{"page":"dup",${text.slice(1)}`), json: true };
    }
    case 3: {
      const depth = pick(random, [100, 10_000, 200_000]);
      steps.push(`body nesting depth ${depth}`);
      return { body: Buffer.from(`{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`), json: true };
    }
    case 4: {
      // Around the inline limit (768 KiB, attachment store above) and the 1 MiB test limit (413).
      const size = pick(random, [10_000, 700_000, 800_000, 1_100_000]);
      steps.push(`body huge string ${size}`);
      return { body: Buffer.from(`{"huge":"${'x'.repeat(size)}"}`), json: true };
    }
    case 5: {
      const bytes = Buffer.from(text);
      const at = Math.floor(random() * bytes.length);
      const bad = pick(random, [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]);
      steps.push(`body invalid UTF-8 at ${at}`);
      return {
        body: Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]),
        json: true,
      };
    }
    case 6: {
      const literal = pick(random, LIMIT_NUMBERS);
      steps.push(`body number ${literal.slice(0, 20)}`);
      return { body: Buffer.from(`{"n":${literal},${text.slice(1)}`), json: true };
    }
    case 7: {
      const cut = Math.floor(random() * text.length);
      steps.push(`body truncated at ${cut}`);
      return { body: Buffer.from(text.slice(0, cut)), json: true };
    }
    case 8: {
      const whole = pick(random, ['[]', '[1,2]', '1', '"s"', 'null', 'true', '']);
      steps.push(`body ${whole || '(empty)'}`);
      return { body: Buffer.from(whole), json: true };
    }
    case 9: {
      const bytes = Buffer.alloc(1 + Math.floor(random() * 2_000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      steps.push(`body ${bytes.length} random bytes`);
      return { body: bytes, json: false };
    }
    default:
      steps.push('body valid JSON object');
      return { body: Buffer.from(text), json: true };
  }
}

/** One mutated document request. */
export function mutatedDocumentRequest(random: () => number, index: number): DocumentFuzzCase {
  const shape = pick(random, RESOURCES);
  const method = pick(random, ['GET', 'PUT', 'POST', 'DELETE'] as const);
  const fixtureIds = FIXTURE.documents.map((d) => d.id);
  const id = random() < 0.6 ? pick(random, fixtureIds) : `doc-${Math.floor(random() * 20)}`;
  const query = new Map<string, Param>();
  for (const [k, v] of baseParams(shape, id, random() < 0.3)) query.set(k, { text: v });
  // A GET without an id lists the ids; give `since` a chance there.
  if (method === 'GET' && random() < 0.3) {
    query.delete(shape.idParam);
    if (random() < 0.5) query.set('since', { text: pick(random, ['2025-01-01T00:00:00Z', 'yesterday', '']) });
  }
  const steps: string[] = [];
  const headers: Record<string, string> = {};
  const mutations = Math.floor(random() * 3);
  for (let m = 0; m < mutations; m++) {
    const names = [...query.keys()];
    const name = names.length > 0 ? pick(random, names) : shape.idParam;
    const kind = Math.floor(random() * 11);
    if (kind === 0) {
      query.delete(name);
      steps.push(`drop ${name}`);
    } else if (kind === 1) {
      const value = pick(random, ODD_VALUES);
      query.set(name, { text: value });
      steps.push(`${name}=${JSON.stringify(value)}`);
    } else if (kind === 2) {
      // 15k stays under Node's 16 KiB header limit; 20k and 70k are refused by the HTTP parser.
      const size = pick(random, [1_000, 8_000, 15_000, 20_000, 70_000]);
      query.set(name, {
        text:
          name === 'agent'
            ? `{"mbox":"mailto:${'x'.repeat(size)}@example.org"}`
            : `${name === 'activityId' ? 'https://x.kr/' : ''}${'x'.repeat(size)}`,
      });
      steps.push(`huge ${name} ${size}`);
    } else if (kind === 3 && shape.scope.includes('agent')) {
      const agent = pick(random, AGENTS);
      query.set('agent', { text: agent.json });
      steps.push(`agent ${agent.what}`);
    } else if (kind === 4) {
      const badEscape = pick(random, BAD_ESCAPES);
      query.set(name, { raw: `${encode(FIXTURE.activityId).slice(0, 8)}${badEscape}` });
      steps.push(`${name} raw ${badEscape}`);
    } else if (kind === 5) {
      const extra = pick(random, [
        '__proto__',
        'constructor',
        'hasOwnProperty',
        'StateId',
        'ProfileId',
        'activityID',
        'since',
        'registration',
        'unknown',
        'method',
      ]);
      query.set(extra, { text: pick(random, ['1', 'PUT', '{}', '']) });
      steps.push(`extra ${extra}`);
    } else if (kind === 6) {
      // A repeated parameter cannot live in the map: appended to the query text below.
      steps.push(`repeat ${name}`);
      query.set(`${name}\u0001repeat`, query.get(name) ?? { text: 'x' });
    } else if (kind === 7 && shape.resource === 'state') {
      const value = pick(random, [
        'not-a-uuid',
        FIXTURE.registration.toUpperCase(),
        '00000000-0000-0000-0000-000000000000',
        `{${FIXTURE.registration}}`,
        '',
      ]);
      query.set('registration', { text: value });
      steps.push(`registration ${value}`);
    } else if (kind === 8) {
      const header = pick(random, ['If-Match', 'If-None-Match']);
      const value = pick(random, PRECONDITIONS);
      headers[header] = value;
      steps.push(`${header}: ${value.slice(0, 20)}`);
    } else if (kind === 9) {
      const version = pick(random, ['2.0.0', '1.0.0', '1.0', '0.95', '', '1.0.3.1', '9']);
      headers['X-Experience-API-Version'] = version;
      steps.push(`version ${JSON.stringify(version)}`);
    } else {
      const literal = pick(random, LIMIT_NUMBERS);
      query.set(name, { text: literal });
      steps.push(`${name}=${literal.slice(0, 20)}`);
    }
  }
  let body: Buffer | undefined;
  if (method === 'PUT' || method === 'POST') {
    const made = mutatedBody(random, steps);
    body = made.body;
    const roll = random();
    if (roll < 0.15) {
      const type = pick(random, CONTENT_TYPES);
      headers['Content-Type'] = type;
      steps.push(`content-type ${type.slice(0, 40)}`);
    } else if (roll < 0.2) {
      steps.push('no content-type');
    } else headers['Content-Type'] = made.json ? 'application/json' : 'application/octet-stream';
  }
  const queryText = [...query]
    .map(([k, v]) => {
      const name = k.split('\u0001')[0]!;
      return `${encode(name)}=${'raw' in v ? v.raw : encode(v.text)}`;
    })
    .join('&');
  return {
    description: `case ${index}: ${method} ${shape.path}; ${steps.join('; ') || 'unmutated'}`,
    method,
    path: `${shape.path}?${queryText}`,
    headers,
    ...(body ? { body } : {}),
  };
}

/** A fresh id for a document the run never wrote (for the after-fuzz round trip). */
export const freshDocumentId = () => `after-fuzz-${randomUUID()}`;
