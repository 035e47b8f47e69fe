import type { FiguresBucket } from '../../db/delivery-figures.js';

// The figures page's GET form: window, bucket, service, environment. Anything else in a field is a
// 400 page naming the field, never a guess.

export const WINDOWS = { '7d': 7, '30d': 30, '90d': 90 } as const;
export type WindowName = keyof typeof WINDOWS;

export interface FiguresForm {
  window: WindowName;
  /** Chosen, or the window's usual bucket (days up to 30 days, weeks beyond). */
  bucket: FiguresBucket;
  bucketChosen: boolean;
  service: string | null;
  environment: string | null;
}

export type FormResult = { ok: true; form: FiguresForm } | { ok: false; field: string; message: string };

const MAX_NAME = 200;

function name(field: string, value: string | undefined): string | null | { error: string } {
  if (value === undefined || value === '') return null;
  if (value.length > MAX_NAME) return { error: `${field}: at most ${MAX_NAME} characters` };
  return value;
}

export function parseFiguresForm(query: Record<string, string | undefined>): FormResult {
  const window = query.window || '7d';
  if (!Object.hasOwn(WINDOWS, window))
    return { ok: false, field: 'window', message: `window: one of ${Object.keys(WINDOWS).join(', ')}` };
  const bucketValue = query.bucket || '';
  if (bucketValue !== '' && bucketValue !== 'day' && bucketValue !== 'week')
    return { ok: false, field: 'bucket', message: 'bucket: day or week (or empty for the usual one)' };
  const service = name('service', query.service);
  if (typeof service === 'object' && service !== null) return { ok: false, field: 'service', message: service.error };
  const environment = name('environment', query.environment);
  if (typeof environment === 'object' && environment !== null)
    return { ok: false, field: 'environment', message: environment.error };
  const days = WINDOWS[window as WindowName];
  return {
    ok: true,
    form: {
      window: window as WindowName,
      bucket: bucketValue || (days > 30 ? 'week' : 'day'),
      bucketChosen: bucketValue !== '',
      service,
      environment,
    },
  };
}
