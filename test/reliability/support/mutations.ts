import { randomUUID } from 'node:crypto';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';

/** One fuzz case: what was done (for the failure message) and the bytes to send. */
export interface FuzzCase {
  description: string;
  method: 'POST' | 'PUT';
  path: string;
  body: Buffer;
  contentType: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A valid, fairly rich statement: more fields give the mutations more to break. */
export function aRichStatement(random: () => number): Record<string, Json> {
  return aStatement()
    .withId(randomUUID())
    .withActor(anAgent().withMbox(`mailto:fuzz${Math.floor(random() * 50)}@example.org`))
    .withVerb(verbs.completed)
    .withActivity(anActivity().build())
    .scored({ scaled: 0.5, raw: 50, min: 0, max: 100 })
    .succeeded(true)
    .lasting('PT1H30M')
    .withContext({
      registration: randomUUID(),
      language: 'ko-KR',
      extensions: { 'https://example.org/ext/cohort': { year: 2025, tags: ['a', 'b'] } },
    })
    .at('2025-03-01T09:00:00+09:00')
    .build() as unknown as Record<string, Json>;
}

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];
const LIMIT_NUMBERS = [
  '1e308',
  '-1e308',
  '1e309',
  '-1e309',
  '5e-324',
  '-0',
  '9007199254740993',
  '-9007199254740993',
  '1' + '0'.repeat(400),
  '0.' + '1'.repeat(400),
  '1e-400',
  'NaN',
  'Infinity',
];
const ODD_VALUES: Json[] = [
  null,
  true,
  0,
  -1,
  '',
  ' ',
  [],
  {},
  '\u0000',
  '\ud800',
  'mailto:',
  'not a uri',
  'http://',
  'PT',
  '9999-99-99T99:99:99Z',
  '00000000-0000-0000-0000-000000000000',
  { objectType: 'Agent' },
  [null],
];

/** Every JSON pointer of a value (objects and arrays), root first. */
function pointers(value: Json, at = '', depth = 0): string[] {
  const out = [at];
  // Inserted deep nestings are not walked: mutating inside them adds nothing.
  if (value !== null && typeof value === 'object' && depth < 12) {
    for (const [k, v] of Object.entries(value)) {
      out.push(...pointers(v as Json, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1));
    }
  }
  return out;
}

function parentAndKey(root: Json, pointer: string): [Record<string, Json> | Json[], string] | null {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = parts.pop();
  if (key === undefined) return null;
  let node: Json = root;
  for (const p of parts) node = (node as Record<string, Json>)[p] as Json;
  return node !== null && typeof node === 'object' ? [node as Record<string, Json>, key] : null;
}

function deepNest(depth: number, leaf: Json): Json {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { n: v };
  return v;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/**
 * A mutated statement request. Tree mutations edit a random pointer; text mutations edit the
 * serialised JSON (duplicate keys, number literals JSON.stringify cannot produce, invalid
 * UTF-8, truncation) so the parser itself is exercised.
 */
export function mutatedRequest(random: () => number, index: number): FuzzCase {
  const batch = random() < 0.3;
  const statements = batch
    ? Array.from({ length: 1 + Math.floor(random() * 5) }, () => aRichStatement(random))
    : [aRichStatement(random)];
  let doc: Json = batch ? statements : statements[0]!;
  const steps: string[] = [];
  const mutations = 1 + Math.floor(random() * 3);
  let text: string | null = null;
  let bytes: Buffer | null = null;

  for (let m = 0; m < mutations; m++) {
    const all = pointers(doc).filter((p) => p !== '');
    const target = pick(random, all.length > 0 ? all : ['/x']);
    const slot = parentAndKey(doc, target);
    const kind = Math.floor(random() * 11);
    if (kind === 0 && slot) {
      // A copy: a later mutation inside it must not change the shared constant for every case after.
      const value = structuredClone(pick(random, ODD_VALUES));
      steps.push(`set ${target}=${JSON.stringify(value)}`);
      (slot[0] as Record<string, Json>)[slot[1]] = value;
    } else if (kind === 1 && slot) {
      if (Array.isArray(slot[0])) slot[0].splice(Number(slot[1]), 1);
      else delete slot[0][slot[1]];
      steps.push(`delete ${target}`);
    } else if (kind === 2 && slot) {
      const size = pick(random, [10_000, 300_000, 700_000, 2_000_000]);
      (slot[0] as Record<string, Json>)[slot[1]] = 'x'.repeat(size);
      steps.push(`huge string ${size} at ${target}`);
    } else if (kind === 3 && slot) {
      const depth = pick(random, [50, 500, 5_000, 50_000]);
      (slot[0] as Record<string, Json>)[slot[1]] = deepNest(depth, 1);
      steps.push(`nesting depth ${depth} at ${target}`);
    } else if (kind === 4) {
      const holders = pointers(doc).filter((p) => {
        const node =
          p === ''
            ? doc
            : (() => {
                const s = parentAndKey(doc, p);
                return s ? (s[0] as Record<string, Json>)[s[1]] : null;
              })();
        return node !== null && typeof node === 'object' && !Array.isArray(node);
      });
      const holder = holders.length > 0 ? pick(random, holders) : '';
      const key = pick(random, FORBIDDEN_KEYS);
      steps.push(`key ${key} under ${holder || '/'}`);
      text ??= safeStringify(doc);
      // Written into the text: an object literal would not keep __proto__ as an own key.
      text = insertKey(text, doc, holder, `"${key}":{"polluted":true,"id":"x"}`);
    } else if (kind === 5) {
      const literal = pick(random, LIMIT_NUMBERS);
      const current: string = text ?? safeStringify(doc);
      text = current;
      const numbers: RegExpExecArray[] = [
        ...current.matchAll(/(?<=[:[,])-?\d+(\.\d+)?([eE][-+]?\d+)?(?=[,\]}])/g),
      ];
      if (numbers.length > 0) {
        const hit: RegExpExecArray = pick(random, numbers);
        text = current.slice(0, hit.index) + literal + current.slice(hit.index + hit[0].length);
        steps.push(`number ${literal} replaces ${hit[0]}`);
      } else {
        text = text.replace(/"id":/, `"n":${literal},"id":`);
        steps.push(`number ${literal} inserted`);
      }
    } else if (kind === 6) {
      text ??= safeStringify(doc);
      const key = pick(random, ['id', 'actor', 'verb', 'object', 'mbox', 'timestamp']);
      text = text.replace(`"${key}":`, `"${key}":"duplicate","${key}":`);
      steps.push(`duplicate key ${key}`);
    } else if (kind === 7) {
      text ??= safeStringify(doc);
      bytes = Buffer.from(text, 'utf8');
      const at = Math.floor(random() * bytes.length);
      const bad = pick(random, [
        [0xff],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xe2, 0x82],
        [0xf8, 0x88, 0x80, 0x80],
      ]);
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
      steps.push(`invalid UTF-8 ${bad.map((b) => b.toString(16)).join(' ')} at byte ${at}`);
    } else if (kind === 8) {
      text ??= safeStringify(doc);
      const cut = Math.floor(random() * text.length);
      text = text.slice(0, cut);
      steps.push(`truncated at ${cut}`);
    } else if (kind === 9) {
      text ??= safeStringify(doc);
      const at = Math.floor(random() * text.length);
      const ch = pick(random, ['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\n', 'é', '\ud83d']);
      text = text.slice(0, at) + ch + text.slice(at + 1);
      steps.push(`char ${JSON.stringify(ch)} at ${at}`);
    } else {
      const whole = pick(random, [
        null,
        1,
        'statement',
        [],
        {},
        [[]],
        [1, 2],
        deepNest(100_000, 0),
      ] as Json[]);
      doc = whole;
      text = null;
      bytes = null;
      steps.push(`whole body ${safeStringify(whole).slice(0, 40)}`);
    }
  }

  const body = bytes ?? Buffer.from(text ?? safeStringify(doc), 'utf8');
  const put = !batch && random() < 0.3;
  const first = statements[0] as Record<string, Json>;
  const idParam = put
    ? random() < 0.8 && typeof first.id === 'string'
      ? first.id
      : pick(random, ['', 'nope', '%00', randomUUID()])
    : '';
  const contentType =
    random() < 0.05
      ? pick(random, ['text/plain', 'application/xml', 'application/json; charset=latin1', ''])
      : 'application/json';
  return {
    description: `case ${index}: ${put ? 'PUT' : 'POST'} ${batch ? 'batch' : 'single'}; ${steps.join('; ')}; content-type ${contentType || '(none)'}`,
    method: put ? 'PUT' : 'POST',
    // A mutated id can hold a lone surrogate, which no URL can carry: send its UTF-8 replacement.
    path: put
      ? `statements?statementId=${encodeURIComponent((idParam as unknown as { toWellFormed(): string }).toWellFormed())}`
      : 'statements',
    body,
    contentType,
  };
}

/** JSON.stringify overflows the stack on the deepest nestings; build those by hand. */
function safeStringify(doc: Json): string {
  try {
    return JSON.stringify(doc);
  } catch {
    return `${'['.repeat(100_000)}0${']'.repeat(100_000)}`;
  }
}

/** Adds `member` as the first member of the object at `pointer` in the serialised `doc`. */
function insertKey(text: string, doc: Json, pointer: string, member: string): string {
  if (pointer === '') return text.replace(/^\s*\{/, `{${member},`);
  // Locate the object by re-serialising it; good enough for unique sub-objects.
  const slot = parentAndKey(doc, pointer);
  const node = slot ? ((slot[0] as Record<string, Json>)[slot[1]] ?? null) : null;
  const serialised = safeStringify(node);
  const at = text.indexOf(serialised);
  if (at < 0 || !serialised.startsWith('{')) return text.replace(/\{/, `{${member},`);
  const inner = serialised === '{}' ? `{${member}}` : `{${member},${serialised.slice(1)}`;
  return text.slice(0, at) + inner + text.slice(at + serialised.length);
}
