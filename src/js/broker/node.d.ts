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

/**
 * Serves a broker (any `{ fetch(request) }`) with node:http. The broker sees
 * `http://localhost` + the request's path as its URL: the `Host` header never
 * chooses the path. A broker over the development KMS (`isDev`) answers only
 * requests with one `Host` naming a loopback host (`127.0.0.0/8`, `localhost`,
 * `[::1]`, any port) and no `Origin`, a loopback one or one its `cors` names
 * exactly (`broker.allowsOrigin`; `'*'` is not enough): anything else is 403
 * `ForbiddenHost` / `ForbiddenOrigin` (against DNS rebinding: a page whose
 * name resolves to 127.0.0.1 still sends its own name as `Host`).
 */
export declare function serve(broker: { fetch(request: Request): Response | Promise<Response>; isDev?: boolean; allowsOrigin?(origin: string): boolean }, options?: ServeOptions): Promise<Served>;
