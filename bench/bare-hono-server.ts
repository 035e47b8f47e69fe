// The webhook benchmark's baseline server in its own process (bench/webhooks.ts spawns it, as it
// spawns the API): prints its URL as one JSON line on stdout, ends on SIGTERM.
import { serveBare } from './webhooks-support.js';

const bare = await serveBare();
process.stdout.write(`${JSON.stringify({ url: bare.url })}\n`);
process.once('SIGTERM', () => void bare.close().then(() => process.exit(0)));
