import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../shared/logger.js';
import { refusal } from '../http/refusals.js';
import type { Cluster, Hop } from './cluster.js';

/**
 * Where a request comes from: a client, or another instance (its cluster secret verified; such a hop is
 * served where it lands and never forwarded again). A wrong secret is refused here (403), with a log line.
 */
export function verifiedHop(cluster: Cluster | undefined, req: IncomingMessage, log: Logger, fields?: Record<string, string>): Exclude<Hop, 'forged'> {
  const hop = cluster?.hop(req) ?? 'client';
  if (hop !== 'forged') return hop;
  log.warn('forwarded request with a wrong cluster secret refused', fields);
  throw refusal('CLUSTER_FORGED');
}
