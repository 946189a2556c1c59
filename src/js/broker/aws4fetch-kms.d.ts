import type { KmsPort } from './index.js';

/** The part of aws4fetch's `AwsClient` this module uses (pass the `AwsClient` itself). */
export interface AwsSigner {
  /** Signs a request with SigV4 (aws4fetch's `AwsClient#sign`). */
  sign(input: string, init: RequestInit & { aws?: { service?: string; region?: string } }): Promise<Request>;
  region?: string;
}

export interface Aws4FetchKmsOptions {
  /** `new AwsClient({ accessKeyId, secretAccessKey, sessionToken })` from aws4fetch. Its `retries` are not used: one attempt per call (BrokerKeyring retries). */
  client: AwsSigner;
  /** The KMS Region, e.g. `'eu-west-1'`. Default: the client's `region`. */
  region?: string;
  /** Default `https://kms.<region>.amazonaws.com/`. Plain `http:` only on a loopback host (moto, a test KMS). */
  endpoint?: string;
}

export interface Aws4FetchKms extends KmsPort {
  readonly region: string;
  readonly endpoint: string;
}

/**
 * A KMS client for `createBroker({ kms })` over `fetch`, signed with
 * aws4fetch (SigV4): KMS's JSON protocol, answers in `@aws-sdk/client-kms`'s
 * shapes, KMS exceptions by name (their messages dropped), network failures
 * as server faults (the broker answers 503 `KMSUnavailable`). One attempt per
 * call. Throws `TypeError` for a missing client, a malformed Region, or an
 * endpoint that is not https (plain http is allowed on loopback only).
 */
export declare function createAws4FetchKms(options: Aws4FetchKmsOptions): Aws4FetchKms;
