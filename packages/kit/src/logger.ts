import pino, { type DestinationStream, type Logger } from 'pino';
import { mergeTraceIds, traceIds } from './tracing';

export type { Logger };

/**
 * Structured JSON logs. Card tokens, secrets and credentials must never reach a log line: the redact list is the
 * last line of defence for fields that slip into a logged object.
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    // trace_id and span_id on lines logged inside a traced request (nothing while tracing is off).
    mixin: traceIds,
    mixinMergeStrategy: mergeTraceIds,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["x-pos-context"]',
        '*.client_secret',
        '*.token',
        '*.universalToken',
        '*.card.token',
        '*.password',
      ],
      censor: '[redacted]',
    },
  };
  // A destination is given by tests that read the lines; otherwise pino's own stdout writer.
  return destination ? pino(options, destination) : pino(options);
}
