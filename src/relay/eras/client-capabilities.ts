import { type JsonObject } from './protocol.js';
import { isObject } from '../../shared/is-object.js';

/**
 * The client capabilities the era adapter declares when it initialises a 2025-era child: everything
 * it can serve to *some* 2026-07-28 request (sampling with tools and context, elicitation in form and
 * URL mode, roots). A 2025 server fixes its view of the client at `initialize`, while in 2026-07-28
 * each request declares its own capabilities; so the child is told the most, and every server→client
 * request it makes is checked against the capabilities of the request it is made for
 * (`requiredCapabilities` / `missingCapabilities`). Not declared: `roots.listChanged` (a stateless
 * client sends no such notification), `experimental`, `tasks`.
 */
export const ADAPTER_CLIENT_CAPABILITIES: Readonly<JsonObject> = Object.freeze({
  sampling: { context: {}, tools: {} },
  elicitation: { form: {}, url: {} },
  roots: {},
});

/**
 * The client capabilities a server→client request needs, per the 2025-11-25 and 2026-07-28 revisions:
 * `elicitation.url` for URL mode, `elicitation.form` otherwise; `sampling.tools` when the request
 * carries `tools`/`toolChoice`, `sampling.context` when `includeContext` is other than "none";
 * `roots` for roots/list. Undefined for a method that is not a server→client request.
 */
export function requiredCapabilities(method: string, params: JsonObject | undefined): JsonObject | undefined {
  switch (method) {
    case 'elicitation/create':
      return { elicitation: params?.mode === 'url' ? { url: {} } : { form: {} } };
    case 'sampling/createMessage': {
      const needs: JsonObject = {};
      if (params?.tools !== undefined || params?.toolChoice !== undefined) needs.tools = {};
      if (typeof params?.includeContext === 'string' && params.includeContext !== 'none') needs.context = {};
      return { sampling: needs };
    }
    case 'roots/list':
      return { roots: {} };
    default:
      return undefined;
  }
}

/**
 * What of `required` the `declared` capabilities lack, in the ClientCapabilities shape (for a
 * refusal's `data.requiredCapabilities`), or undefined when everything is declared. A
 * capability counts when its key is present; a named member (`elicitation.url`) must be present too.
 * A bare `elicitation: {}` (no mode at all) means form mode, as it did before modes existed.
 */
export function missingCapabilities(required: JsonObject, declared: JsonObject): JsonObject | undefined {
  const missing: JsonObject = {};
  for (const [name, need] of Object.entries(required)) {
    const have = declared[name];
    if (!isObject(have)) {
      missing[name] = need;
      continue;
    }
    if (!isObject(need)) continue;
    const bareElicitation = name === 'elicitation' && have.form === undefined && have.url === undefined;
    const lacking = Object.keys(need).filter((member) => have[member] === undefined && !(bareElicitation && member === 'form'));
    if (lacking.length > 0) missing[name] = Object.fromEntries(lacking.map((member) => [member, need[member]]));
  }
  return Object.keys(missing).length > 0 ? missing : undefined;
}

/** Dotted names of missing capabilities, for messages: `sampling`, `elicitation.url`. */
export function capabilityNames(caps: JsonObject): string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(caps)) {
    const members = isObject(value) ? Object.keys(value) : [];
    if (members.length === 0) names.push(name);
    else for (const member of members) names.push(`${name}.${member}`);
  }
  return names;
}
