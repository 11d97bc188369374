/**
 * The private key behind `--client-key FILE` (private_key_jwt, RFC 7523): a PEM (PKCS#8, SEC1 or PKCS#1) or
 * a JWK (JSON) file, imported as a non-extractable WebCrypto key for openid-client's PrivateKeyJwt. The JWS
 * algorithm follows the key: RSA → RS256, EC P-256 → ES256 (P-384/P-521 → ES384/ES512, Ed25519 → EdDSA).
 * A JWK may pin its own `alg`; a JWK `kid` goes into the assertion header.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importJWK, importPKCS8, type JWK } from 'jose';
import type * as oidc from 'openid-client';
import { OAuthFlowError } from '../../shared/errors.js';

export interface ClientKey {
  key: oidc.PrivateKey;
  alg: string;
  file: string;
}

const EC_ALGS: Record<string, string> = { 'P-256': 'ES256', prime256v1: 'ES256', 'P-384': 'ES384', secp384r1: 'ES384', 'P-521': 'ES512', secp521r1: 'ES512' };

/** Pure: the JWS algorithm for a key type (and curve); undefined when we do not sign with it. */
export function algorithmFor(keyType: string | undefined, curve: string | undefined): string | undefined {
  if (keyType === 'rsa' || keyType === 'RSA') return 'RS256';
  if (keyType === 'ec' || keyType === 'EC') return curve ? EC_ALGS[curve] : undefined;
  if (keyType === 'ed25519' || (keyType === 'OKP' && curve === 'Ed25519')) return 'EdDSA';
  return undefined;
}

function invalid(file: string, why: string, cause?: unknown): OAuthFlowError {
  return new OAuthFlowError('CLIENT_KEY_INVALID', `--client-key ${file}: ${why}`, cause === undefined ? undefined : { cause });
}

async function fromJwk(file: string, jwk: JWK): Promise<ClientKey> {
  if (typeof jwk.d !== 'string') throw invalid(file, 'the JWK has no private part ("d"); give the private key');
  const alg = typeof jwk.alg === 'string' ? jwk.alg : algorithmFor(jwk.kty, jwk.crv);
  if (!alg) throw invalid(file, `unsupported key type ${JSON.stringify(jwk.kty)}${jwk.crv ? ` (${jwk.crv})` : ''}; use an RSA or EC P-256 key`);
  try {
    const key = await importJWK(jwk, alg, { extractable: false });
    if (key instanceof Uint8Array) throw invalid(file, 'a symmetric ("oct") key cannot sign private_key_jwt');
    return { key: { key, ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) }, alg, file };
  } catch (error) {
    throw error instanceof OAuthFlowError ? error : invalid(file, `not a usable ${alg} private key`, error);
  }
}

async function fromPem(file: string, pem: string): Promise<ClientKey> {
  let object: KeyObject;
  try {
    object = createPrivateKey(pem);
  } catch (error) {
    throw invalid(file, 'not a PEM private key or a JWK', error);
  }
  const alg = algorithmFor(object.asymmetricKeyType, object.asymmetricKeyDetails?.namedCurve);
  if (!alg) throw invalid(file, `unsupported key type ${String(object.asymmetricKeyType)}; use an RSA or EC P-256 key`);
  try {
    const pkcs8 = object.export({ format: 'pem', type: 'pkcs8' }).toString();
    return { key: { key: await importPKCS8(pkcs8, alg, { extractable: false }) }, alg, file };
  } catch (error) {
    throw invalid(file, `not a usable ${alg} private key`, error);
  }
}

/** Reads and imports the key; errors name the file and never include key material. */
export async function loadClientKey(file: string): Promise<ClientKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw invalid(file, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(trimmed);
    } catch (error) {
      throw invalid(file, 'looks like JSON but does not parse', error);
    }
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw invalid(file, 'a JWK must be a JSON object');
    return fromJwk(file, jwk as JWK);
  }
  return fromPem(file, trimmed);
}
