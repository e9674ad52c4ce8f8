import type { AttachmentStore } from '@lrs/attachments';
import { checkAttachmentsAgainstStatements, parseMultipartMixed, verifySignedStatement, writeMultipartMixed } from '@lrs/attachments';
import { requireScope } from '@lrs/auth';
import { BadRequest, Forbidden, readBody } from '@lrs/http';
import type { Statement } from '@lrs/xapi';
import { parseAcceptLanguage, statementsEquivalent } from '@lrs/xapi';
import { type Request, type Response, Router } from 'express';
import type { StatementsIndex } from './statements-index-service';
import type { ReadScope, StatementsRequest } from './read-statements';
import { decodeMore, encodeMore, fetchSingle, parseStatementsRequest, renderStatements } from './read-statements';
import type { StatementStore } from './store-statements';

export interface StatementRoutesDeps {
  store: StatementStore;
  index: StatementsIndex;
  attachments: AttachmentStore;
  limits: { maxBodyBytes: number; maxAttachmentBytes: number; maxStatementBytes: number };
  /** How long a read waits for the index to reach the reader's own last write. */
  readYourWritesTimeoutMs: number;
}

const SIGNATURE_USAGE = 'http://adlnet.gov/expapi/attachments/signature';

/** Scopes (Communication 4.2 OAuth scope values) that allow each kind of access. */
const WRITE_SCOPES = ['statements/write', 'all'];
const READ_SCOPES = ['statements/read', 'statements/read/mine', 'all/read', 'all'];

/** The statements resource (xAPI Communication 2.1). */
export function statementRoutes(deps: StatementRoutesDeps): Router {
  const router = Router();
  const { store, index } = deps;

  const readScope = (req: Request): ReadScope => {
    const scopes = req.principal!.scopes;
    const full = ['statements/read', 'all/read', 'all'].some((s) => scopes.has(s));
    return full ? {} : { onlyWrittenBy: req.principal!.id };
  };

  const write = async (req: Request, res: Response, kind: 'PUT' | 'POST') => {
    const { statements, parts } = await readStatementsBody(req, deps.limits);
    if (kind === 'PUT' && (statements.length !== 1 || Array.isArray(statements[0]))) {
      throw new BadRequest({ rule: 'put.single', pointer: '', message: 'PUT stores exactly one statement object.' });
    }
    const statementId = kind === 'PUT' ? req.xapiParams.require('statementId') : undefined;
    req.xapiParams.allowOnly(kind === 'PUT' ? ['statementId'] : [], `${kind} statements`);
    if (statementId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(statementId)) {
      throw new BadRequest({ rule: 'parameter.uuid', pointer: '/query/statementId', message: 'statementId must be a UUID.' });
    }
    const principal = req.principal!;
    const result = await store.store({
      statements,
      single: kind === 'PUT' || !Array.isArray(req.body),
      version: req.xapiVersion,
      authority: principal.authority,
      writer: principal.id,
      requestId: req.id,
      ...(statementId !== undefined ? { statementId } : {}),
      beforeAppend: async (fresh) => {
        // Communication 1.5.2: every attachment without fileUrl has a part with its sha2.
        checkAttachmentsAgainstStatements(statements as Statement[], parts);
        for (const s of fresh) await verifySignature(s, parts);
        for (const part of parts) await deps.attachments.put(part.sha2, part.contentType, part.bytes);
      },
    });
    if (result.position) index.noteWrite(principal.id, result.position);
    res.setHeader('X-Experience-API-Consistent-Through', index.consistentThrough());
    if (kind === 'PUT') res.status(204).end();
    else res.status(200).json(result.ids);
  };

  router.put('/statements', requireScope(...WRITE_SCOPES), async (req, res) => write(req, res, 'PUT'));
  router.post('/statements', requireScope(...WRITE_SCOPES), async (req, res) => write(req, res, 'POST'));

  const read = async (req: Request, res: Response, parsed: StatementsRequest) => {
    const scope = readScope(req);
    await index.waitForWritesOf(req.principal!.id, deps.readYourWritesTimeoutMs);
    const languages = parseAcceptLanguage(req.header('accept-language') ?? '');
    const reader = index.reader();
    res.setHeader('X-Experience-API-Consistent-Through', index.consistentThrough());
    if (parsed.kind === 'single') {
      const row = fetchSingle(reader, parsed, scope);
      // Communication 2.1.3: Last-Modified matches the statement's stored time.
      res.setHeader('Last-Modified', new Date(row.storedMs).toUTCString());
      const rendered = renderStatements([row], parsed.format, languages);
      const json = rendered.json.slice(1, -1);
      return send(res, json, parsed.attachments ? [JSON.parse(row.json) as Statement] : null);
    }
    const page = reader.page(parsed.query);
    const rendered = renderStatements(page.rows, parsed.format, languages);
    const more = page.nextAfterSeq === null ? '' : `${req.baseUrl}/statements/more/${encodeMore(parsed.query, page, parsed.format, parsed.attachments)}`;
    const last = page.rows.length > 0 ? (JSON.parse(page.rows[parsed.query.ascending ? page.rows.length - 1 : 0]!.json) as Statement).stored : undefined;
    if (last) res.setHeader('Last-Modified', new Date(last).toUTCString());
    const json = `{"statements":${rendered.json},"more":${JSON.stringify(more)}}`;
    return send(res, json, parsed.attachments ? page.rows.map((r) => JSON.parse(r.json) as Statement) : null);
  };

  const send = async (res: Response, json: string, withAttachments: Statement[] | null) => {
    if (!withAttachments) {
      res.type('application/json').send(json);
      return;
    }
    const wanted = new Map<string, string>();
    for (const s of withAttachments) {
      for (const a of s.attachments ?? []) if (a.sha2 && !wanted.has(a.sha2)) wanted.set(a.sha2, a.contentType);
    }
    const parts = [];
    for (const sha2 of wanted.keys()) {
      const stored = await deps.attachments.get(sha2);
      if (stored) parts.push({ sha2, contentType: stored.contentType, bytes: stored.bytes });
    }
    const body = writeMultipartMixed(json, parts);
    res.setHeader('Content-Type', body.contentType);
    res.send(body.body);
  };

  router.get('/statements', requireScope(...READ_SCOPES), async (req, res) => {
    await read(req, res, parseStatementsRequest(req.xapiParams, readScope(req)));
  });
  router.get('/statements/more/:token', requireScope(...READ_SCOPES), async (req, res) => {
    req.xapiParams.allowOnly([], 'a more link');
    await read(req, res, decodeMore(String(req.params.token), readScope(req)));
  });
  return router;
}

async function verifySignature(statement: Statement, parts: { sha2: string; bytes: Buffer }[]) {
  const signature = (statement.attachments ?? []).find((a) => a.usageType === SIGNATURE_USAGE);
  if (!signature) return;
  const part = parts.find((p) => p.sha2 === signature.sha2);
  if (!part) return; // checkAttachmentsAgainstStatements reports the missing part
  verifySignedStatement(statement, part.bytes, { equivalent: statementsEquivalent });
}

/** Reads the statement(s) from application/json or multipart/mixed content (Communication 1.5). */
async function readStatementsBody(req: Request, limits: StatementRoutesDeps['limits']) {
  const contentType = (req.header('content-type') ?? '').toLowerCase();
  const mediaType = contentType.split(';')[0]!.trim();
  let jsonBytes: Buffer;
  let parts: { sha2: string; contentType: string; bytes: Buffer }[] = [];
  if (mediaType === 'application/json') {
    jsonBytes = req.alternateContent ?? (await readBody(req, { limit: limits.maxBodyBytes }));
  } else if (mediaType === 'multipart/mixed') {
    if (req.alternateContent) {
      throw new BadRequest({
        rule: 'alternate-syntax.attachments',
        pointer: '/headers/Content-Type',
        message: 'Attachments cannot be sent with the alternate request syntax (xAPI Communication 1.3).',
      });
    }
    const parsed = await parseMultipartMixed(req, req.header('content-type')!, {
      maxTotalBytes: limits.maxBodyBytes + limits.maxAttachmentBytes,
      maxPartBytes: limits.maxAttachmentBytes,
    });
    jsonBytes = parsed.statementsPart.body;
    parts = parsed.attachments;
  } else {
    throw new BadRequest({
      rule: 'content-type',
      pointer: '/headers/Content-Type',
      message: 'Statements are sent as application/json, or multipart/mixed with attachments (xAPI Communication 1.5).',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(jsonBytes.toString('utf8'));
  } catch (error) {
    throw new BadRequest({ rule: 'json.syntax', pointer: '', message: `The content is not valid JSON: ${(error as Error).message}` });
  }
  req.body = body;
  if (body === null || typeof body !== 'object') {
    throw new BadRequest({ rule: 'statement.type', pointer: '', message: 'The content must be a statement object or an array of statements.' });
  }
  return { statements: Array.isArray(body) ? (body as unknown[]) : [body], parts };
}

export function forbidden(message: string) {
  return new Forbidden({ rule: 'auth.scope', message });
}
