/**
 * Which client identity to use, in the order: static id/secret → Client ID Metadata Document (when the
 * server supports it) → stored registration → dynamic registration. The choice is pure; unit-tested.
 */
import * as oidc from 'openid-client';
import type { StoredClient } from '../store/credential-state.js';

export type IdentitySource = 'static' | 'metadata-document' | 'stored' | 'register';

export interface IdentityInputs {
  staticClientId?: string;
  clientMetadataUrl?: string;
  /** `client_id_metadata_document_supported` from the authorization server metadata. */
  metadataDocumentSupported: boolean;
  stored?: StoredClient;
  issuer: string;
  redirectUri: string;
}

/** A stored registration fits when it was made at this issuer and lists this exact redirect URI. */
export function storedRegistrationFits(stored: StoredClient | undefined, issuer: string, redirectUri: string): boolean {
  if (!stored) return false;
  if (stored.issuer !== undefined && stored.issuer !== issuer) return false;
  // Env-file credentials carry no redirect URIs: trust them as the operator configured them.
  return stored.redirect_uris === undefined || stored.redirect_uris.includes(redirectUri);
}

export function chooseIdentitySource(input: IdentityInputs): IdentitySource {
  if (input.staticClientId) return 'static';
  if (input.clientMetadataUrl && input.metadataDocumentSupported) return 'metadata-document';
  if (storedRegistrationFits(input.stored, input.issuer, input.redirectUri)) return 'stored';
  return 'register';
}

/**
 * Pure: how a pre-registered client authenticates, given the server's supported methods. Without a list,
 * RFC 8414 §2's default (client_secret_basic) applies.
 */
export function staticAuthMethod(hasSecret: boolean, supported: string[] | undefined): string {
  if (!hasSecret) return 'none';
  if (!supported || supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return 'client_secret_basic';
}

/**
 * Pure: the method a registration assigned — the response's `token_endpoint_auth_method`, else RFC 7591 §2's
 * default (client_secret_basic) when a secret was issued, else none.
 */
export function registeredAuthMethod(assigned: string | undefined, hasSecret: boolean): string {
  if (assigned) return assigned;
  return hasSecret ? 'client_secret_basic' : 'none';
}

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/**
 * Pure: one half of client_secret_basic credentials. RFC 6749 §2.3.1 says to form-encode the id and secret
 * before base64; many deployed servers compare the raw value instead. A value made only of unreserved
 * characters (RFC 3986 §2.3) is the same either way, so it is sent unchanged (openid-client would escape
 * even `-`, `.`, `_` and `~`, which raw-comparing servers reject); any other value is form-encoded as the RFC says.
 */
export function basicCredentialPart(value: string): string {
  if (UNRESERVED.test(value)) return value;
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** client_secret_basic with the encoding above (openid-client's ClientAuth shape). */
export function clientSecretBasic(secret: string): oidc.ClientAuth {
  return (_as, client, _body, headers) => {
    const credentials = `${basicCredentialPart(client.client_id)}:${basicCredentialPart(secret)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`);
  };
}

export function clientAuthFor(method: string | undefined, secret: string | undefined): oidc.ClientAuth {
  if (!secret || method === 'none') return oidc.None();
  return method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : clientSecretBasic(secret);
}

export interface ClientIdentity {
  source: IdentitySource;
  clientId: string;
  clientSecret?: string;
  authMethod: string;
  /** Present for stored/registered clients. */
  registration?: StoredClient;
}
