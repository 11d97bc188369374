/** Resource-server side: read the authorization server's metadata once (for jwks_uri and the RFC 9728 document). */
import { authorizationServerMetadataUrls, issuerMatches } from '../../oauth/discovery/discovery-urls.js';
import { assertSecureEndpoint } from '../../oauth/discovery/url-safety.js';
import { readJsonObject, timedFetch, type HttpContext } from '../../oauth/http.js';
import { OAuthFlowError } from '../../shared/errors.js';

export type IssuerMetadata = Record<string, unknown> & { issuer: string; jwks_uri?: string };

export async function fetchIssuerMetadata(http: HttpContext, issuer: string): Promise<IssuerMetadata> {
  const issuerUrl = assertSecureEndpoint(issuer, 'issuer');
  for (const { url } of authorizationServerMetadataUrls(issuerUrl)) {
    const response = await timedFetch(http, url, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      continue;
    }
    const body = await readJsonObject(response);
    if (!body || !issuerMatches(issuer, body.issuer)) {
      throw new OAuthFlowError('ISSUER_MISMATCH', `metadata at ${url.href} does not describe issuer ${issuer}`);
    }
    if (body.jwks_uri !== undefined) assertSecureEndpoint(body.jwks_uri, 'jwks_uri');
    return body as IssuerMetadata;
  }
  throw new OAuthFlowError('DISCOVERY_FAILED', `no authorization server metadata for ${issuer}`);
}
