// How the figures page writes durations and rates: short, and rounded to what a person compares.

/** 45 s, 12 min, 1 h 5 min, 2 d 3 h. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** A share as a whole percentage: 0.3333 → 33 %. */
export function formatRate(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}

/** What a missing figure shows: nothing was there to measure. */
export const NO_FIGURE = '–';
