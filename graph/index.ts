// Public surface of graph/. Other folders import from here, never from graph/ internals.
export type * from './types';
export * from './projects';
