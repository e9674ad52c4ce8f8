import type { EventToAppend, JsonObject, RecordedEvent } from '@lrs/event-log';

/**
 * The payload of every event type, declared once, by the module that owns the event, through
 * declaration merging:
 *
 *   declare module '@lrs/events' {
 *     interface EventPayloads { 'training.official.recorded': Official }
 *   }
 *
 * Readers then get the declared type from `payloadOf(event, OFFICIAL_RECORDED)` and writers build
 * events with `anEvent(OFFICIAL_RECORDED, official)`: the log's JSON meets its TypeScript type in
 * these two functions only.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each owning module
export interface EventPayloads {}

export type KnownEventType = keyof EventPayloads & string;

/**
 * Opens a sealed reference record (a payload with a top-level `sealed` envelope `{ s, v, erased }`,
 * decisions 065 and 077): @lrs/privacy registers it on each thread that opens a key store.
 */
export interface SealedRecordCodec {
  open(data: JsonObject): JsonObject;
}

let recordCodec: SealedRecordCodec | undefined;
let openedRecords = new WeakMap<RecordedEvent, JsonObject>();

/** Registers the record codec of this thread (@lrs/privacy does). */
export function useSealedRecordCodec(next: SealedRecordCodec): void {
  recordCodec = next;
  forgetOpenedRecords();
}

/** Drops opened records kept for events still in memory (after a key is destroyed). */
export function forgetOpenedRecords(): void {
  openedRecords = new WeakMap();
}

/** Whether a payload is a sealed record (statements mark theirs `sealed: 1` and open through statementEventData). */
export const isSealedRecord = (data: unknown): data is JsonObject & { sealed: JsonObject } => {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof Uint8Array)
    return false;
  const sealed = (data as JsonObject).sealed;
  return typeof sealed === 'object' && sealed !== null && !Array.isArray(sealed);
};

/**
 * The payload of `event`, which must be of `type` (a mismatch is a programming error). A sealed
 * record is opened here, so every reader of every type reads it the same way (decision 077): its
 * personal values when the key is there, the deterministic erased reading the writer put beside
 * them when it is not.
 */
export function payloadOf<T extends KnownEventType>(event: RecordedEvent, type: T): EventPayloads[T] {
  if (event.type !== type) throw new TypeError(`expected a ${type} event, not ${event.type}`);
  if (!isSealedRecord(event.data)) return event.data as unknown as EventPayloads[T];
  let opened = openedRecords.get(event);
  if (!opened) {
    if (!recordCodec)
      throw new Error(`a sealed ${type} record was read on a thread that opened no key store (decision 077)`);
    opened = recordCodec.open(event.data);
    openedRecords.set(event, opened);
  }
  return opened as unknown as EventPayloads[T];
}

/** An event of `type` to append, with a payload of the type declared for it. */
export function anEvent<T extends KnownEventType>(
  type: T,
  data: EventPayloads[T],
  options: { id?: string; metadata?: JsonObject } = {},
): EventToAppend {
  return { type, data: data as unknown as JsonObject, ...options };
}
