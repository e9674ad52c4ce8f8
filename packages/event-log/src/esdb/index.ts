export { type EsdbEventLogOptions, openEsdbEventLog } from './event-log';
