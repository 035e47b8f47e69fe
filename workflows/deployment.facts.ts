import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors.js';
import type { GateCheck } from '../domain/gate-rules.js';
import type { UpdateAnswer } from './deployment.messages.js';
import { now, type DeploymentRun } from './deployment.run.js';

/**
 * Validators refuse what is not allowed, and also what repeats a fact already applied: a rejected
 * Update adds no event to the history, so a script repeating its Go Live or test result every
 * second costs the workflow nothing. Forbidden (the API's 403) when the caller lacks a right, a
 * plain error (409) when the state refuses; the API turns DuplicateMessage into its `duplicate` answer.
 */
export function throwRefusal(check: GateCheck): void {
  if (!check.ok && (('needs' in check && check.needs) || ('forbidden' in check && check.forbidden)))
    throw ApplicationFailure.create({ type: ErrorType.Forbidden, message: check.reason, nonRetryable: true });
  if (!check.ok) throw new Error(check.reason);
  if (check.duplicate)
    throw ApplicationFailure.create({
      type: ErrorType.DuplicateMessage,
      message: 'already applied',
      nonRetryable: true,
    });
}

/**
 * An Update that records one fact: the validator refuses by the check, the handler applies the fact
 * and projects it before it answers (a repeat accepted meanwhile is answered as a duplicate).
 */
export function handleFact<A>(
  run: DeploymentRun,
  update: UpdateDefinition<UpdateAnswer, [A]>,
  check: (arg: A) => GateCheck,
  apply: (arg: A, at: string) => void,
): void {
  const { state, record } = run;
  setHandler(
    update,
    async (arg) => {
      const verdict = check(arg);
      if (verdict.ok && verdict.duplicate) return { duplicate: true, state };
      apply(arg, now());
      await record();
      return { duplicate: false, state };
    },
    { validator: (arg) => throwRefusal(check(arg)) },
  );
}
