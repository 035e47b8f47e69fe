// The workflow bundle's entry: every workflow type the worker registers.
export { deployment } from './deployment.js';
export { environmentLock } from './environment-lock.js';
export { build } from './build.js';
export { forgeEvent } from './forge-event.js';
export { gitPoll } from './git-poll.js';
