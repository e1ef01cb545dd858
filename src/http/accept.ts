// Content negotiation the API shares: routes that answer JSON by default and CSV when asked.

/** True when the Accept header ranks text/csv at least as high as JSON (JSON is the default). */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const quality = { csv: 0, json: 0 };
  for (const range of accept.toLowerCase().split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim());
    const q = params.find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    if (Number.isNaN(value)) continue;
    if (type === 'text/csv') quality.csv = Math.max(quality.csv, value);
    if (type === 'application/json') quality.json = Math.max(quality.json, value);
  }
  return quality.csv > 0 && quality.csv >= quality.json;
}
