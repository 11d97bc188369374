import { renderToString } from 'ink';
import { describe, expect, it } from 'vitest';
import { LoginProgressView } from '../../src/ui/login-progress.js';

describe('login progress view', () => {
  it('shows the steps so far and the sign-in URL while waiting', () => {
    const text = renderToString(
      <LoginProgressView
        events={[
          { step: 'discovering', detail: 'https://mcp.example.com/mcp' },
          { step: 'registering', detail: 'https://auth.example.com' },
          { step: 'waiting-for-browser', url: 'https://auth.example.com/authorize?x=1', browserOpened: false },
        ]}
      />,
      { columns: 200 },
    );
    expect(text).toContain('Discovering the authorization server');
    expect(text).toContain('Registering this client');
    expect(text).toContain('Open this URL in your browser to sign in:');
    expect(text).toContain('https://auth.example.com/authorize?x=1');
  });
  it('shows done and failure', () => {
    expect(renderToString(<LoginProgressView events={[{ step: 'discovering' }, { step: 'done' }]} />)).toContain('✔ Signed in');
    expect(renderToString(<LoginProgressView events={[{ step: 'failed', detail: 'state mismatch' }]} />)).toContain('Sign-in failed: state mismatch');
  });
});
