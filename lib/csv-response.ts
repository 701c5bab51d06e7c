/** A CSV download named `fileName`, streamed from `chunks` (pulled as the client reads, so a million rows stay in flat memory). */
export function csvDownload(chunks: AsyncGenerator<string>, fileName: string): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fileName}"`,
      "Cache-Control": "no-store",
    },
  });
}

/** A CSV export named by its prefix and the moment it was taken. */
export function csvResponse(chunks: AsyncGenerator<string>, fileNamePrefix: string): Response {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return csvDownload(chunks, `${fileNamePrefix}-${stamp}.csv`);
}
