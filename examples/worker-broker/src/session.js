// The session check the broker's `authorize` relies on: the app's login
// backend hands each signed-in user a short-lived token, and the page sends it
// as `Authorization: Bearer <token>` (BrokerKeyring's `headers`).
//
//   token   = base64url(payload) "." base64url(HMAC-SHA256(SESSION_SECRET, base64url(payload)))
//   payload = {"sub": user id, "tenant": tenant id, "exp": expiry, seconds since 1970}
//
// SESSION_SECRET is at least 32 random bytes, base64 (`openssl rand -base64 32`),
// shared by the login backend (mintSession) and the Worker (verifySession) and
// nobody else. The HMAC is checked with WebCrypto's verify (constant time).
// Works unchanged in Workers, Node >= 20, Deno and browsers' secure contexts.

const MAX_TOKEN_CHARS = 2048;
const enc = new TextEncoder();
/** @type {Map<string, Promise<CryptoKey>>} one entry: the current secret's key */
const keys = new Map();

/** @param {string} secret base64, at least 32 bytes */
function hmacKey(secret) {
  let key = keys.get(secret);
  if (!key) {
    const raw = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
    if (raw.length < 32) throw new TypeError('SESSION_SECRET must be at least 32 bytes, base64');
    keys.clear();
    key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    raw.fill(0);
    keys.set(secret, key);
  }
  return key;
}

/** @param {Uint8Array} bytes */
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
/** @param {string} text */
const unb64url = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/**
 * A session token for `sub` in `tenant`, valid `ttlSeconds` (default 1 hour).
 * @param {string} secret @param {{ sub: string, tenant: string, ttlSeconds?: number, now?: number }} session
 */
export async function mintSession(secret, { sub, tenant, ttlSeconds = 3600, now = Date.now() }) {
  const payload = b64url(enc.encode(JSON.stringify({ sub, tenant, exp: Math.floor(now / 1000) + ttlSeconds })));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), enc.encode(payload)));
  return `${payload}.${b64url(mac)}`;
}

/**
 * The session a token carries, or null when it is missing, malformed, forged
 * or expired.
 * @param {string | null | undefined} token @param {string} secret @param {number} [now]
 * @returns {Promise<{ sub: string, tenant: string, exp: number } | null>}
 */
export async function verifySession(token, secret, now = Date.now()) {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return null;
  // 43 characters carry the 32-byte MAC; the last one's two low bits are padding and must be
  // zero, so each MAC has exactly one spelling
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{42}[AEIMQUYcgkosw048])$/.exec(token);
  if (!m) return null;
  const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret), unb64url(m[2]), enc.encode(m[1]));
  if (!ok) return null;
  let s;
  try { s = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(unb64url(m[1]))); } catch { return null; }
  const str = (/** @type {unknown} */ v) => typeof v === 'string' && v.length > 0 && v.length <= 256;
  if (!s || !str(s.sub) || !str(s.tenant) || !Number.isFinite(s.exp) || s.exp * 1000 <= now) return null;
  return { sub: s.sub, tenant: s.tenant, exp: s.exp };
}

/** The bearer token of a request's Authorization header, or null. @param {Request} request */
export function bearerToken(request) {
  const m = /^Bearer ([^\s]+)$/.exec(request.headers.get('authorization') ?? '');
  return m ? m[1] : null;
}
