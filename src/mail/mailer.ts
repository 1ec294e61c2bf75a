// Sends mail through the [smtp] server, by nodemailer: MIME encoding, SMTP's dialogue, STARTTLS
// and AUTH are a well-kept library's job, not hand-written code's. Null without [smtp].
import { createTransport } from 'nodemailer';
import type { SmtpConfig } from '../config';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** A stable Message-ID ("<…@…>"): a resend after a crash is recognisably the same message. */
  messageId: string;
}

export interface Mailer {
  /** The sender's domain, for Message-IDs. */
  domain: string;
  /** Resolves once the server accepted the message; rejects on any refusal or timeout. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Bounds on each step of a delivery, so a silent server never holds a send for minutes. */
const CONNECTION_TIMEOUT_MS = 15_000;
const GREETING_TIMEOUT_MS = 15_000;
const SOCKET_TIMEOUT_MS = 30_000;

export function createMailer(smtp: SmtpConfig | null): Mailer | null {
  if (smtp === null) return null;
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    auth: smtp.user === null ? undefined : { user: smtp.user, pass: smtp.password ?? '' },
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  return {
    domain: senderDomain(smtp.from),
    send: async (message) => {
      const info = await transport.sendMail({ from: smtp.from, to: message.to, subject: message.subject, text: message.text, messageId: message.messageId });
      if (info.rejected.length > 0) throw new Error(`the SMTP server refused ${info.rejected.join(', ')}: ${info.response}`);
    },
    close: () => transport.close(),
  };
}

function senderDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1);
}
