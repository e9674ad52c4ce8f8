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

/** The payload of `event`, which must be of `type` (a mismatch is a programming error). */
export function payloadOf<T extends KnownEventType>(event: RecordedEvent, type: T): EventPayloads[T] {
  if (event.type !== type) throw new TypeError(`expected a ${type} event, not ${event.type}`);
  return event.data as unknown as EventPayloads[T];
}

/** An event of `type` to append, with a payload of the type declared for it. */
export function anEvent<T extends KnownEventType>(
  type: T,
  data: EventPayloads[T],
  options: { id?: string; metadata?: JsonObject } = {},
): EventToAppend {
  return { type, data: data as unknown as JsonObject, ...options };
}
