/**
 * Request methods of the 2025 era that the 2026-07-28 revision does not have. A 2026-07-28 request for
 * one of them is answered `-32601` (HTTP 404 in the proxy) by the era adapter itself and never reaches a
 * 2025-era child, where it would act on state shared by every request of the principal
 * (`logging/setLevel` changes the child's level for all; `resources/subscribe` is per connection, which
 * 2026-07-28 replaces with `subscriptions/listen`). The tasks methods are listed because the adapter
 * does not translate 2025 tasks; the server→client methods because a client never sends them.
 */
export const REMOVED_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
]);

export function isRemovedMethod(method: string): boolean {
  return REMOVED_METHODS.has(method);
}
