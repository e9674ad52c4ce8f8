export type { Policy } from './policy';
export type { PolicyPublishedData } from './reference-data';
