import { randomUUID } from 'node:crypto';
import { expectNothingWritten, type StatementResult, TestLrs } from '@lrs/server/testing';
import { aStatement } from '@lrs/testkit';
import type { Statement } from '@lrs/xapi';
import { expect } from 'chai';
import {
  attachmentFor,
  certifiedSigner,
  multipartBody,
  type Part,
  parseMultipartResponse,
  rsaSigner,
  signedStatement,
  signJws,
} from './support/multipart';

// xAPI Data 2.4.11 (attachments), Communication 1.5.2 (multipart/mixed), Data 2.6 (signed statements).
describe('Statements resource: attachments and signed statements', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  const postMultipart = async (statements: unknown, parts: Part[], method = 'POST', query = '') => {
    const { body, contentType } = multipartBody(statements, parts);
    return lrs.call(method, `statements${query}`, { body, headers: { 'Content-Type': contentType } });
  };
  const getRaw = async (query: string) => {
    const res = await fetch(`${lrs.url}/xapi/statements?${query}`, {
      headers: {
        'X-Experience-API-Version': '1.0.3',
        Authorization: `Basic ${Buffer.from('admin:change-me-please-now').toString('base64')}`,
      },
    });
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body: Buffer.from(await res.arrayBuffer()),
    };
  };

  describe('multipart/mixed', () => {
    it('stores a statement with its attachment and returns both with attachments=true', async () => {
      const certificate = `Certificate of completion ${randomUUID()}`;
      const statement = aStatement().withAttachment(attachmentFor(certificate)).build();
      const res = await postMultipart(statement, [{ contentType: 'text/plain', bytes: certificate }]);
      expect(res.status, res.text).to.equal(200);
      const id = (res.body as string[])[0]!;

      const single = await getRaw(`statementId=${id}&attachments=true`);
      expect(single.status).to.equal(200);
      expect(single.contentType).to.match(/^multipart\/mixed; boundary=/);
      const parts = parseMultipartResponse(single.body, single.contentType);
      expect(parts).to.have.length(2);
      expect(parts[0]!.headers['content-type']).to.match(/^application\/json/);
      expect((JSON.parse(parts[0]!.body.toString('utf8')) as { id: string }).id).to.equal(id);
      expect(parts[1]!.headers['x-experience-api-hash']).to.equal(statement.attachments![0]!.sha2);
      expect(parts[1]!.headers['content-transfer-encoding']).to.equal('binary');
      expect(parts[1]!.body.toString('utf8')).to.equal(certificate);

      const list = await getRaw(`attachments=true&limit=1`);
      const listParts = parseMultipartResponse(list.body, list.contentType);
      expect((JSON.parse(listParts[0]!.body.toString('utf8')) as StatementResult).statements[0]!.id).to.equal(
        id,
      );
      expect(listParts[1]!.body.toString('utf8')).to.equal(certificate);
    });

    it('without attachments=true answers plain JSON', async () => {
      const data = `notes ${randomUUID()}`;
      const res = await postMultipart(aStatement().withAttachment(attachmentFor(data)).build(), [
        { contentType: 'text/plain', bytes: data },
      ]);
      const back = await lrs.call('GET', `statements?statementId=${(res.body as string[])[0]}`);
      expect(back.headers.get('content-type')).to.match(/^application\/json/);
    });

    it('accepts PUT with multipart/mixed', async () => {
      const id = randomUUID();
      const data = `put ${id}`;
      const res = await postMultipart(
        aStatement().withAttachment(attachmentFor(data)).build(),
        [{ contentType: 'text/plain', bytes: data }],
        'PUT',
        `?statementId=${id}`,
      );
      expect(res.status, res.text).to.equal(204);
    });

    it('rejects a statement whose attachment part is missing with 400, writing nothing', async () => {
      const before = await lrs.statementCount();
      const res = await postMultipart(
        aStatement()
          .withAttachment(attachmentFor(`missing ${randomUUID()}`))
          .build(),
        [],
      );
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.rule).to.be.a('string');
      await expectNothingWritten(lrs, before);
    });

    it('rejects a part no attachment describes with 400', async () => {
      const before = await lrs.statementCount();
      const res = await postMultipart(aStatement().build(), [{ contentType: 'text/plain', bytes: 'stray' }]);
      expect(res.status, res.text).to.equal(400);
      await expectNothingWritten(lrs, before);
    });

    it('rejects a part without X-Experience-API-Hash with 400', async () => {
      const data = `unhashed ${randomUUID()}`;
      const res = await postMultipart(aStatement().withAttachment(attachmentFor(data)).build(), [
        { contentType: 'text/plain', bytes: data, hash: null },
      ]);
      expect(res.status, res.text).to.equal(400);
    });

    it('rejects a statement with an attachment without fileUrl sent as application/json with 400', async () => {
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements', {
        json: aStatement().withAttachment(attachmentFor('no data')).build(),
      });
      expect(res.status, res.text).to.equal(400);
      await expectNothingWritten(lrs, before);
    });

    it('accepts a fileUrl-only attachment as application/json', async () => {
      const attachment = attachmentFor('remote', 'application/pdf', {
        fileUrl: 'https://files.example.org/certificate.pdf',
      });
      const res = await lrs.call('POST', 'statements', {
        json: aStatement().withAttachment(attachment).build(),
      });
      expect(res.status, res.text).to.equal(200);
      const back = await getRaw(`statementId=${(res.body as string[])[0]}&attachments=true`);
      expect(back.status).to.equal(200);
      // Nothing is held for a fileUrl-only attachment: only the statement part is returned.
      expect(parseMultipartResponse(back.body, back.contentType)).to.have.length(1);
    });
  });

  describe('signed statements (xAPI Data 2.6)', () => {
    const original = (): Statement => aStatement().withId(randomUUID()).build();

    it('accepts a statement signed RS256 with a key (no certificate)', async () => {
      const statement = original();
      const signed = signedStatement(statement, signJws(statement, rsaSigner()));
      const res = await postMultipart(signed.statement, [signed.part]);
      expect(res.status, res.text).to.equal(200);
    });

    it('accepts a statement signed RS256 with an x5c certificate', async function () {
      const signer = certifiedSigner();
      if (!signer) {
        console.log('      (skipped: openssl is not installed)');
        this.skip();
      }
      const statement = original();
      const signed = signedStatement(statement, signJws(statement, signer!));
      const res = await postMultipart(signed.statement, [signed.part]);
      expect(res.status, res.text).to.equal(200);
      const back = await getRaw(`statementId=${statement.id}&attachments=true`);
      const parts = parseMultipartResponse(back.body, back.contentType);
      expect(parts[1]!.body.toString('utf8').split('.')).to.have.length(3);
    });

    it('rejects a statement changed after signing with 400, writing nothing', async () => {
      const statement = original();
      const jws = signJws(statement, rsaSigner());
      const tampered = { ...statement, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' } };
      const signed = signedStatement(tampered, jws);
      const before = await lrs.statementCount();
      const res = await postMultipart(signed.statement, [signed.part]);
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.rule).to.equal('signature.mismatch');
      await expectNothingWritten(lrs, before);
    });

    it('rejects a signature that does not verify against its x5c certificate with 400', async function () {
      const signer = certifiedSigner();
      if (!signer) this.skip();
      const statement = original();
      const jws = signJws(statement, signer!);
      const [h, p] = jws.split('.');
      const forged = `${h}.${p}.${signJws(statement, rsaSigner()).split('.')[2]}`;
      const signed = signedStatement(statement, forged);
      const res = await postMultipart(signed.statement, [signed.part]);
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.rule).to.match(/^signature\./);
    });

    it('rejects a signature that is not a JWS with 400', async () => {
      const signed = signedStatement(original(), 'not-a-jws');
      const res = await postMultipart(signed.statement, [signed.part]);
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.rule).to.match(/^signature\./);
    });
  });
});
