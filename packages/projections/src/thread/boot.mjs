// Entry of a projector thread. The project runs from TypeScript sources through tsx, whose
// loader a worker thread does not inherit from `node --import tsx`: register it here, then load
// the worker module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
