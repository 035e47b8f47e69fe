// A stand-in for @temporalio/client's Client in route tests: a route that only starts, signals or
// updates a workflow is tested without a Temporal server. Every call is recorded; a test sets what
// an Update answers (by default: accepted, not a duplicate) and may make starts fail.
import type { Client, WorkflowClient, WorkflowHandle } from '@temporalio/client';

export interface TemporalCall {
  kind: 'start' | 'signalWithStart' | 'executeUpdate' | 'signal' | 'query' | 'describe';
  workflowId: string;
  /** The workflow type (starts) or the message name (updates, signals, queries). */
  name: string;
  args: unknown[];
}

type Named = string | { name: string };
type UpdateAnswerer = (args: unknown[], workflowId: string) => unknown;

/** The parts of the client the API uses; the methods a route calls exist, the rest do not. */
export interface FakeWorkflowClient {
  start: (
    type: Named,
    options: { workflowId: string; args?: unknown[] },
  ) => Promise<Pick<WorkflowHandle, 'workflowId'>>;
  signalWithStart: (
    type: Named,
    options: { workflowId: string; args?: unknown[]; signal: Named; signalArgs?: unknown[] },
  ) => Promise<Pick<WorkflowHandle, 'workflowId'>>;
  getHandle: (
    workflowId: string,
  ) => Pick<WorkflowHandle, 'workflowId' | 'executeUpdate' | 'signal' | 'query' | 'describe'>;
}

export interface FakeTemporal {
  /** For ApiDeps.temporal. */
  client: Client;
  calls: TemporalCall[];
  /** What the Update `name` answers from now on; throw from `answer` to refuse it. */
  answerUpdate(name: string, answer: UpdateAnswerer): void;
  /** Starts (and signal-with-starts) throw `error` until called with null. */
  failStarts(error: Error | null): void;
  /** The recorded calls of one kind. */
  callsOf(kind: TemporalCall['kind']): TemporalCall[];
}

const nameOf = (n: Named) => (typeof n === 'string' ? n : n.name);

export function createFakeTemporal(): FakeTemporal {
  const calls: TemporalCall[] = [];
  const answers = new Map<string, UpdateAnswerer>();
  let startError: Error | null = null;
  const record = (call: TemporalCall) => calls.push(call);

  const workflow: FakeWorkflowClient = {
    async start(type, options) {
      if (startError) throw startError;
      record({ kind: 'start', workflowId: options.workflowId, name: nameOf(type), args: options.args ?? [] });
      return { workflowId: options.workflowId };
    },
    async signalWithStart(type, options) {
      if (startError) throw startError;
      record({
        kind: 'signalWithStart',
        workflowId: options.workflowId,
        name: `${nameOf(type)}/${nameOf(options.signal)}`,
        args: options.signalArgs ?? [],
      });
      return { workflowId: options.workflowId };
    },
    getHandle(workflowId) {
      return {
        workflowId,
        async executeUpdate(def: Named, options?: { args?: unknown[] }) {
          const args = options?.args ?? [];
          record({ kind: 'executeUpdate', workflowId, name: nameOf(def), args });
          const answer = answers.get(nameOf(def));
          return (answer ? answer(args, workflowId) : { duplicate: false }) as never;
        },
        async signal(def: Named, ...args: unknown[]) {
          record({ kind: 'signal', workflowId, name: nameOf(def), args });
        },
        async query(def: Named, ...args: unknown[]) {
          record({ kind: 'query', workflowId, name: nameOf(def), args });
          return undefined as never;
        },
        async describe() {
          record({ kind: 'describe', workflowId, name: 'describe', args: [] });
          throw new Error(`the fake Temporal has no description of ${workflowId}`);
        },
      } as ReturnType<FakeWorkflowClient['getHandle']>;
    },
  };

  const fake: Pick<Client, 'workflowService'> & { workflow: FakeWorkflowClient } = {
    workflow,
    workflowService: { getSystemInfo: async () => ({}) } as unknown as Client['workflowService'],
  };
  return {
    // The API calls only what FakeWorkflowClient lists; a route calling more fails loudly in its test.
    client: fake as unknown as Client & { workflow: WorkflowClient },
    calls,
    answerUpdate: (name, answer) => void answers.set(name, answer),
    failStarts: (error) => {
      startError = error;
    },
    callsOf: (kind) => calls.filter((c) => c.kind === kind),
  };
}
