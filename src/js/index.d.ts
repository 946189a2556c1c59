// Types of the public API. Each area's declarations live next to its code.
export class EdgeKmsError extends Error {
  constructor(code: string, message: string, options?: { cause?: unknown; status?: number; retryable?: boolean });
  readonly code: string;
  readonly status?: number;
  readonly retryable?: boolean;
}
export function init(): Promise<void>;
export * from './verify.js';
