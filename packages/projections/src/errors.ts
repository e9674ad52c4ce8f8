import type { LogPosition } from '@lrs/event-log';
import { Position } from '@lrs/event-log';

export class ProjectionError extends Error {
  override name = 'ProjectionError';
}

/** A projection definition that cannot work (bad name, no tables, both apply and init...). */
export class InvalidProjectionError extends ProjectionError {
  override name = 'InvalidProjectionError';
}

/**
 * The handler threw: the batch was rolled back and the checkpoint did not move. The
 * projection stays failed (it never skips an event silently) until restarted.
 */
export class ProjectionFailedError extends ProjectionError {
  override name = 'ProjectionFailedError';
  constructor(
    readonly projection: string,
    readonly version: number,
    /** The event whose handling threw, when it could be singled out of its batch. */
    readonly event: { id: string; type: string; position: LogPosition } | null,
    options: { cause: unknown },
  ) {
    const where = event
      ? ` at event ${event.id} (${event.type}) position ${Position.toString(event.position)}`
      : '';
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`projection ${projection} v${version} failed${where}: ${why}`, options);
  }
}

/** The read model file belongs to another projection, version or schema. */
export class ReadModelMismatchError extends ProjectionError {
  override name = 'ReadModelMismatchError';
}

/** The log subscription itself failed (store unavailable, ...), not the handler. */
export class ProjectionSubscriptionError extends ProjectionError {
  override name = 'ProjectionSubscriptionError';
}
