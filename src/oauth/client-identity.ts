/**
 * Which client identity to use, in the order: static id/secret → Client ID Metadata Document (when the
 * server supports it) → stored registration → dynamic registration. The choice is pure; unit-tested.
 */
import * as oidc from 'openid-client';
import type { StoredClient } from './credential-state.js';

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

/** Pure: how a static confidential client authenticates, given the server's supported methods. */
export function staticAuthMethod(hasSecret: boolean, supported: string[] | undefined): string {
  if (!hasSecret) return 'none';
  if (!supported || supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return 'client_secret_basic';
}

export function clientAuthFor(method: string | undefined, secret: string | undefined): oidc.ClientAuth {
  if (!secret || method === 'none') return oidc.None();
  return method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
}

export interface ClientIdentity {
  source: IdentitySource;
  clientId: string;
  clientSecret?: string;
  authMethod: string;
  /** Present for stored/registered clients. */
  registration?: StoredClient;
}
