// The part of oidc-provider (no types of its own) that the SSO test uses: a real provider, configured in the test.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Client {
    clientId: string;
  }
  export interface Configuration {
    clients: Record<string, unknown>[];
    jwks: { keys: unknown[] };
    cookies: { keys: string[] };
    pkce: { required: () => boolean };
    claims: Record<string, string[]>;
    findAccount: (ctx: unknown, id: string) => { accountId: string; claims: () => Record<string, unknown> } | undefined;
    features: {
      devInteractions: { enabled: boolean };
      clientCredentials: { enabled: boolean };
      resourceIndicators: {
        enabled: boolean;
        defaultResource: (ctx: unknown) => string;
        useGrantedResource: () => boolean;
        getResourceServerInfo: (ctx: unknown, resource: string, client: Client) => Record<string, unknown>;
      };
    };
    extraTokenClaims: (ctx: unknown, token: unknown) => Record<string, unknown> | undefined;
  }
  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
  }
}
