import { expect } from 'chai';
import { AttachmentError } from '../../src';

/** Asserts that `action` fails with an AttachmentError of this status and rule; returns it. */
export async function expectAttachmentError(
  action: Promise<unknown> | (() => unknown),
  status: 400 | 413,
  rule: string,
): Promise<AttachmentError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an AttachmentError ${status} ${rule}`).to.be.instanceOf(AttachmentError);
  const error = caught as AttachmentError;
  expect({ status: error.status, rule: error.rule }).to.deep.equal({ status, rule }, error.message);
  return error;
}
