export { buildViewData } from './build-view-data';
export { graphBundlePath, graphPage } from './page';
export { serveGraph, type GraphServer, type GraphServerOptions } from './serve';
export type { ViewData, ViewLayout } from './types';
