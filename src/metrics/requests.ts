// Each HTTP request's line in the metrics and the log: started in the app's onRequest, finished
// in its onAfterResponse with the route pattern and the status. A generation request is noted by
// the gateway (its flight: model, account, request id, upstream), read only when it finishes. A
// stream's handler returns before the stream ends, so a stream is finished by whichever comes
// last, the response hook or the stream's settlement, with the status it ended with and its full
// duration.
import { logFields } from '../logs/logger';
import { SANE_REQUEST_ID } from '../http/request-id';
import type { GatewayMetrics } from './metrics';
import { UNMATCHED_ROUTE } from './metrics';

/** What the gateway's flight tells about a request, read when its line is written. */
export interface FlightFacts {
  requestId: string;
  upstream: string | null;
  key: { accountId: string };
  request: { model: string };
}

interface RequestNote {
  startedAt: number;
  flight: FlightFacts | null;
  route: string;
  status: number;
  /** Finishes still to come before the line is written: 1, or 2 for a stream. */
  waits: number;
}

export class RequestObserver {
  private readonly notes = new WeakMap<Request, RequestNote>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly logRequests: boolean,
  ) {}

  start(request: Request): void {
    this.notes.set(request, { startedAt: performance.now(), flight: null, route: UNMATCHED_ROUTE, status: 0, waits: 1 });
  }

  noteFlight(request: Request, flight: FlightFacts): void {
    const note = this.notes.get(request);
    if (note) note.flight = flight;
  }

  /** The request answers with a stream: its line waits for the stream's end too. */
  noteStream(request: Request): void {
    const note = this.notes.get(request);
    if (note) note.waits = 2;
  }

  /** The app's onAfterResponse: the response is out (a stream's headers, at least). */
  responded(request: Request, route: string | undefined, status: number): void {
    const note = this.notes.get(request);
    if (!note) return;
    note.route = route || UNMATCHED_ROUTE;
    if (note.status === 0) note.status = status;
    this.finishOne(request, note);
  }

  /** A stream settled: `status` is how it ended (200, 499 when the client left, 502 when the upstream broke off). */
  streamEnded(request: Request, status: number): void {
    const note = this.notes.get(request);
    if (!note) return;
    note.status = status;
    this.finishOne(request, note);
  }

  private finishOne(request: Request, note: RequestNote): void {
    note.waits -= 1;
    if (note.waits > 0) return;
    this.notes.delete(request);
    const durationMs = performance.now() - note.startedAt;
    const flight = note.flight;
    this.metrics.recordRequest(note.route, flight ? flight.request.model : null, note.status, durationMs / 1000);
    if (!this.logRequests) return;
    const clientId = request.headers.get('x-request-id');
    logFields('request', {
      method: request.method,
      route: note.route,
      status: note.status,
      duration_ms: Math.round(durationMs * 10) / 10,
      request_id: flight ? flight.requestId : clientId && SANE_REQUEST_ID.test(clientId) ? clientId : null,
      model: flight ? flight.request.model : null,
      account_id: flight ? flight.key.accountId : null,
      upstream: flight ? flight.upstream : null,
    });
  }
}
