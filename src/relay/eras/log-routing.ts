import type { JsonRpcNotification } from '../../shared/jsonrpc.js';
import type { Call } from '../mux.js';
import { logLevelPasses } from './results.js';

/**
 * A 2026-07-28 client asks for logs per request (`logLevel` in its envelope): a peer's log
 * notification goes to the newest call in flight that asked for logs, if its level passes.
 */
export function routeLog(calls: Iterable<Call>, n: JsonRpcNotification): void {
  let target: Call | undefined;
  for (const call of calls) if (call.exchange && call.envelope?.logLevel) target = call;
  if (target?.exchange && logLevelPasses(n.params?.level, target.envelope!.logLevel!)) target.exchange.deliver(n);
}
