/**
 * The fetch seam, one type for both binaries. Everything that talks HTTP takes one of these: the client
 * CLI builds it (undici + proxy + timeout + static headers), the OAuth layer wraps it to add and refresh
 * the bearer token, and the proxy's resource-server guard uses it to fetch issuer metadata and JWKS.
 */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;
