/** A CSV download streamed from `chunks` (pulled as the client reads, so a million rows stay in flat memory). */
export function csvResponse(chunks: AsyncGenerator<string>, fileNamePrefix: string): Response {
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
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(body, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${fileNamePrefix}-${stamp}.csv"`, "Cache-Control": "no-store" },
  });
}
