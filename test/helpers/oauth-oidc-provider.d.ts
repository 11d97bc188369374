// Minimal typings for the parts of oidc-provider (ships no types) that the test authorization server uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface ProviderContext {
    method: string;
    path: string;
    headers: Record<string, string | string[] | undefined>;
    status: number;
    body: unknown;
    oidc?: { params?: Record<string, unknown>; body?: Record<string, unknown> };
  }

  interface InteractionDetails {
    uid: string;
    prompt: { name: string; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
  }

  interface GrantInstance {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  interface GrantClass {
    new (init: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  }

  class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    Grant: GrantClass;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** Koa middleware ahead of the provider's routes (the test servers observe and adjust responses). */
    use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): this;
  }

  // Describes the third-party module's own default export; not one of ours.
  // eslint-disable-next-line no-restricted-syntax
  export default Provider;
}
