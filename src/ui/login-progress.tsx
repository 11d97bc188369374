/** Presentational ink view of the OAuth login steps (discovering, registering, waiting for the browser, done). */
import { Box, Text } from 'ink';
import type { LoginProgressEvent, LoginStep } from '../oauth/flow/progress.js';
import { DeviceCodePrompt } from './device-code-prompt.js';

const ORDER: LoginStep[] = ['discovering', 'registering', 'waiting-for-browser', 'waiting-for-device', 'exchanging', 'done'];

const LABEL: Record<LoginStep, string> = {
  discovering: 'Discovering the authorization server',
  registering: 'Registering this client',
  'waiting-for-lock': 'Waiting for another mcp-client to finish signing in',
  'waiting-for-browser': 'Waiting for you to sign in in the browser',
  'waiting-for-device': 'Waiting for you to sign in on another device',
  exchanging: 'Exchanging the authorization code',
  done: 'Signed in',
  failed: 'Sign-in failed',
};

export interface LoginProgressProps {
  events: LoginProgressEvent[];
}

export function LoginProgressView({ events }: LoginProgressProps) {
  const last = events.at(-1);
  const seen = new Set(events.map((e) => e.step));
  const browser = [...events].reverse().find((e) => e.step === 'waiting-for-browser');
  const failed = events.find((e) => e.step === 'failed');
  const device = [...events].reverse().find((e) => e.step === 'waiting-for-device');
  const visible = ORDER.filter((step) => seen.has(step));
  return (
    <Box flexDirection="column">
      {seen.has('waiting-for-lock') && !seen.has('discovering') ? <Text color="yellow">… {LABEL['waiting-for-lock']}</Text> : null}
      {visible.map((step) => {
        const current = step === last?.step && step !== 'done';
        return (
          <Text key={step} color={step === 'done' ? 'green' : current ? 'cyan' : undefined}>
            {step === 'done' ? '✔' : current ? '…' : '✔'} {LABEL[step]}
            {events.find((e) => e.step === step)?.detail && step !== 'waiting-for-browser' && step !== 'waiting-for-device' ? <Text dimColor> ({events.find((e) => e.step === step)?.detail})</Text> : null}
          </Text>
        );
      })}
      {browser?.url && last?.step === 'waiting-for-browser' ? (
        <Box flexDirection="column" marginTop={1}>
          <Text>{browser.browserOpened ? 'If the browser did not open, visit:' : 'Open this URL in your browser to sign in:'}</Text>
          <Text color="blue">{browser.url}</Text>
        </Box>
      ) : null}
      {device?.device && last?.step === 'waiting-for-device' ? <DeviceCodePrompt prompt={device.device} /> : null}
      {failed ? <Text color="red">✘ {LABEL.failed}: {failed.detail}</Text> : null}
    </Box>
  );
}
