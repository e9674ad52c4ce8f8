import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, RecordedEvent } from '@lrs/event-log';
import { payloadOf } from '@lrs/events';
import { type KeyStore, keysDestroyed, openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { expect } from 'chai';
import {
  EXEMPTION_RECORDED,
  exemptionRecordSealer,
  OFFICIAL_RECORDED,
  type Official,
  officialRecordSealer,
  officialSubjectKey,
} from '../src';

// The registry's sealers (decision 077): what the log holds, and how every reader reads it back.
const official: Official = {
  officialId: 'zhang-wei',
  name: 'Zhang Wei',
  orgUnit: 'district-3',
  orgUnitFrom: '2024-01-01',
  staffGroup: 'supervisor',
  jurisdiction: 'shanghai',
  employedFrom: '2019-09-01',
  employedTo: null,
  identifiers: [
    { account: { homePage: 'https://lms.example.cn', name: 'zhang-wei' } },
    { mbox: 'mailto:zw@example.cn' },
  ],
};
const asEvent = (type: string, stream: string, data: JsonObject) =>
  ({
    type,
    stream,
    data,
    id: 'e',
    revision: 0,
    position: { commit: 1n, prepare: 1n },
    recorded: new Date(),
  }) as unknown as RecordedEvent;

describe('sealed registry records (decision 077)', () => {
  let dir: string;
  let file: string;
  let keys: KeyStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lrs-sealed-records-'));
    file = join(dir, 'keys.sqlite');
    keys = openKeyStore(file);
  });
  afterEach(() => {
    releaseKeyStore(file);
    rmSync(dir, { recursive: true, force: true });
  });

  it("an official's record keeps only pseudonyms and what aggregates need in the clear, under a stream named by the pseudonym", () => {
    const sealed = officialRecordSealer(
      {
        stream: 'training-official-zhang-wei',
        type: OFFICIAL_RECORDED,
        data: official as unknown as JsonObject,
      },
      keys,
    )!;
    const subject = keys.find(officialSubjectKey('zhang-wei'))!.pseudonym;
    expect(sealed.stream).to.equal(`training-official-${subject}`);
    const text = JSON.stringify(sealed.data as JsonObject);
    for (const personal of ['zhang-wei', 'Zhang Wei', 'zw@example.cn']) expect(text).to.not.include(personal);
    expect(sealed.data as JsonObject).to.include({
      orgUnit: 'district-3',
      jurisdiction: 'shanghai',
      subject,
    });
    // Read back through payloadOf: the official as recorded, with their pseudonyms.
    const read = payloadOf(
      asEvent(OFFICIAL_RECORDED, sealed.stream, sealed.data as JsonObject),
      OFFICIAL_RECORDED,
    );
    expect(read).to.deep.include({ ...official, subject });
    expect(read.identifierSubjects).to.have.length(2);
    // Sealed already: nothing to do.
    expect(
      officialRecordSealer(
        { stream: sealed.stream, type: OFFICIAL_RECORDED, data: sealed.data as JsonObject },
        keys,
      ),
    ).to.equal(null);
  });

  it('once the keys are destroyed, the record reads as the pseudonymous official, the same every time', () => {
    const sealed = officialRecordSealer(
      { stream: 'x', type: OFFICIAL_RECORDED, data: official as unknown as JsonObject },
      keys,
    )!;
    const exemption = exemptionRecordSealer(
      {
        stream: 'training-exemption-ex-1',
        type: EXEMPTION_RECORDED,
        data: {
          exemptionId: 'ex-1',
          officialId: 'zhang-wei',
          from: '2026-01-01',
          to: '2026-02-01',
          reason: 'Zhang Wei on leave',
        },
      },
      keys,
    )!;
    const subject = (sealed.data as JsonObject).subject as string;
    const identifierSubjects = (sealed.data as JsonObject).identifierSubjects as string[];
    expect((exemption.data as JsonObject).subject).to.equal(subject);
    keys.destroy([subject, ...identifierSubjects]);
    keysDestroyed();
    for (let i = 0; i < 2; i++) {
      const read = payloadOf(
        asEvent(OFFICIAL_RECORDED, sealed.stream, sealed.data as JsonObject),
        OFFICIAL_RECORDED,
      );
      expect(read).to.deep.include({
        officialId: subject,
        name: subject,
        identifiers: identifierSubjects.map((q) => ({ account: { homePage: 'urn:lrs:erased', name: q } })),
        orgUnit: 'district-3',
      });
    }
    const ex = payloadOf(
      asEvent(EXEMPTION_RECORDED, exemption.stream, exemption.data as JsonObject),
      EXEMPTION_RECORDED,
    );
    expect(ex).to.deep.include({ exemptionId: 'ex-1', officialId: subject, reason: '', from: '2026-01-01' });
  });
});
