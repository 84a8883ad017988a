import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Card tokens, secrets and credentials must never reach a log line: the redact list is the
 * last line of defence for fields that slip into a logged object.
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["x-pos-context"]',
        '*.client_secret',
        '*.token',
        '*.password',
      ],
      censor: '[redacted]',
    },
  });
}
