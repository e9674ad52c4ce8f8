// A process that starts an audit replay of the whole log and says so: the parent SIGKILLs it.
import { openEventLog, Position } from '@lrs/event-log';
import { resolveCutOff } from '../../src/cut-off';
import { ReplayJobs } from '../../src/replay-jobs';

const dir = process.argv[2]!;
const log = await openEventLog({ dataDir: dir });
const jobs = ReplayJobs.open(log, dir);
const head = (await log.headPosition())!;
const job = jobs.start(await resolveCutOff(log, { position: Position.toString(head) }), 'auditor');
const timer = setInterval(() => {
  if (job.state === 'running') {
    process.stdout.write(`running ${job.id}\n`);
    clearInterval(timer);
  }
}, 1);
