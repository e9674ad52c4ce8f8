import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { expectNothingWritten, expectProblem, TestLrs } from '@lrs/server/testing';
import { aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import { attachmentFor, parseMultipartResponse, sha256 } from '../support/multipart';
import { adlMultipart, adlSignedStatement } from './support';

const SIMPLE = 'here is a simple attachment';
const ANOTHER = 'here is another simple attachment';

// ADL suite: 2.0.0 4.1.3-Content-Types and 4.1.6.1 (XAPI-00127..00131, 00161, 00167), 1.0.3
// E.Data2.6-SignedStatements and the .part templates (Communication 1.5.2, Data 2.4.11, Data 2.6).
describe('conformance: attachments and signed statements in the ADL framing', () => {
  let lrs: TestLrs;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  const getRaw = async (query: string, version: string) => {
    const res = await fetch(`${lrs.url}/xapi/statements?${query}`, {
      headers: {
        'X-Experience-API-Version': version,
        Authorization: `Basic ${Buffer.from('admin:change-me-please-now').toString('base64')}`,
      },
    });
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body: Buffer.from(await res.arrayBuffer()),
    };
  };

  for (const version of ['1.0.3', '2.0.0']) {
    describe(`under ${version}`, () => {
      it('stores two text attachments sent with Content-Disposition headers and returns both with attachments=true', async () => {
        const id = randomUUID();
        const statement = aStatement()
          .withId(id)
          .withAttachment(attachmentFor(SIMPLE, 'text/plain'))
          .withAttachment(attachmentFor(ANOTHER, 'text/plain'))
          .build();
        const disposition = ['Content-Disposition: attachment; filename="text_data.txt"'];
        const { body, contentType } = adlMultipart(JSON.stringify(statement), [
          { contentType: 'text/plain', bytes: SIMPLE, extraHeaders: disposition },
          { contentType: 'text/plain', bytes: ANOTHER, extraHeaders: disposition },
        ]);
        const post = await lrs.call('POST', 'statements', {
          version,
          body,
          headers: { 'Content-Type': contentType },
        });
        expect(post.status, post.text).to.equal(200);

        const res = await getRaw(`statementId=${id}&attachments=true`, version);
        expect(res.status).to.equal(200);
        expect(res.contentType).to.match(/^multipart\/mixed; boundary=/);
        const parts = parseMultipartResponse(res.body, res.contentType);
        expect(JSON.parse(parts[0]!.body.toString('utf8'))).to.have.property('id', id);
        expect(
          parts.slice(1).map((p) => [p.headers['x-experience-api-hash'], p.body.toString('utf8')]),
        ).to.have.deep.members([
          [sha256(SIMPLE), SIMPLE],
          [sha256(ANOTHER), ANOTHER],
        ]);
        // The suite counts each hash twice: once in the statement, once on its part.
        const text = res.body.toString('utf8');
        expect(text.split(sha256(SIMPLE)).length - 1).to.equal(2);

        const plain = await getRaw(`statementId=${id}&attachments=false`, version);
        expect(plain.contentType).to.match(/^application\/json/);
      });

      it('accepts a quoted boundary parameter (RFC 2046 5.1.1)', async () => {
        const statement = aStatement().withAttachment(attachmentFor(SIMPLE, 'text/plain')).build();
        const { body } = adlMultipart(JSON.stringify(statement), [
          { contentType: 'text/plain', bytes: SIMPLE },
        ]);
        const res = await lrs.call('POST', 'statements', {
          version,
          body,
          headers: { 'Content-Type': 'multipart/mixed; boundary="-------314159265358979323846"' },
        });
        expect(res.status, res.text).to.equal(200);
      });

      it('accepts a multipart request with no attachments, and with a fileUrl-only attachment', async () => {
        const noAttachments = adlMultipart(JSON.stringify(aStatement().build()), []);
        const res1 = await lrs.call('POST', 'statements', {
          version,
          body: noAttachments.body,
          headers: { 'Content-Type': noAttachments.contentType },
        });
        expect(res1.status, res1.text).to.equal(200);
        const fileUrlOnly = adlMultipart(
          JSON.stringify(
            aStatement()
              .withAttachment(
                attachmentFor(SIMPLE, 'text/plain', { fileUrl: 'https://example.org/file.txt' }),
              )
              .build(),
          ),
          [],
        );
        const res2 = await lrs.call('POST', 'statements', {
          version,
          body: fileUrlOnly.body,
          headers: { 'Content-Type': fileUrlOnly.contentType },
        });
        expect(res2.status, res2.text).to.equal(200);
      });

      it('rejects multipart/form-data and a part run into the statements part with 400, writing nothing', async () => {
        const before = await lrs.statementCount();
        const statement = JSON.stringify(
          aStatement().withAttachment(attachmentFor(SIMPLE, 'text/plain')).build(),
        );
        const { body } = adlMultipart(statement, [{ contentType: 'text/plain', bytes: SIMPLE }]);
        const formData = await lrs.call('POST', 'statements', {
          version,
          body,
          headers: { 'Content-Type': 'multipart/form-data; boundary=-------314159265358979323846' },
        });
        expectProblem(formData, 400, 'content-type', '/headers/Content-Type');
        // The attachment's headers follow the statement without a boundary line in between.
        const runTogether = Buffer.from(
          body
            .toString('latin1')
            .replace(
              '\r\n---------314159265358979323846\r\nContent-Type: text/plain',
              '\r\n\r\nContent-Type: text/plain',
            ),
          'latin1',
        );
        const missingBoundary = await lrs.call('POST', 'statements', {
          version,
          body: runTogether,
          headers: { 'Content-Type': 'multipart/mixed; boundary=-------314159265358979323846' },
        });
        expect(missingBoundary.status, missingBoundary.text).to.equal(400);
        expect(missingBoundary.error?.pointer).to.equal('/body');
        const noBoundary = await lrs.call('POST', 'statements', {
          version,
          body,
          headers: { 'Content-Type': 'multipart/mixed' },
        });
        expectProblem(noBoundary, 400, 'multipart.boundary', '/headers/Content-Type');
        await expectNothingWritten(lrs, before);
      });

      describe('signed statements (Data 2.6)', () => {
        it('accepts an RS256 signature in the suite framing (leading CRLF, compact headers, no final CRLF), id or not', async () => {
          for (const statement of [aStatement().withId(randomUUID()).build(), aStatement().build()]) {
            const { body, contentType } = adlSignedStatement(statement, privateKey);
            const res = await lrs.call('POST', 'statements', {
              version,
              body,
              headers: { 'Content-Type': contentType },
            });
            expect(res.status, res.text).to.equal(200);
          }
        });

        for (const [label, options, rule] of [
          [
            'a signature part that is not application/octet-stream',
            { signatureContentType: 'text/plain; charset=ascii' },
            'signature.content-type',
          ],
          ['an HS256 signature', { alg: 'HS256' }, 'signature.algorithm'],
          ['a payload that is not JSON', { breakJson: true }, 'signature.malformed'],
        ] as const) {
          it(`rejects ${label} with 400 ${rule}, writing nothing`, async () => {
            const before = await lrs.statementCount();
            const { body, contentType } = adlSignedStatement(
              aStatement().withId(randomUUID()).build(),
              privateKey,
              options,
            );
            const res = await lrs.call('POST', 'statements', {
              version,
              body,
              headers: { 'Content-Type': contentType },
            });
            expectProblem(res, 400, rule, '/attachments/0');
            await expectNothingWritten(lrs, before);
          });
        }
      });
    });
  }
});
