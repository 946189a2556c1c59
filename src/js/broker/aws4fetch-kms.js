// KMS for the broker over fetch, signed with aws4fetch's AwsClient (SigV4, a
// few KB, made for Workers) instead of @aws-sdk/client-kms. It speaks KMS's
// JSON protocol (POST /, `x-amz-target: TrentService.<Operation>`,
// `application/x-amz-json-1.1`, blobs as base64) and answers in the SDK's
// shapes (blobs as Uint8Array, errors named after KMS's exceptions with
// `$fault`), so createBroker treats it exactly as a KMSClient. edge-kms does
// not depend on aws4fetch: the app passes its own AwsClient.

import { decodeBase64, encodeBase64 } from '../protocol.js';

/** Output fields that KMS returns as base64 blobs. */
const BLOB_FIELDS = ['Plaintext', 'CiphertextBlob', 'PublicKey', 'Signature', 'CiphertextForRecipient', 'Mac'];

/**
 * @param {import('./aws4fetch-kms.js').Aws4FetchKmsOptions} options
 * @returns {import('./aws4fetch-kms.js').Aws4FetchKms}
 */
export function createAws4FetchKms(options) {
  const { client, region = client?.region, endpoint } = options ?? /** @type {any} */ ({});
  if (!client || typeof client.sign !== 'function') throw new TypeError('createAws4FetchKms: client must be an AwsClient from aws4fetch');
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region)) throw new TypeError("createAws4FetchKms: region must be an AWS Region such as 'eu-west-1'");
  const url = new URL(endpoint ?? `https://kms.${region}.amazonaws.com/`);
  // Data keys travel in these answers: plain http only to this machine (moto, a test KMS).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new TypeError('createAws4FetchKms: endpoint must be https (plain http only on a loopback host)');
  }
  if (url.username || url.password || url.search || url.hash) throw new TypeError('createAws4FetchKms: endpoint must be scheme://host[:port][/path]');
  const target = url.toString();

  /**
   * @param {string} operation @param {Record<string, any>} input @param {AbortSignal} [signal]
   * @returns {Promise<Record<string, any>>}
   */
  async function call(operation, input, signal) {
    if (!/^[A-Za-z]{1,64}$/.test(operation)) throw new TypeError('createAws4FetchKms: no such operation');
    const body = new TextEncoder().encode(JSON.stringify(input, (_k, v) => (v instanceof Uint8Array ? encodeBase64(v) : v)));
    let res;
    /** @type {Uint8Array | undefined} */
    let raw;
    try {
      // One attempt: the broker answers at once and BrokerKeyring retries
      // (AwsClient.fetch would retry up to `retries` times, 10 by default).
      // No redirects (as the AWS SDK): fetch would re-send the signed request,
      // an Encrypt's data key with it, to wherever a 307 points, and take that
      // host's answer as KMS's. A 3xx is then an error answer like any other.
      const request = await client.sign(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
        body,
        redirect: 'manual',
        signal,
        aws: { service: 'kms', region },
      });
      res = await fetch(request);
      raw = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (/** @type {any} */ (e)?.name === 'AbortError' || signal?.aborted) throw e;
      // no answer from KMS (DNS, connection, TLS): a server-side fault, safe to retry
      throw kmsError('KmsNetworkError', 'server', e);
    } finally {
      body.fill(0); // Encrypt's plaintext
    }
    let json;
    try {
      json = raw.length ? JSON.parse(new TextDecoder().decode(raw)) : {};
    } catch {
      json = null;
    } finally {
      raw.fill(0); // the answer's data key, in base64
    }
    if (res.ok) {
      if (json === null || typeof json !== 'object') throw kmsError('KmsMalformedResponse', 'server');
      for (const f of BLOB_FIELDS) {
        if (typeof json[f] === 'string') {
          const bytes = decodeBase64(json[f]);
          if (bytes === null) throw kmsError('KmsMalformedResponse', 'server');
          json[f] = bytes;
        }
      }
      return json;
    }
    // `{"__type":"com.amazonaws.kms#NotFoundException","message":…}`, or only
    // the x-amzn-errortype header. KMS's message is dropped: it can name the
    // broker's role, and the broker answers fixed messages anyway.
    const type = String(json?.__type ?? res.headers.get('x-amzn-errortype') ?? '');
    const name = type.split('#').pop()?.split(':')[0] ?? '';
    const fault = res.status >= 500 ? 'server' : 'client';
    throw kmsError(/^[A-Za-z]{1,64}$/.test(name) ? name : res.status >= 500 ? 'KmsServerError' : 'KmsClientError', fault, undefined, res.status);
  }

  return { call, region, endpoint: target };
}

/**
 * An error shaped like the SDK's service exceptions (`name`, `$fault`,
 * `$metadata.httpStatusCode`), with a fixed message.
 * @param {string} name @param {'client' | 'server'} fault @param {unknown} [cause] @param {number} [status]
 */
function kmsError(name, fault, cause, status) {
  const e = new Error(`KMS: ${name}`, cause === undefined ? undefined : { cause });
  e.name = name;
  return Object.assign(e, { $fault: fault, $metadata: { httpStatusCode: status } });
}

/** @param {string} host */
function isLoopbackHost(host) {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
