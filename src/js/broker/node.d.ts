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

export interface RateLimiterOptions {
  /** Tokens added per second, per principal. */
  ratePerSecond: number;
  /** Bucket size: requests a principal may make at once. Default `ratePerSecond` (at least 1). */
  burst?: number;
  /** Most principals tracked (default 10,000); past it the least recently used is dropped (and starts afresh). */
  maxPrincipals?: number;
  /** Clock in milliseconds (default `Date.now`), for tests. */
  now?: () => number;
}

/** A `rateLimit` for `createBroker`; `size` is the number of principals tracked. */
export interface RateLimiter {
  (principal: string | null): true | { retryAfterSeconds: number };
  readonly size: number;
}

/**
 * A token bucket per principal in this process (`createBroker({ rateLimit })`):
 * `burst` at once, `ratePerSecond` sustained; a throttled request is 429
 * `RateLimited` with `Retry-After` (seconds until the next token). At most
 * `maxPrincipals` buckets (least recently used dropped). Requests without a
 * principal share one bucket. Throws `TypeError` for bad options.
 */
export declare function createRateLimiter(options: RateLimiterOptions): RateLimiter;
