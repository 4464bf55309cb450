export { affectedBy, isTestFile } from './affected';
export { fileCycles, projectCycles, stronglyConnected } from './cycles';
export { resolveEndpoint, type Endpoint, type UnknownEndpoint } from './endpoints';
export { GraphIndex, projectOwner } from './graph-index';
export { neighbourhood, shortestFileChain, shortestProjectChain } from './shortest-chain';
export type * from './types';
export { why } from './why';
