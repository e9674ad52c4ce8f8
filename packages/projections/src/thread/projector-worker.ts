// The projector worker: applies the projections of the main thread's systems on a second core,
// each system's log read through the worker's own connection. The main thread talks to it only
// through the messages of protocol.ts (projector-thread.ts is the other end).
import { parentPort } from 'node:worker_threads';
import { type EventLog, openEventLog } from '@lrs/event-log';
import { openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { type RunningProjection, startProjection } from '../start-projection';
import type { ProjectionDefinition } from '../types';
import { type FromWorker, type ProgressUpdate, type ToWorker, toWireError } from './protocol';

const port = parentPort;
if (!port) throw new Error('projector-worker runs only as a worker thread');
const send = (message: FromWorker) => port.postMessage(message);

interface Session {
  keyStore?: string;
  log: EventLog;
  definitions: Map<string, ProjectionDefinition>;
  running: Map<string, RunningProjection>;
}

const sessions = new Map<number, Session>();
const catalogs = new Map<string, Promise<Map<string, ProjectionDefinition>>>();

function catalog(url: string): Promise<Map<string, ProjectionDefinition>> {
  let loaded = catalogs.get(url);
  if (!loaded) {
    loaded = import(url).then((module: { projections?: readonly ProjectionDefinition[] }) => {
      if (!Array.isArray(module.projections)) throw new Error(`${url} exports no projections list`);
      return new Map(module.projections.map((p) => [p.name, p]));
    });
    catalogs.set(url, loaded);
  }
  return loaded;
}

// Progress is posted as it is made; a status change posts what is pending first, so the main
// thread never sees 'live' before the position it was reached at.
const pending = new Map<string, ProgressUpdate>();
function flushProgress(): void {
  if (pending.size === 0) return;
  send({ t: 'progress', updates: [...pending.values()] });
  pending.clear();
}

function session(id: number): Session {
  const found = sessions.get(id);
  if (!found) throw new Error(`no open log ${id} in the projector thread`);
  return found;
}

async function start(message: Extract<ToWorker, { t: 'start' }>): Promise<void> {
  const s = session(message.session);
  const definition = s.definitions.get(message.name);
  if (!definition || definition.version !== message.version || definition.schemaHash !== message.schemaHash) {
    throw new Error(
      `projection ${message.name} v${message.version} is not in the catalog as the main thread defines it`,
    );
  }
  if (s.running.has(message.name)) throw new Error(`projection ${message.name} already runs in this thread`);
  const key = `${message.session}:${message.name}`;
  const projection = await startProjection(s.log, definition, {
    ...message.options,
    onProgress: (position, eventsApplied) => {
      pending.set(key, { session: message.session, name: message.name, position, eventsApplied });
      // Posted at once: the projections of the thread apply one wake's events in one turn of its
      // event loop, so a setImmediate would hold the first one's position until the last had
      // applied the batch too (an erasure's wait, decision 084, and every read-your-writes wait).
      flushProgress();
    },
    onStatus: (status) => {
      flushProgress();
      send({
        t: 'status',
        session: message.session,
        name: message.name,
        state: status.state,
        ...(status.error ? { error: toWireError(status.error) } : {}),
        ...(status.failedAt !== undefined ? { failedAt: status.failedAt } : {}),
        ...(status.subscription ? { subscription: status.subscription } : {}),
      });
    },
  });
  s.running.set(message.name, projection);
  send({
    t: 'started',
    id: message.id,
    defers: projection.defers,
    position: projection.position(),
    eventsApplied: projection.eventsApplied(),
  });
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.t) {
    case 'wake':
      sessions.get(message.session)?.log.wakeSubscriptions?.();
      return;
    case 'restart': {
      const projection = sessions.get(message.session)?.running.get(message.name);
      if (projection?.status().state === 'failed') projection.restart();
      return;
    }
    case 'open':
    case 'start':
    case 'stop':
    case 'close':
      try {
        await call(message);
        // 'start' answers 'started' itself.
        if (message.t !== 'start') send({ t: 'done', id: message.id });
      } catch (error) {
        send({ t: 'done', id: message.id, error: toWireError(error) });
      }
  }
}

/** Page cache of the worker's log connection. */
const READER_CACHE_MIB = 8;

async function call(message: Extract<ToWorker, { id: number }>): Promise<void> {
  switch (message.t) {
    case 'open': {
      const definitions = await catalog(message.catalog);
      if (message.keyStore) openKeyStore(message.keyStore);
      sessions.set(message.session, {
        ...(message.keyStore ? { keyStore: message.keyStore } : {}),
        // This connection only reads the log in order: a small page cache does (the OS caches
        // the file), where the appender's 64 MiB default would add its size to the process's RSS.
        log: await openEventLog({ ...message.log, cacheMiB: READER_CACHE_MIB }),
        definitions,
        running: new Map(),
      });
      return;
    }
    case 'start':
      return start(message);
    case 'stop': {
      const s = session(message.session);
      const projection = s.running.get(message.name);
      s.running.delete(message.name);
      await projection?.stop();
      flushProgress();
      return;
    }
    case 'close': {
      const s = sessions.get(message.session);
      if (!s) return;
      sessions.delete(message.session);
      for (const projection of s.running.values()) await projection.stop();
      flushProgress();
      await s.log.close();
      if (s.keyStore) releaseKeyStore(s.keyStore);
      return;
    }
  }
}

port.on('message', (message: ToWorker) => void handle(message));
send({ t: 'ready' });
