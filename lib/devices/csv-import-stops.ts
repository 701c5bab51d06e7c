/** Why an import stopped before the end of its file, and what it tells the person who uploaded it. */
export type ImportStopReason =
  | "too-large"
  | "client-gone"
  | "server-stopping"
  | "too-many-rows"
  | "line-too-long"
  | "upload-incomplete"
  | "upload-stalled";

/** The file cannot be imported at all (nothing was added). */
export class ImportFormatError extends Error {}

/** The upload stopped before the end of the file. */
export class ImportStopped extends Error {
  constructor(
    readonly reason: ImportStopReason,
    message: string,
  ) {
    super(message);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toLocaleString("en", { maximumFractionDigits: 1 })} MiB`;
}

export function tooLargeMessage(maxBytes: number, announced?: number): string {
  const size = announced ? `The file is ${mib(announced)}; the` : "The";
  return `${size} largest upload accepted is ${mib(maxBytes)} (HIC_IMPORT_MAX_BYTES). Split the file into smaller ones and import each.`;
}

export function lineTooLong(line: number, maxBytes: number): ImportStopped {
  return new ImportStopped(
    "line-too-long",
    `Line ${line.toLocaleString("en")} is longer than ${maxBytes / 1024} KiB, which no device line is (registrationId,name,payload). Is this the right file?`,
  );
}

/** A quote that opens a field and never closes swallows the rest of the file into one record. */
export function quoteNeverClosed(line: number, maxBytes: number): ImportStopped {
  return new ImportStopped(
    "line-too-long",
    `The quote (") opened on line ${line.toLocaleString("en")} is never closed, so the rest of the file would be one field longer than ${maxBytes / 1024} KiB. Close the quote or remove it, then import again.`,
  );
}

/** Why reading stopped, from whatever the upload threw or the signal said. */
export function stopFrom(error: unknown, signal: AbortSignal | undefined): ImportStopped {
  if (error instanceof ImportStopped) return error;
  if (signal?.aborted) {
    const reason = signal.reason as { message?: string } | undefined;
    if (reason?.message?.includes("server stopping")) {
      return new ImportStopped(
        "server-stopping",
        "The server is stopping, so the upload was cut short. Import the rest of the file once it is back.",
      );
    }
  }
  return new ImportStopped(
    "client-gone",
    "The upload was cut short: the connection to the browser ended before the whole file arrived.",
  );
}
