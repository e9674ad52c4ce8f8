import { createHash, createHmac, type KeyObject, sign } from 'node:crypto';
import type { Statement } from '@lrs/xapi';
import { sha256 } from '../support/multipart';

/**
 * Multipart bodies framed the way the ADL conformance suite frames them, which differs from our
 * own builder in ways a parser can trip over: a CRLF before the first boundary, header lines
 * with no space after the colon, Content-Disposition headers on parts, and no CRLF after the
 * closing boundary.
 */
export interface AdlPart {
  contentType: string;
  bytes: Buffer | string;
  extraHeaders?: string[];
}

export function adlMultipart(
  statementJson: string,
  parts: AdlPart[],
  options: {
    boundary?: string;
    compactHeaders?: boolean;
    leadingCrlf?: boolean;
    trailingCrlf?: boolean;
  } = {},
): { body: Buffer; contentType: string } {
  const boundary = options.boundary ?? '-------314159265358979323846';
  const sep = options.compactHeaders ? ':' : ': ';
  const chunks: Buffer[] = [
    Buffer.from(
      `${options.leadingCrlf ? '\r\n' : ''}--${boundary}\r\nContent-Type${sep}application/json\r\n\r\n${statementJson}`,
    ),
  ];
  for (const part of parts) {
    const headers = [
      ...(part.extraHeaders ?? []),
      `Content-Type${sep}${part.contentType}`,
      `Content-Transfer-Encoding${sep}binary`,
      `X-Experience-API-Hash${sep}${sha256(part.bytes)}`,
    ];
    chunks.push(Buffer.from(`\r\n--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`), Buffer.from(part.bytes));
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--${options.trailingCrlf === false ? '' : '\r\n'}`));
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` };
}

/**
 * A statement signed as the ADL suite signs it (xAPI Data 2.6): the JWS covers the statement
 * without attachments, the signature attachment is then added, and the whole goes in ADL framing.
 * `alg: 'HS256'` and `breakJson` make the malformed signatures the suite expects a 400 for.
 */
export function adlSignedStatement(
  statement: Statement,
  key: KeyObject,
  options: { alg?: 'RS256' | 'HS256'; signatureContentType?: string; breakJson?: boolean } = {},
): { body: Buffer; contentType: string } {
  const { attachments: _dropped, ...unsigned } = statement;
  const alg = options.alg ?? 'RS256';
  const payloadText = options.breakJson
    ? JSON.stringify(unsigned).replace('"', "'")
    : JSON.stringify(unsigned);
  const input = `${b64url(JSON.stringify({ alg }))}.${b64url(payloadText)}`;
  const signature =
    alg === 'HS256'
      ? createHmac('sha256', 'shared-secret').update(input).digest()
      : sign('sha256', Buffer.from(input), key);
  const jws = `${input}.${b64url(signature)}`;
  const contentType = options.signatureContentType ?? 'application/octet-stream';
  const signed = {
    ...unsigned,
    attachments: [
      {
        usageType: 'http://adlnet.gov/expapi/attachments/signature',
        display: { 'en-US': 'Signed by the Test Suite' },
        contentType,
        length: Buffer.byteLength(jws),
        sha2: createHash('sha256').update(jws).digest('hex'),
      },
    ],
  };
  return adlMultipart(JSON.stringify(signed), [{ contentType, bytes: jws }], {
    boundary: '-------------2718281828',
    compactHeaders: true,
    leadingCrlf: true,
    trailingCrlf: false,
  });
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
