/**
 * The fetch seam. Everything that talks HTTP takes one of these; the CLI builds it (undici + proxy +
 * timeout + static headers) and the OAuth layer wraps it to add and refresh the bearer token.
 */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;
