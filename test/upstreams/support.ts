// Helpers of the upstream-health tests: the probe job as the server schedules it, /readyz read
// as JSON, and a chat request whose outcome (status, code, message) is returned, not thrown.
import OpenAI from 'openai';
import { Scheduler } from '../../src/scheduler/scheduler';
import { scheduledJobs } from '../../src/server';
import type { TestApp } from '../support/app';

/** One run of the `upstream-probes` job of scheduledJobs (the one the server starts). */
export async function runProbes(testApp: TestApp): Promise<void> {
  const scheduler = new Scheduler(scheduledJobs(testApp.context), testApp.context.now);
  await scheduler.runNow('upstream-probes');
  await scheduler.stop();
}

export async function readiness(testApp: TestApp): Promise<{ status: number; body: any }> {
  const response = await testApp.request('GET', '/readyz');
  return { status: response.status, body: await response.json() };
}

export interface ChatOutcome {
  status: number;
  code: string | null;
  message: string;
  content: string | null;
  retryAfter: string | null;
}

export async function chat(client: OpenAI, model = 'fake-model'): Promise<ChatOutcome> {
  try {
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'one two three' }] });
    return { status: 200, code: null, message: '', content: completion.choices[0]?.message.content ?? null, retryAfter: null };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { status: error.status ?? 0, code: (error.code as string | null) ?? null, message: error.message, content: null, retryAfter: error.headers?.get('retry-after') ?? null };
  }
}

/** The generation requests (not probes) an upstream received. */
export const postsTo = (requests: { path: string }[]): number => requests.filter((request) => request.path !== '/v1/models').length;
