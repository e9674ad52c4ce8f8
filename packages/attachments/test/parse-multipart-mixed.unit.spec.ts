import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { FileBackedBytes, type ParsedMultipart, parseMultipartMixed, readPartBytes } from '../src';
import {
  aMultipartBody,
  anAttachment,
  aStatement,
  randomishBytes,
  requestStream,
  sha256,
} from './support/builders';
import { expectAttachmentError } from './support/expectations';

const limits = { maxTotalBytes: 8 * 1024 * 1024, maxPartBytes: 4 * 1024 * 1024 };

async function parse(
  body: ReturnType<typeof aMultipartBody>,
  chunkSize = 64 * 1024,
  extra = {},
): Promise<ParsedMultipart> {
  return parseMultipartMixed(requestStream(body.build(), chunkSize), body.contentType(), {
    ...limits,
    ...extra,
  });
}

describe('parseMultipartMixed (xAPI Communication 1.5.2)', () => {
  it('parses the spec example: quoted boundary full of special characters, statement then one attachment', async () => {
    const essay = anAttachment('here is a simple attachment', 'text/plain; charset=ascii');
    const body = aMultipartBody("abcABC0123'()+_,-./:=?")
      .statements(aStatement(essay.object))
      .attachment(essay.bytes);

    const parsed = await parse(body);

    expect(JSON.parse(parsed.statementsPart.body.toString('utf8'))).to.deep.equal(aStatement(essay.object));
    expect(parsed.statementsPart.contentType).to.equal('application/json');
    expect(parsed.attachments).to.have.length(1);
    expect(parsed.attachments[0]).to.include({
      sha2: '495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a',
      contentType: 'text/plain',
      length: 27,
    });
    expect(parsed.attachments[0]!.bytes.toString()).to.equal('here is a simple attachment');
  });

  it('accepts an unquoted boundary and a boundary parameter among others', async () => {
    const body = aMultipartBody('simple-boundary-42').statements([aStatement()]);
    const parsed = await parseMultipartMixed(
      requestStream(body.build()),
      'Multipart/Mixed; charset=utf-8; BOUNDARY=simple-boundary-42',
      limits,
    );
    expect(JSON.parse(parsed.statementsPart.body.toString())).to.deep.equal([aStatement()]);
  });

  it('keeps every byte of binary attachments, including CR, LF and dashes next to the delimiter', async () => {
    const tricky = Buffer.from('\r\n--not-the-boundary\r\n\r\n-\r', 'latin1');
    const binary = randomishBytes(200_000, 7);
    const body = aMultipartBody('b0undary')
      .statements([aStatement(anAttachment(tricky).object, anAttachment(binary).object)])
      .attachment(tricky, { contentType: 'application/octet-stream' })
      .attachment(binary, { contentType: 'application/octet-stream' });

    // 7-byte chunks split every delimiter and header across reads.
    const parsed = await parse(body, 7);

    expect(parsed.attachments.map((a) => a.sha2)).to.deep.equal([sha256(tricky), sha256(binary)]);
    expect(Buffer.compare(parsed.attachments[0]!.bytes as Buffer, tricky)).to.equal(0);
    expect(Buffer.compare(parsed.attachments[1]!.bytes as Buffer, binary)).to.equal(0);
  });

  it('ignores the preamble and the epilogue, and accepts a CRLF before the first delimiter', async () => {
    const note = anAttachment('note');
    const body = aMultipartBody('xyz')
      .withPreamble('This is a multipart message.')
      .statements(aStatement(note.object))
      .attachment(note.bytes)
      .withEpilogue('trailing words\r\n--xyz\r\nignored');
    const parsed = await parse(body);
    expect(parsed.attachments.map((a) => a.bytes.toString())).to.deep.equal(['note']);

    const leadingCrlf = Buffer.concat([
      Buffer.from('\r\n'),
      aMultipartBody('xyz').statements(aStatement()).build(),
    ]);
    const parsed2 = await parseMultipartMixed(
      requestStream(leadingCrlf),
      'multipart/mixed; boundary=xyz',
      limits,
    );
    expect(parsed2.attachments).to.deep.equal([]);
  });

  it('accepts bare LF line ends, as some clients send them', async () => {
    const note = anAttachment('here is a simple attachment');
    const body = aMultipartBody('lf-only')
      .withBareLf()
      .statements(aStatement(note.object))
      .attachment(note.bytes);
    const parsed = await parse(body);
    expect(parsed.attachments[0]!.bytes.toString()).to.equal('here is a simple attachment');
  });

  it('returns attachment parts in any order and keeps one copy of repeated data', async () => {
    const a = anAttachment('first');
    const b = anAttachment('second');
    const body = aMultipartBody('ord')
      .statements([aStatement(a.object), aStatement(b.object)])
      .attachment(b.bytes)
      .attachment(a.bytes)
      .attachment(b.bytes);
    const parsed = await parse(body);
    expect(parsed.attachments.map((p) => p.bytes.toString())).to.deep.equal(['second', 'first']);
  });

  it('accepts a missing Content-Transfer-Encoding (the LRS SHOULD assume binary) unless configured strict', async () => {
    const note = anAttachment('note');
    const body = () =>
      aMultipartBody('cte').statements(aStatement(note.object)).attachment(note.bytes, { encoding: null });
    const parsed = await parse(body());
    expect(parsed.attachments).to.have.length(1);

    await expectAttachmentError(
      parse(body(), 64, { requireTransferEncoding: true }),
      400,
      'multipart.transfer-encoding',
    );
  });

  it('spills a large part to a temp file and removes it on dispose', async () => {
    const big = randomishBytes(3 * 1024 * 1024, 3);
    const body = aMultipartBody('big')
      .statements(aStatement(anAttachment(big).object))
      .attachment(big);
    const parsed = await parse(body, 64 * 1024, { spillThreshold: 1024 * 1024 });
    const bytes = parsed.attachments[0]!.bytes;
    expect(bytes).to.be.instanceOf(FileBackedBytes);
    const path = (bytes as FileBackedBytes).path;
    expect(Buffer.compare(await readPartBytes(bytes), big)).to.equal(0);
    await parsed.dispose();
    expect(existsSync(path)).to.equal(false);
  });

  describe('rejects with 400', () => {
    it('a Content-Type that is not multipart/mixed, or has no boundary', async () => {
      const body = aMultipartBody('b').statements(aStatement()).build();
      const err = await expectAttachmentError(
        parseMultipartMixed(requestStream(body), 'multipart/form-data; boundary=b', limits),
        400,
        'multipart.content-type',
      );
      expect(err.message).to.contain('multipart/mixed');
      await expectAttachmentError(
        parseMultipartMixed(requestStream(body), 'multipart/mixed;', limits),
        400,
        'multipart.boundary',
      );
    });

    it('a first part that is not application/json', async () => {
      const body = aMultipartBody('b').statements(aStatement(), 'text/plain');
      const err = await expectAttachmentError(parse(body), 400, 'multipart.first-part-type');
      expect(err.message).to.contain("got 'text/plain'");
    });

    it('an attachment part without X-Experience-API-Hash (e.g. statements split over two parts)', async () => {
      const body = aMultipartBody('b')
        .statements(aStatement())
        .attachment('{"more":"statements"}', { hash: null });
      const err = await expectAttachmentError(parse(body), 400, 'multipart.missing-hash');
      expect(err.message).to.equal('attachment part 1 has no X-Experience-API-Hash header');
    });

    it('an attachment whose data does not hash to its X-Experience-API-Hash', async () => {
      const body = aMultipartBody('b')
        .statements(aStatement())
        .attachment('tampered', { hash: sha256('original') });
      const err = await expectAttachmentError(parse(body), 400, 'multipart.hash-mismatch');
      expect(err.message).to.contain(`declares X-Experience-API-Hash ${sha256('original')}`);
    });

    it('a Content-Transfer-Encoding other than binary', async () => {
      const body = aMultipartBody('b')
        .statements(aStatement())
        .attachment('aGVsbG8=', { encoding: 'base64' });
      await expectAttachmentError(parse(body), 400, 'multipart.transfer-encoding');
    });

    it('a body cut off before its closing delimiter', async () => {
      const note = anAttachment('note');
      const body = aMultipartBody('b')
        .statements(aStatement(note.object))
        .attachment(note.bytes)
        .withoutCloseDelimiter();
      const err = await expectAttachmentError(parse(body), 400, 'multipart.truncated');
      expect(err.message).to.contain('before its closing boundary delimiter');
    });

    it('a body that never contains the boundary', async () => {
      const err = await expectAttachmentError(
        parseMultipartMixed(
          Readable.from([Buffer.from(JSON.stringify(aStatement()))]),
          'multipart/mixed; boundary=zz',
          limits,
        ),
        400,
        'multipart.truncated',
      );
      expect(err.message).to.contain('no boundary delimiter');
    });

    it('a part whose Content-Length differs from its data', async () => {
      const body = aMultipartBody('b')
        .statements(aStatement())
        .attachment('12345', { extra: ['Content-Length: 4'] });
      await expectAttachmentError(parse(body), 400, 'multipart.content-length');
    });
  });

  describe('rejects with 413 and stops reading', () => {
    it('a body over maxTotalBytes, without consuming the rest of the stream', async () => {
      const big = randomishBytes(2 * 1024 * 1024, 5);
      const body = aMultipartBody('b')
        .statements(aStatement(anAttachment(big).object))
        .attachment(big)
        .build();
      const req = requestStream(body, 64 * 1024);
      let delivered = 0;
      req.on('data', (chunk: Buffer) => {
        delivered += chunk.length;
      });
      req.pause();
      const err = await expectAttachmentError(
        parseMultipartMixed(req, 'multipart/mixed; boundary=b', {
          maxTotalBytes: 256 * 1024,
          maxPartBytes: 4 * 1024 * 1024,
        }),
        413,
        'multipart.too-large',
      );
      expect(err.message).to.contain('262144-byte limit');
      expect(delivered).to.be.lessThan(512 * 1024);
      expect(req.destroyed).to.equal(false);
    });

    it('a single part over maxPartBytes', async () => {
      const big = randomishBytes(600 * 1024, 9);
      const body = aMultipartBody('b')
        .statements(aStatement(anAttachment(big).object))
        .attachment(big);
      const err = await expectAttachmentError(
        parse(body, 64 * 1024, { maxPartBytes: 512 * 1024 }),
        413,
        'multipart.part-too-large',
      );
      expect(err.message).to.equal('attachment part 1 is larger than the 524288-byte limit');
    });
  });
});
