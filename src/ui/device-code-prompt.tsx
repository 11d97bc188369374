/** Presentational ink view of a device sign-in (RFC 8628): where to go and which code to enter. */
import { Box, Text } from 'ink';
import type { DevicePrompt } from '../oauth/flow/progress.js';

export interface DeviceCodePromptProps {
  prompt: DevicePrompt;
}

export function DeviceCodePrompt({ prompt }: DeviceCodePromptProps) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>On any device with a browser, open:</Text>
      <Text color="blue">{prompt.verificationUri}</Text>
      <Text>
        and enter the code <Text bold color="yellow">{prompt.userCode}</Text>
      </Text>
      {prompt.verificationUriComplete ? (
        <Box flexDirection="column" marginTop={1}>
          <Text dimColor>or open this link, which has the code filled in:</Text>
          <Text color="blue">{prompt.verificationUriComplete}</Text>
        </Box>
      ) : null}
      <Text dimColor>The code expires at {new Date(prompt.expiresAt).toLocaleTimeString()}.</Text>
    </Box>
  );
}
