import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

const temporalLevels: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

let installed = false;

/**
 * Sets the Temporal SDK's log level (its default, INFO, prints every workflow
 * bundle). Must run before the first NativeConnection; later calls do nothing.
 */
export function installTemporalRuntime(level: string): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger(temporalLevels[level] ?? 'INFO') });
}
