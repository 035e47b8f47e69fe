import { pino, type Logger } from 'pino';

// Every log line passes through these redaction paths so that tokens and secret parameters
// never reach a log sink, whatever object a caller hands to the logger.
const redact = {
  paths: [
    'token',
    '*.token',
    'password',
    '*.password',
    'secret',
    '*.secret',
    'authorization',
    '*.authorization',
    'headers.authorization',
    'req.headers.authorization',
    'access_token',
    '*.access_token',
    'secrets',
    '*.secrets',
  ],
  censor: '[redacted]',
};

export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' || process.env.VITEST ? 'warn' : 'info'),
  base: { service: 'slipway' },
  redact,
});

export type { Logger };
