import type { JsonObject, JsonValue, RecordedEvent } from '../types';

/** Column order of every event read; rows are fetched raw (arrays) because that is cheaper to decode. */
export const EVENT_COLUMNS = 'position, stream, revision, id, type, is_binary, data, metadata, recorded';

export type EventRow = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  isBinary: number,
  data: string | Buffer,
  metadata: string | null,
  recorded: number,
];

export function toRecordedEvent(row: EventRow): RecordedEvent {
  const commit = BigInt(row[0]);
  const raw = row[6];
  let data: JsonValue | Uint8Array;
  if (row[5] === 1) {
    const buffer = raw as Buffer;
    // A plain Uint8Array view, as the EventStoreDB client returns, so both adapters compare equal.
    data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } else {
    data = JSON.parse(raw as string) as JsonValue;
  }
  return {
    id: row[3],
    type: row[4],
    data,
    metadata: row[7] === null ? {} : (JSON.parse(row[7]) as JsonObject),
    stream: row[1],
    revision: row[2],
    position: { commit, prepare: commit },
    recorded: new Date(row[8]),
  };
}
