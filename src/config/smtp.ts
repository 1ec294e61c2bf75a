// [smtp]: the mail server receipts are sent through. Absent (no host), nothing is mailed: the
// receipts stay recorded and readable in the console. The password comes from the environment.
import { boolean, integer, optionalString, string } from './fields';
import { ConfigError, type Env, type Raw, type SmtpConfig } from './types';

export const SMTP_KEYS = ['host', 'port', 'secure', 'require_tls', 'from', 'user'] as const;

// "Name <address>" or a bare address: enough to catch a forgotten or mistyped sender, which
// every relay would refuse at MAIL FROM.
const SENDER = /^(?:[^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;

export function parseSmtp(section: Raw, env: Env): SmtpConfig | null {
  const host = optionalString(section.host, 'smtp.host');
  if (host === null) {
    const given = SMTP_KEYS.filter((key) => section[key] !== undefined);
    if (given.length > 0) throw new ConfigError(`smtp.host is required when [smtp] sets ${given.map((key) => `smtp.${key}`).join(', ')}`);
    return null;
  }
  const secure = boolean(section.secure, 'smtp.secure', false);
  const from = string(section.from, 'smtp.from', null);
  if (!SENDER.test(from)) throw new ConfigError('smtp.from must be an address, like "inferport <billing@example.com>"');
  const user = optionalString(section.user, 'smtp.user');
  const password = optionalString(env.SMTP_PASSWORD, 'SMTP_PASSWORD');
  if (user !== null && password === null) throw new ConfigError('smtp.user is set, so SMTP_PASSWORD must be set in the environment');
  return {
    host,
    // Implicit TLS listens on 465; submission with STARTTLS on 587.
    port: integer(section.port, 'smtp.port', secure ? 465 : 587, 1, 65_535),
    secure,
    requireTls: boolean(section.require_tls, 'smtp.require_tls', false),
    from,
    user,
    password: user === null ? null : password,
  };
}
