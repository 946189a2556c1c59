import type { Server } from 'node:http';

export interface ServeOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default `'127.0.0.1'`. A broker over the development KMS accepts loopback hosts only. */
  host?: string;
  /** URL prefix → directory, e.g. `{ '/': 'www', '/pkg/': 'pkg' }`; GET/HEAD of an existing file is served from it, everything else goes to the broker. */
  staticDirs?: Record<string, string>;
  /** Where the development warning goes (default: stderr). */
  log?: (line: string) => void;
}

export interface Served {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves a broker (any `{ fetch(request) }`) with node:http. */
export declare function serve(broker: { fetch(request: Request): Response | Promise<Response>; isDev?: boolean }, options?: ServeOptions): Promise<Served>;
