export { type EsdbEventLogOptions, openEsdbEventLog } from './eventLog';
