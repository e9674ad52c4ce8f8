export { createLrsApp } from './app';
export { lrsNodeOptions } from './node-options';
export { type LrsSystem, type SystemOptions, startLrsSystem } from './system';
