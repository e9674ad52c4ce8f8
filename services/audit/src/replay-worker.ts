// An audit replay on its own thread (replay-thread.ts is the other end): opens the log, runs
// replayToCutOff here, posts progress and the manifest, closes the log and ends.
import { parentPort, workerData } from 'node:worker_threads';
import { openEventLog } from '@lrs/event-log';
import { keyStoreFile, openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { AUDITED_PROJECTIONS, replayHere } from './replay';
import type { FromReplayWorker, ReplayWorkerData, ToReplayWorker } from './replay-thread';

const port = parentPort;
if (!port) throw new Error('replay-worker runs only as a worker thread');
const send = (message: FromReplayWorker) => port.postMessage(message);
const data = workerData as ReplayWorkerData;

const abort = new AbortController();
port.on('message', (m: ToReplayWorker) => {
  if (m.t === 'abort') abort.abort();
});

const log = await openEventLog(data.logOptions);
// Sealed statements open with the data directory's key store (decision 065).
const keys = data.logOptions.dataDir ? keyStoreFile(data.logOptions.dataDir) : null;
if (keys) openKeyStore(keys);
try {
  const projections = data.projections?.map((name) => {
    const def = AUDITED_PROJECTIONS.find((p) => p.name === name);
    if (!def) throw new Error(`projection ${name} is not one an audit replays`);
    return def;
  });
  const manifest = await replayHere(log, data.cutOff, data.dir, {
    ...(projections ? { projections } : {}),
    ...(data.batchSize ? { batchSize: data.batchSize } : {}),
    signal: abort.signal,
    onProgress: (projection, progress) => send({ t: 'progress', projection, progress }),
  });
  send({ t: 'done', manifest });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  send({ t: 'failed', name: e.name, message: e.message });
} finally {
  await log.close();
  if (keys) releaseKeyStore(keys);
  port.close();
}
