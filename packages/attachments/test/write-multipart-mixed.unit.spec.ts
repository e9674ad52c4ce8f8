import { Readable } from 'node:stream';
import { expect } from 'chai';
import { multipartBodyToBuffer, parseMultipartMixed, readPartBytes, writeMultipartMixed } from '../src';
import { anAttachment, aStatement, randomishBytes, requestStream } from './support/builders';

const limits = { maxTotalBytes: 64 * 1024 * 1024, maxPartBytes: 32 * 1024 * 1024 };

describe('writeMultipartMixed (GET statements with attachments=true)', () => {
  it('round-trips through parseMultipartMixed: statements first, each attachment once, with its headers', async () => {
    const certificate = anAttachment(randomishBytes(300_000, 11), 'application/pdf');
    const essay = anAttachment('my essay', 'text/plain');
    const result = {
      statements: [aStatement(certificate.object, essay.object), aStatement(certificate.object)],
      more: '',
    };

    const out = writeMultipartMixed(JSON.stringify(result), [
      { sha2: certificate.object.sha2, contentType: 'application/pdf', bytes: certificate.bytes },
      { sha2: essay.object.sha2, contentType: 'text/plain', bytes: () => Readable.from([essay.bytes]) },
      { sha2: certificate.object.sha2, contentType: 'application/pdf', bytes: certificate.bytes },
    ]);
    const body = await multipartBodyToBuffer(out.body);

    expect(out.contentType).to.match(/^multipart\/mixed; boundary=xapi-[0-9a-f]{32}$/);
    const parsed = await parseMultipartMixed(requestStream(body, 10_000), out.contentType, limits);
    expect(JSON.parse(parsed.statementsPart.body.toString())).to.deep.equal(result);
    expect(parsed.attachments.map((a) => [a.sha2, a.contentType])).to.deep.equal([
      [certificate.object.sha2, 'application/pdf'],
      [essay.object.sha2, 'text/plain'],
    ]);
    expect(Buffer.compare(await readPartBytes(parsed.attachments[0]!.bytes), certificate.bytes)).to.equal(0);
    expect(body.toString('latin1').match(/Content-Transfer-Encoding: binary\r\n/g)).to.have.length(2);
  });

  it('writes a statements-only body when there are no attachments', async () => {
    const out = writeMultipartMixed(JSON.stringify(aStatement()), []);
    const text = (await multipartBodyToBuffer(out.body)).toString();
    expect(text).to.equal(
      `--${out.boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(aStatement())}\r\n--${out.boundary}--\r\n`,
    );
  });

  it('never lets a stored content type inject headers', async () => {
    const note = anAttachment('x');
    const out = writeMultipartMixed('[]', [
      { sha2: note.object.sha2, contentType: 'text/plain\r\nX-Evil: 1', bytes: note.bytes },
    ]);
    const text = (await multipartBodyToBuffer(out.body)).toString();
    expect(text).to.not.contain('\r\nX-Evil');
  });
});
