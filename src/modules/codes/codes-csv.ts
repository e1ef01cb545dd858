// Codes as CSV, `code` column first: the API's text/csv answer and the CLI's streamed export.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { GeneratedBatch, GeneratedChunk } from './codes.service.ts';

export const CODES_CSV_HEADER = 'code,campaign_id,batch_id\n';

/** Quotes a field only when it needs it (RFC 4180). Codes and ids never do, but ids come from the database. */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function codesCsvRows(batch: GeneratedBatch): string {
  const suffix = `,${csvField(batch.campaignId)},${csvField(batch.batchId)}\n`;
  let text = '';
  for (const code of batch.codes) text += code + suffix;
  return text;
}

export const codesCsv = (batch: GeneratedBatch): string => CODES_CSV_HEADER + codesCsvRows(batch);

/**
 * Writes a streamed batch to `output` chunk by chunk, waiting for the output to drain, so memory holds
 * one chunk at a time whatever the count. Nothing is written before the first chunk is stored.
 */
export async function writeCodesCsv(
  chunks: AsyncIterable<GeneratedChunk>,
  output: Writable,
  onProgress?: (generated: number, total: number) => void,
): Promise<{ batchId: string; count: number }> {
  let batchId = '';
  let count = 0;
  let failure: Error | undefined;
  const onError = (error: Error) => { failure ??= error; };
  output.on('error', onError);
  try {
    for await (const chunk of chunks) {
      const text = (count === 0 ? CODES_CSV_HEADER : '') + codesCsvRows(chunk);
      if (failure) throw failure;
      if (output.destroyed || output.writableEnded) throw new Error('the output was closed before every code was written');
      if (!output.write(text)) await once(output, 'drain');
      batchId = chunk.batchId;
      count = chunk.generated;
      onProgress?.(chunk.generated, chunk.total);
    }
    if (failure) throw failure;
    return { batchId, count };
  } finally {
    output.off('error', onError);
  }
}
