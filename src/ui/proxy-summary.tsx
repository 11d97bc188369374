import { Box, Text, render } from 'ink';

export interface ProxySummaryProps {
  url: string;
  command: string;
  maxSessions: number;
  sessionTimeoutS: number;
  protection: string;
  version: string;
}

export function ProxySummary(props: ProxySummaryProps) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text>
        <Text bold color="cyan">mcp-proxy</Text> {props.version}
      </Text>
      <Text>
        MCP endpoint <Text bold color="green">{props.url}</Text>
      </Text>
      <Text>
        server       <Text>{props.command}</Text>
      </Text>
      <Text dimColor>
        one child per session · up to {props.maxSessions} sessions · idle timeout {props.sessionTimeoutS}s · {props.protection}
      </Text>
    </Box>
  );
}

/** Renders the start-up summary once to a TTY stream (stderr) and releases the terminal. */
export function printProxySummary(stream: NodeJS.WriteStream, props: ProxySummaryProps): void {
  const instance = render(<ProxySummary {...props} />, { stdout: stream, stderr: stream, patchConsole: false, exitOnCtrlC: false });
  instance.unmount();
}
