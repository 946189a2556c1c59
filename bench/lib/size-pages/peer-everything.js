// Peer for "everything": @noble/curves (every curve), @noble/post-quantum ML-DSA and jose, whole.
import * as nist from '@noble/curves/nist.js';
import * as ed25519 from '@noble/curves/ed25519.js';
import * as secp256k1 from '@noble/curves/secp256k1.js';
import * as mldsa from '@noble/post-quantum/ml-dsa.js';
import * as jose from 'jose';

globalThis.run = async () => [[nist, ed25519, secp256k1, mldsa, jose].every((m) => Object.keys(m).length > 0)];
globalThis.pageReady = true;
