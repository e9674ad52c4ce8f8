// Starts the LRS on a data directory, records the erasure of one agent, or of an official when the
// argument is not JSON (decision 077) (step 2 of
// CryptoShredder.erase) and says so, then waits: the parent SIGKILLs it before the key is
// destroyed or any read model purged (decision 065).
import { loadConfig } from '@lrs/config';
import { startLrsSystem } from '@lrs/server';

const [dataDir, agentJson] = process.argv.slice(2) as [string, string];
const system = await startLrsSystem(
  loadConfig({ LRS_DATA_DIR: dataDir, LRS_LOG_LEVEL: 'silent', LRS_ENV: 'development' }),
);
const request = {
  reason: 'request of the data subject',
  legalBasis: 'PDPO s.26',
  requestedBy: 'credential:admin',
};
const data = agentJson.startsWith('{')
  ? system.eraser.resolve({ ...request, subject: { agent: JSON.parse(agentJson) } })
  : await system.eraser.resolveOfficial(agentJson, { ...request, subject: { officialId: agentJson } });
await system.eraser.record(data);
process.stdout.write(`recorded ${data.pseudonyms[0]}\n`);
setInterval(() => {}, 1000);
