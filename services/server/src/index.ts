export { createLrsApp } from './app';
export { lrsNodeOptions } from './node-options';
export { type LrsSystem, startLrsSystem } from './system';
