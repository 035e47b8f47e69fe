// Who may hold an environment next. Octopush's rule: never one service twice in an environment;
// in a "groups" environment services of the same group share it and other groups wait; an
// "exclusive" environment has one holder at a time. Waiters are considered in acceptance order.
// A waiter blocked by a group conflict is a barrier: nobody younger passes it, so a group cannot
// starve another by streaming requests. A waiter blocked only because its own service is deploying
// lets younger waiters of its group through (they would share the environment anyway), but keeps
// its own service's younger versions behind it.

export interface LockHolder {
  requestId: string;
  service: string;
  group: string;
}
export interface LockWaiter extends LockHolder {
  order: number;
}

export function grantable<W extends LockWaiter>(
  concurrency: 'groups' | 'exclusive',
  holders: readonly LockHolder[],
  waiters: readonly W[],
): W[] {
  const granted: W[] = [];
  const active: LockHolder[] = [...holders];
  const blockedServices = new Set<string>();
  for (const waiter of [...waiters].sort((a, b) => a.order - b.order)) {
    if (concurrency === 'exclusive') {
      if (active.length === 0) {
        granted.push(waiter);
        active.push(waiter);
      }
      break;
    }
    const groupConflict = active.some((h) => h.group !== waiter.group);
    if (groupConflict) break;
    const serviceBusy = blockedServices.has(waiter.service) || active.some((h) => h.service === waiter.service);
    if (serviceBusy) {
      blockedServices.add(waiter.service);
      continue;
    }
    granted.push(waiter);
    active.push(waiter);
  }
  return granted;
}
