import { pipeline } from 'node:stream/promises';
import type { AttachmentPart, AttachmentStore } from '@lrs/attachments';
import {
  checkAttachmentsAgainstStatements,
  parseMultipartMixed,
  signatureAttachments,
  verifySignedStatement,
  writeMultipartMixed,
} from '@lrs/attachments';
import { principalKey, requireScope, storedWriterOf } from '@lrs/auth';
import { BadRequest, HttpProblem, PayloadTooLarge, parseJson, readBody } from '@lrs/http';
import type { Statement } from '@lrs/xapi';
import { isUuid, parseAcceptLanguage, statementsEquivalent } from '@lrs/xapi';
import { type Request, type Response, Router } from 'express';
import type { ReadScope, StatementsRequest } from './read-statements';
import {
  decodeMore,
  encodeMore,
  fetchSingle,
  parseStatementsRequest,
  renderStatements,
} from './read-statements';
import type { StatementsIndex } from './statements-index-service';
import type { StatementStore } from './store-statements';
import { writerKeyOfPrincipal } from './writer-key';

export interface StatementRoutesDeps {
  store: StatementStore;
  index: StatementsIndex;
  attachments: AttachmentStore;
  limits: { maxBodyBytes: number; maxAttachmentBytes: number; maxStatementBytes: number };
  /** How long a read waits for the index to reach the reader's own last write. */
  readYourWritesTimeoutMs: number;
}

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
    // statements/read/mine compares the typed identity: a credential's key, or a token's own
    // agent (its issuer's account of the subject), as the index files it (decision 086).
    return full ? {} : { onlyWrittenBy: writerKeyOfPrincipal(req.principal!) };
  };

  const write = async (req: Request, res: Response, kind: 'PUT' | 'POST') => {
    req.xapiParams.allowOnly(kind === 'PUT' ? ['statementId'] : [], `${kind} statements`);
    const statementId = kind === 'PUT' ? req.xapiParams.require('statementId') : undefined;
    if (statementId !== undefined && !isUuid(statementId)) {
      throw new BadRequest({
        rule: 'parameter.uuid',
        pointer: '/query/statementId',
        message: 'statementId must be a UUID.',
      });
    }
    const body = await readStatementsBody(req, deps.limits);
    try {
      const { statements, parts, single } = body;
      if (kind === 'PUT' && !single) {
        throw new BadRequest({
          rule: 'put.single',
          pointer: '',
          message: 'PUT stores exactly one statement object, not an array.',
        });
      }
      checkStatementSizes(statements, single, deps.limits.maxStatementBytes);
      const principal = req.principal!;
      const result = await store.store({
        statements,
        single,
        version: req.xapiVersion,
        authority: principal.authority,
        authorityIsCredential: principal.kind === 'credential',
        writer: storedWriterOf(principal),
        requestId: req.id,
        ...(statementId !== undefined ? { statementId } : {}),
        beforeAppend: async (fresh) => {
          // Checked on the statements as received: signatures cover the original statement.
          checkAttachmentsAgainstStatements(single ? statements[0] : statements, parts);
          for (const s of statements) verifySignature(s, parts);
          const wanted = new Set(
            fresh.flatMap((s) => (s.attachments ?? []).map((a) => a.sha2.toLowerCase())),
          );
          for (const part of parts) {
            if (!wanted.has(part.sha2)) continue; // already stored with an earlier copy of the statement
            await deps.attachments.put(part.sha2, part.contentType ?? 'application/octet-stream', part.bytes);
          }
        },
      });
      if (result.position) index.noteWrite(principalKey(principal), result.position);
      // X-Experience-API-Consistent-Through was set on the way in (app.ts): the index applies
      // this write after the response, so reading the watermark again would find it unchanged.
      // Communication 2.1.2: a POST whose every statement the LRS already has (equivalent repeats)
      // changes nothing and is answered 204 No Content, as the ADL conformance suite expects.
      if (kind === 'PUT' || result.position === null) res.status(204).end();
      else res.status(200).json(result.ids);
    } finally {
      await body.dispose();
    }
  };

  router.put('/statements', requireScope(...WRITE_SCOPES), async (req, res) => write(req, res, 'PUT'));
  router.post('/statements', requireScope(...WRITE_SCOPES), async (req, res) => write(req, res, 'POST'));

  const read = async (req: Request, res: Response, parsed: StatementsRequest) => {
    const scope = readScope(req);
    await index.waitForWritesOf(principalKey(req.principal!), deps.readYourWritesTimeoutMs);
    const languages = parseAcceptLanguage(req.header('accept-language') ?? '');
    const reader = index.reader();
    res.setHeader('X-Experience-API-Consistent-Through', await index.consistentThrough());
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
    const more =
      page.nextAfterSeq === null
        ? ''
        : `${req.baseUrl}/statements/more/${encodeMore(parsed.query, page, parsed.format, parsed.attachments)}`;
    const last =
      page.rows.length > 0
        ? (JSON.parse(page.rows[parsed.query.ascending ? page.rows.length - 1 : 0]!.json) as Statement).stored
        : undefined;
    if (last) res.setHeader('Last-Modified', new Date(last).toUTCString());
    const json = `{"statements":${rendered.json},"more":${JSON.stringify(more)}}`;
    return send(res, json, parsed.attachments ? page.rows.map((r) => JSON.parse(r.json) as Statement) : null);
  };

  const send = async (res: Response, json: string, withAttachments: Statement[] | null) => {
    if (!withAttachments) {
      // Exactly application/json: JSON has no charset parameter (RFC 8259 11), and the ADL 1.0.3
      // suite (XAPI-00161) compares the header to that string. A Buffer keeps express from adding one.
      res.setHeader('Content-Type', 'application/json');
      res.send(Buffer.from(json, 'utf8'));
      return;
    }
    const wanted = new Map<string, string>();
    for (const s of withAttachments) {
      for (const a of s.attachments ?? [])
        if (a.sha2 && !wanted.has(a.sha2)) wanted.set(a.sha2, a.contentType);
    }
    const parts = [];
    for (const [sha2, contentType] of wanted) {
      if (!(await deps.attachments.has(sha2))) continue; // fileUrl-only attachment: no data held
      parts.push({
        sha2,
        contentType,
        bytes: async () => {
          const opened = await deps.attachments.open(sha2);
          if (!opened) throw new Error(`attachment ${sha2} vanished`);
          return opened.stream;
        },
      });
    }
    const body = writeMultipartMixed(json, parts);
    res.setHeader('Content-Type', body.contentType);
    await pipeline(body.body, res);
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

function verifySignature(statement: unknown, parts: readonly AttachmentPart[]) {
  const signatures = signatureAttachments(statement as Record<string, unknown>);
  if (signatures.length === 0) return;
  const part = parts.find((p) => signatures.some((s) => s.sha2 === p.sha2));
  if (!part) return; // checkAttachmentsAgainstStatements reports the missing part
  if (!Buffer.isBuffer(part.bytes)) {
    throw new BadRequest({
      rule: 'signature.malformed',
      pointer: '/attachments',
      message: 'The signature part is too large to be a JWS.',
    });
  }
  // Data 2.6: the JWS payload must be equivalent to the statement without its signature.
  verifySignedStatement(statement as Record<string, unknown>, part.bytes, {
    equivalent: statementsEquivalent as never,
  });
}

/** 413 for a statement over the configured size (Communication 3.2), naming which one. */
function checkStatementSizes(statements: unknown[], single: boolean, max: number) {
  statements.forEach((s, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(s));
    if (bytes > max) {
      throw new PayloadTooLarge({
        rule: 'statement.size',
        pointer: single ? '' : `/${i}`,
        message: `The statement is ${bytes} bytes; this LRS accepts statements up to ${max} bytes.`,
      });
    }
  });
}

/** Reads the statement(s) from application/json or multipart/mixed content (Communication 1.5). */
async function readStatementsBody(req: Request, limits: StatementRoutesDeps['limits']) {
  const mediaType = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let jsonBytes: Buffer;
  let parts: AttachmentPart[] = [];
  let dispose = async () => {};
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
      maxTotalBytes: limits.maxAttachmentBytes,
      maxPartBytes: limits.maxAttachmentBytes,
    });
    jsonBytes = parsed.statementsPart.body;
    parts = parsed.attachments;
    dispose = () => parsed.dispose();
  } else {
    throw new BadRequest({
      rule: 'content-type',
      pointer: '/headers/Content-Type',
      message:
        'Statements are sent as application/json, or as multipart/mixed with attachments (xAPI Communication 1.5).',
    });
  }
  try {
    const body = parseStatementsJson(jsonBytes);
    if (body === null || typeof body !== 'object') {
      throw new BadRequest({
        rule: 'statement.type',
        pointer: '',
        message: 'The content must be a statement object or an array of statements.',
      });
    }
    const single = !Array.isArray(body);
    return { statements: single ? [body] : (body as unknown[]), single, parts, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The statements JSON; a syntax error names the body, as every 4xx names the field at fault. */
function parseStatementsJson(bytes: Buffer): unknown {
  try {
    return parseJson(bytes.toString('utf8'));
  } catch (error) {
    if (error instanceof HttpProblem && error.pointer === undefined) {
      throw new HttpProblem(error.status, error.rule, error.message, {
        pointer: '/body',
        ...(error.details ? { details: error.details } : {}),
      });
    }
    throw error;
  }
}
