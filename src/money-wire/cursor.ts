// The ledger's page cursor: opaque to clients, it names the last transaction of a page by its
// time and id, the two columns the listing is ordered by. Clients pass back `next_cursor` as
// `?cursor=` and must not build one; a cursor that does not decode is a 400 naming `cursor`.
import { badRequest } from '../errors';
import type { LedgerPosition } from '../ledger/service';

const DECODED = /^(\d{1,15}):([A-Za-z0-9_-]{1,64})$/;

export function encodeLedgerCursor(position: LedgerPosition): string {
  return Buffer.from(`${position.createdAtMs}:${position.transactionId}`, 'utf8').toString('base64url');
}

export function decodeLedgerCursor(cursor: string): LedgerPosition {
  const match = DECODED.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badRequest('cursor is not a cursor this API gave out: pass back next_cursor from the previous page', 'cursor');
  return { createdAtMs: Number(match[1]), transactionId: match[2]! };
}
