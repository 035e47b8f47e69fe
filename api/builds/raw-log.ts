import { readBuildLog } from '../../db/build-logs.js';
import type { Db } from '../../db/client.js';

/**
 * A build's output as stored (escapes and all), or one command's, read page by page: a log may be
 * many commands of up to the cap each. Served by the API's /v1/builds/{id}/log and the dashboard's download.
 */
export function rawLogStream(db: Db, buildId: string, commandKey?: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterId = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const page = await readBuildLog(db, buildId, { commandKey, afterId, limit: 200 });
      for (const chunk of page) controller.enqueue(encoder.encode(chunk.text));
      if (page.length < 200) controller.close();
      else afterId = page[page.length - 1]!.id;
    },
  });
}
