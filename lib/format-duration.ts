/** "about 3 min 20 s" style durations for confirmations and ETAs. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 1) return "under a second";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return rest ? `${m} min ${rest} s` : `${m} min`;
  return `${rest} s`;
}
