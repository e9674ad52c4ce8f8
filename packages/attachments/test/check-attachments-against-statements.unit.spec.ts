import { expect } from 'chai';
import { checkAttachmentsAgainstStatements, type ReceivedPart } from '../src';
import { anAttachment, aStatement } from './support/builders';
import { expectAttachmentError } from './support/expectations';

const partFor = (a: ReturnType<typeof anAttachment>, contentType?: string): ReceivedPart => ({
  sha2: a.object.sha2,
  contentType: contentType ?? a.object.contentType,
  length: a.bytes.length,
});

describe('checkAttachmentsAgainstStatements (Communication 1.5.1, 1.5.2)', () => {
  it('accepts statements whose attachments all have a matching part or a fileUrl', () => {
    const sent = anAttachment('sent as a part');
    const hosted = anAttachment('hosted elsewhere').withFileUrl();
    const result = checkAttachmentsAgainstStatements(
      [aStatement(sent.object, hosted.object)],
      [partFor(sent)],
    );
    expect(result.warnings).to.deep.equal([]);
  });

  it('accepts application/json statements with fileUrl-only attachments and none at all', () => {
    const hosted = anAttachment('hosted').withFileUrl();
    expect(checkAttachmentsAgainstStatements(aStatement(hosted.object), []).warnings).to.deep.equal([]);
    expect(checkAttachmentsAgainstStatements([aStatement()], []).warnings).to.deep.equal([]);
  });

  it('rejects an attachment with neither a fileUrl nor a part, pointing at it', async () => {
    const hosted = anAttachment('hosted').withFileUrl();
    const missing = anAttachment('never sent');
    const err = await expectAttachmentError(
      () =>
        checkAttachmentsAgainstStatements(
          [aStatement(), aStatement(hosted.object, missing.object)],
          [partFor(hosted)],
        ),
      400,
      'attachment.missing-part',
    );
    expect(err.pointer).to.equal('/1/attachments/1');
  });

  it('rejects attachment data sent as application/json (no parts at all)', async () => {
    const err = await expectAttachmentError(
      () => checkAttachmentsAgainstStatements(aStatement(anAttachment('x').object), []),
      400,
      'attachment.missing-part',
    );
    expect(err.message).to.contain('multipart/mixed');
    expect(err.pointer).to.equal('/attachments/0');
  });

  it('rejects a part that no statement refers to', async () => {
    const stray = anAttachment('stray');
    const err = await expectAttachmentError(
      () => checkAttachmentsAgainstStatements([aStatement()], [partFor(stray)]),
      400,
      'attachment.unreferenced-part',
    );
    expect(err.message).to.contain(stray.object.sha2);
  });

  it('counts SubStatement attachments as references', () => {
    const inner = anAttachment('inner');
    const statement = {
      ...aStatement(),
      object: { ...aStatement(inner.object), objectType: 'SubStatement', id: undefined },
    };
    expect(checkAttachmentsAgainstStatements([statement], [partFor(inner)]).warnings).to.deep.equal([]);
  });

  it('matches content types by type/subtype, as in the spec example, and rejects a different type', async () => {
    const note = anAttachment('note', 'text/plain; charset=ascii');
    expect(
      checkAttachmentsAgainstStatements(aStatement(note.object), [partFor(note, 'text/plain')]).warnings,
    ).to.deep.equal([]);
    await expectAttachmentError(
      () => checkAttachmentsAgainstStatements(aStatement(note.object), [partFor(note, 'image/png')]),
      400,
      'attachment.content-type-mismatch',
    );
  });

  it('rejects a part Content-Length that differs from the attachment length (parameters MUST match)', async () => {
    const note = anAttachment('note').withLength(99);
    await expectAttachmentError(
      () =>
        checkAttachmentsAgainstStatements(aStatement(note.object), [{ ...partFor(note), declaredLength: 4 }]),
      400,
      'attachment.length-mismatch',
    );
  });

  it('warns, or with strictLength rejects, when the length property differs from the data size', async () => {
    const note = anAttachment('naïve').withLength(5); // 5 characters, 6 octets
    const { warnings } = checkAttachmentsAgainstStatements(aStatement(note.object), [partFor(note)]);
    expect(warnings).to.deep.equal([
      {
        rule: 'attachment.length-mismatch',
        message: "the attachment's length is 5 but its data is 6 bytes",
        pointer: '/attachments/0',
      },
    ]);
    await expectAttachmentError(
      () =>
        checkAttachmentsAgainstStatements(aStatement(note.object), [partFor(note)], { strictLength: true }),
      400,
      'attachment.length-mismatch',
    );
  });
});
