import { BadRequest, NotFound } from '@lrs/http';
import type { Statement } from '@lrs/xapi';
import {
  agentIfiKeys,
  formatStatement,
  isAbsoluteIri,
  isUuid,
  isValidationIssues,
  parseAgentParameter,
  timestampMillis,
} from '@lrs/xapi';
import type { XapiParams } from '../xapi/params';
import type { StatementIndexReader, StatementPage, StatementQuery } from './statement-query';

export type StatementFormat = 'exact' | 'ids' | 'canonical';

const LIST_PARAMS = [
  'agent',
  'verb',
  'activity',
  'registration',
  'related_activities',
  'related_agents',
  'since',
  'until',
  'limit',
  'format',
  'attachments',
  'ascending',
] as const;
const SINGLE_PARAMS = ['statementId', 'voidedStatementId', 'attachments', 'format'] as const;

export const MAX_PAGE = 500;

/** What a reader may see: everything, or only statements its own credential wrote. */
export interface ReadScope {
  onlyWrittenBy?: string;
}

export type StatementsRequest =
  | { kind: 'single'; id: string; voided: boolean; format: StatementFormat; attachments: boolean }
  | { kind: 'list'; query: StatementQuery; format: StatementFormat; attachments: boolean };

/** Validates GET /statements parameters (Communication 2.1.3, Data 2.2 for parameter values). */
export function parseStatementsRequest(params: XapiParams, scope: ReadScope): StatementsRequest {
  const format = parseFormat(params.get('format'));
  const attachments = params.boolean('attachments', false);
  const statementId = params.get('statementId');
  const voidedStatementId = params.get('voidedStatementId');
  if (statementId !== undefined || voidedStatementId !== undefined) {
    if (statementId !== undefined && voidedStatementId !== undefined) {
      throw new BadRequest({
        rule: 'parameter.exclusive',
        pointer: '/query/voidedStatementId',
        message: 'statementId and voidedStatementId cannot be used together.',
      });
    }
    params.allowOnly(
      SINGLE_PARAMS,
      'a single-statement GET (only attachments and format may accompany the id)',
    );
    const name = statementId !== undefined ? 'statementId' : 'voidedStatementId';
    const id = (statementId ?? voidedStatementId)!;
    if (!isUuid(id)) {
      throw new BadRequest({
        rule: 'parameter.uuid',
        pointer: `/query/${name}`,
        message: `${name} must be a UUID.`,
      });
    }
    return { kind: 'single', id, voided: voidedStatementId !== undefined, format, attachments };
  }
  params.allowOnly([...LIST_PARAMS, 'statementId', 'voidedStatementId'], 'GET statements');

  const keys: string[] = [];
  const agent = params.get('agent');
  if (agent !== undefined) {
    const parsed = parseAgentParameter(agent);
    if (isValidationIssues(parsed)) {
      throw new BadRequest({
        rule: parsed[0]?.rule ?? 'parameter.agent',
        pointer: `/query/agent${parsed[0]?.pointer ?? ''}`,
        message: `agent: ${parsed[0]?.message ?? 'not a valid Agent or identified Group'}`,
      });
    }
    const ifis = agentIfiKeys(parsed);
    // The agent's own IFI: for a Group, its group IFI; members' IFIs match via the index.
    const key = ifis[0];
    if (!key) {
      throw new BadRequest({
        rule: 'parameter.agent',
        pointer: '/query/agent',
        message: 'agent must be an Agent or an identified Group (with an inverse functional identifier).',
      });
    }
    keys.push(`${params.boolean('related_agents', false) ? 'A' : 'a'}:${key}`);
  } else {
    params.boolean('related_agents', false);
  }
  const verb = params.get('verb');
  if (verb !== undefined) {
    if (!isAbsoluteIri(verb))
      throw new BadRequest({
        rule: 'parameter.iri',
        pointer: '/query/verb',
        message: 'verb must be an IRI.',
      });
    keys.push(`v:${verb}`);
  }
  const activity = params.get('activity');
  if (activity !== undefined) {
    if (!isAbsoluteIri(activity)) {
      throw new BadRequest({
        rule: 'parameter.iri',
        pointer: '/query/activity',
        message: 'activity must be an IRI.',
      });
    }
    keys.push(`${params.boolean('related_activities', false) ? 'O' : 'o'}:${activity}`);
  } else {
    params.boolean('related_activities', false);
  }
  const registration = params.get('registration');
  if (registration !== undefined) {
    if (!isUuid(registration)) {
      throw new BadRequest({
        rule: 'parameter.uuid',
        pointer: '/query/registration',
        message: 'registration must be a UUID.',
      });
    }
    keys.push(`g:${registration.toLowerCase()}`);
  }
  // Most selective key first: it drives the index scan.
  keys.sort((a, b) => selectivity(a) - selectivity(b));
  if (scope.onlyWrittenBy !== undefined) keys.push(`w:${scope.onlyWrittenBy}`);

  const query: StatementQuery = {
    keys,
    ascending: params.boolean('ascending', false),
    limit: parseLimit(params.get('limit')),
  };
  const since = params.get('since');
  if (since !== undefined) query.sinceMs = timestampParam('since', since);
  const until = params.get('until');
  if (until !== undefined) query.untilMs = timestampParam('until', until);
  return { kind: 'list', query, format, attachments };
}

function selectivity(key: string): number {
  return 'gaAoOvw'.indexOf(key[0]!);
}

function parseFormat(value: string | undefined): StatementFormat {
  if (value === undefined) return 'exact';
  if (value === 'exact' || value === 'ids' || value === 'canonical') return value;
  throw new BadRequest({
    rule: 'parameter.format',
    pointer: '/query/format',
    message: 'format must be one of ids, exact, canonical.',
  });
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return MAX_PAGE;
  if (!/^\d{1,9}$/.test(value)) {
    throw new BadRequest({
      rule: 'parameter.limit',
      pointer: '/query/limit',
      message: 'limit must be a nonnegative integer.',
    });
  }
  const n = Number(value);
  // Communication 2.1.3: 0 means the maximum the server allows.
  return n === 0 ? MAX_PAGE : Math.min(n, MAX_PAGE);
}

function timestampParam(name: string, value: string): number {
  const ms = timestampMillis(value);
  if (ms === null) {
    throw new BadRequest({
      rule: 'parameter.timestamp',
      pointer: `/query/${name}`,
      message: `${name} must be an ISO 8601 timestamp with a time zone.`,
    });
  }
  return ms;
}

/** Cursor of a `more` link: the query and where the next page starts. Opaque to clients. */
export function encodeMore(
  query: StatementQuery,
  page: StatementPage,
  format: StatementFormat,
  attachments: boolean,
) {
  const state = {
    k: query.keys.filter((k) => !k.startsWith('w:')),
    s: query.sinceMs,
    u: query.untilMs,
    a: query.ascending ? 1 : 0,
    l: query.limit,
    f: format,
    t: attachments ? 1 : 0,
    c: page.nextAfterSeq,
    m: page.maxSeq,
  };
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeMore(token: string, scope: ReadScope): StatementsRequest {
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new NotFound({ rule: 'more.unknown', message: 'This more link is not valid.' });
  }
  const keys = state.k;
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
  if (
    !Array.isArray(keys) ||
    !keys.every((k) => typeof k === 'string' && !k.startsWith('w:')) ||
    !int(state.l) ||
    !int(state.c) ||
    !int(state.m) ||
    (state.s !== undefined && !int(state.s)) ||
    (state.u !== undefined && !int(state.u)) ||
    !['exact', 'ids', 'canonical'].includes(state.f as string)
  ) {
    throw new NotFound({ rule: 'more.unknown', message: 'This more link is not valid.' });
  }
  const query: StatementQuery = {
    keys: [...(keys as string[]), ...(scope.onlyWrittenBy !== undefined ? [`w:${scope.onlyWrittenBy}`] : [])],
    ascending: state.a === 1,
    limit: Math.min(state.l as number, MAX_PAGE),
    afterSeq: state.c as number,
    maxSeq: state.m as number,
  };
  if (state.s !== undefined) query.sinceMs = state.s as number;
  if (state.u !== undefined) query.untilMs = state.u as number;
  return { kind: 'list', query, format: state.f as StatementFormat, attachments: state.t === 1 };
}

/** Renders statements in the requested format (Communication 2.1.3 `format`). */
export function renderStatements(
  rows: { json: string }[],
  format: StatementFormat,
  languages: string[],
): { json: string; statements: Statement[] | null } {
  if (format === 'exact') return { json: `[${rows.map((r) => r.json).join(',')}]`, statements: null };
  const statements = rows.map((r) => formatStatement(JSON.parse(r.json) as Statement, format, languages));
  return { json: JSON.stringify(statements), statements };
}

export function fetchSingle(
  reader: StatementIndexReader,
  req: Extract<StatementsRequest, { kind: 'single' }>,
  scope: ReadScope,
) {
  const row = reader.get(req.id);
  // Communication 2.1.4: a voided statement is only returned by voidedStatementId, and
  // voidedStatementId only returns voided statements.
  const visible =
    row !== null &&
    row.voided === req.voided &&
    (scope.onlyWrittenBy === undefined || reader.carriesKey(row.seq, `w:${scope.onlyWrittenBy}`));
  if (!visible) {
    throw new NotFound({
      rule: 'statement.not-found',
      pointer: `/query/${req.voided ? 'voidedStatementId' : 'statementId'}`,
      message: req.voided ? `No voided statement with id ${req.id}.` : `No statement with id ${req.id}.`,
    });
  }
  return row;
}
