// A local SMTP server for tests, on a free port: enough of RFC 5321 for a mail library to
// deliver to it (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
// QUIT). It keeps each message, its headers and its decoded text, and can be told to refuse
// the next messages with a temporary error, as a busy relay does.
import type { Socket } from 'bun';

export interface SunkMessage {
  from: string;
  to: string[];
  /** The message as received, after dot-unstuffing. */
  raw: string;
  /** Header names in lower case, folded lines unfolded. */
  headers: Record<string, string>;
  /** The body, decoded from its Content-Transfer-Encoding. */
  text: string;
  /** The credentials the client logged in with, if it did. */
  auth: { user: string; password: string } | null;
}

export interface SmtpSink {
  host: string;
  port: number;
  messages: SunkMessage[];
  /** The next `count` messages are refused at the end of DATA with 451. */
  refuseNext(count: number): void;
  stop(): void;
}

interface Session {
  buffer: string;
  inData: boolean;
  awaitingAuth: boolean;
  from: string | null;
  to: string[];
  auth: SunkMessage['auth'];
}

export function startSmtpSink(): SmtpSink {
  const messages: SunkMessage[] = [];
  let refusals = 0;
  const reply = (socket: Socket<Session>, line: string) => socket.write(`${line}\r\n`);

  const command = (socket: Socket<Session>, line: string) => {
    const session = socket.data;
    if (session.awaitingAuth) {
      session.awaitingAuth = false;
      return login(socket, line);
    }
    const verb = line.slice(0, 4).toUpperCase();
    const argument = line.slice(5);
    if (verb === 'EHLO') return socket.write('250-inferport-test-sink\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SIZE 10485760\r\n');
    if (verb === 'HELO') return reply(socket, '250 inferport-test-sink');
    if (verb === 'AUTH') {
      const [mechanism, initial] = argument.split(' ');
      if (mechanism?.toUpperCase() !== 'PLAIN') return reply(socket, '504 5.5.4 Unrecognized authentication type');
      if (initial) return login(socket, initial);
      session.awaitingAuth = true;
      return reply(socket, '334 ');
    }
    if (verb === 'MAIL') {
      session.from = /<([^>]*)>/.exec(argument)?.[1] ?? '';
      session.to = [];
      return reply(socket, '250 2.1.0 Ok');
    }
    if (verb === 'RCPT') {
      if (session.from === null) return reply(socket, '503 5.5.1 MAIL first');
      session.to.push(/<([^>]*)>/.exec(argument)?.[1] ?? '');
      return reply(socket, '250 2.1.5 Ok');
    }
    if (verb === 'DATA') {
      if (session.to.length === 0) return reply(socket, '503 5.5.1 RCPT first');
      session.inData = true;
      return reply(socket, '354 End data with <CR><LF>.<CR><LF>');
    }
    if (verb === 'RSET') {
      session.from = null;
      session.to = [];
      return reply(socket, '250 2.0.0 Ok');
    }
    if (verb === 'NOOP') return reply(socket, '250 2.0.0 Ok');
    if (verb === 'QUIT') {
      reply(socket, '221 2.0.0 Bye');
      return socket.end();
    }
    return reply(socket, '502 5.5.2 Command not recognized');
  };

  const login = (socket: Socket<Session>, encoded: string) => {
    const [, user = '', password = ''] = Buffer.from(encoded, 'base64').toString('utf8').split('\u0000');
    socket.data.auth = { user, password };
    reply(socket, '235 2.7.0 Authentication successful');
  };

  const endData = (socket: Socket<Session>, raw: string) => {
    const session = socket.data;
    session.inData = false;
    if (refusals > 0) {
      refusals -= 1;
      reply(socket, '451 4.3.0 The test sink refuses this message on purpose; try again later');
    } else {
      messages.push({ from: session.from ?? '', to: session.to, raw, ...parseMessage(raw), auth: session.auth });
      reply(socket, `250 2.0.0 Ok: queued as ${messages.length}`);
    }
    session.from = null;
    session.to = [];
  };

  const server = Bun.listen<Session>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        socket.data = { buffer: '', inData: false, awaitingAuth: false, from: null, to: [], auth: null };
        reply(socket, '220 inferport-test-sink ESMTP');
      },
      data(socket, chunk) {
        const session = socket.data;
        session.buffer += chunk.toString('utf8');
        for (;;) {
          if (session.inData) {
            const end = session.buffer.startsWith('.\r\n') ? 0 : session.buffer.indexOf('\r\n.\r\n');
            if (end < 0) return;
            const raw = end === 0 ? '' : session.buffer.slice(0, end + 2);
            session.buffer = session.buffer.slice(end === 0 ? 3 : end + 5);
            endData(socket, raw.replace(/^\.\./gm, '.'));
            continue;
          }
          const newline = session.buffer.indexOf('\r\n');
          if (newline < 0) return;
          const line = session.buffer.slice(0, newline);
          session.buffer = session.buffer.slice(newline + 2);
          command(socket, line);
        }
      },
    },
  });
  return {
    host: '127.0.0.1',
    port: server.port,
    messages,
    refuseNext: (count) => {
      refusals = count;
    },
    stop: () => server.stop(true),
  };
}

function parseMessage(raw: string): Pick<SunkMessage, 'headers' | 'text'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, text: decodeBody(body, headers['content-transfer-encoding']?.toLowerCase()) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n/g, '\n');
  }
  return body.replace(/\r\n/g, '\n');
}
