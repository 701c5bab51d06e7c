import { describe, expect, it } from "vitest";
import {
  DATABASE_UNAVAILABLE_DIGEST,
  DatabaseUnavailableError,
  isDatabaseUnreachable,
} from "./connection-errors";

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("telling a database that is away from other database errors", () => {
  it("recognises refused connections, cut connections and a server starting or stopping, also wrapped as a cause", () => {
    expect(isDatabaseUnreachable(withCode("ECONNREFUSED"))).toBe(true);
    expect(
      isDatabaseUnreachable(withCode("57P01", "terminating connection due to administrator command")),
    ).toBe(true);
    expect(isDatabaseUnreachable(withCode("57P03", "the database system is starting up"))).toBe(true);
    expect(isDatabaseUnreachable(withCode("08006"))).toBe(true);
    expect(isDatabaseUnreachable(new Error("Connection terminated unexpectedly"))).toBe(true);
    // drizzle wraps pg's error; net.connect to "localhost" reports every address it tried.
    expect(
      isDatabaseUnreachable(new Error("Failed query: select 1", { cause: withCode("ECONNREFUSED") })),
    ).toBe(true);
    expect(
      isDatabaseUnreachable(
        Object.assign(new AggregateError([withCode("ECONNREFUSED")]), { code: undefined }),
      ),
    ).toBe(true);
  });

  it("leaves query errors alone: they are bugs or refusals, not outages", () => {
    expect(isDatabaseUnreachable(withCode("23505", "duplicate key value violates unique constraint"))).toBe(
      false,
    );
    expect(isDatabaseUnreachable(withCode("42P01", 'relation "x" does not exist'))).toBe(false);
    expect(isDatabaseUnreachable(new Error("Failed query: select 1", { cause: withCode("22P02") }))).toBe(
      false,
    );
    expect(isDatabaseUnreachable(null)).toBe(false);
  });

  it("carries a digest of its own, which Next.js passes to the error page instead of the message", () => {
    expect(new DatabaseUnavailableError().digest).toBe(DATABASE_UNAVAILABLE_DIGEST);
  });
});
