import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboardHandler, type DashboardOptions } from './dashboard-handler';

export interface RunningDashboard {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/** Serves the dashboard on node:http at host:port (port 0: any free one). */
export async function startDashboard(
  opts: DashboardOptions & { port: number; host?: string },
): Promise<RunningDashboard> {
  const server = http.createServer({ headersTimeout: 30_000, requestTimeout: 60_000 }, createDashboardHandler(opts));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    url: `http://${shown}:${a.port}${opts.base ?? ''}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
