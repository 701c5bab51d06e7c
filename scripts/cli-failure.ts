/**
 * How a command-line script ends on an error: a mistake in how it was called (its own usage
 * errors, Node's argument parser's) exits 2, anything else 1; either way one line, never a stack.
 */
type ErrorClass = abstract new (...args: never[]) => Error;

export function exitOnFailure(
  error: unknown,
  usageErrors: readonly ErrorClass[],
  explain: (error: unknown) => string | null = () => null,
): never {
  if (
    usageErrors.some((kind) => error instanceof kind) ||
    (error as { code?: string })?.code?.startsWith("ERR_PARSE_ARGS")
  ) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(2);
  }
  console.error(explain(error) ?? `error: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
}
