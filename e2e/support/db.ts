import type pg from "pg";
import { queryOn } from "@/tests/support/query-on";
import { hashPassword } from "@/lib/auth/password";
import type { Role } from "@/lib/auth/permissions";

/** Direct access to the app's database, to set up accounts quickly and to prove what did or did not change. */
export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return queryOn<T>(process.env.E2E_DATABASE_URL, text, params);
}

export async function ensureUser(email: string, password: string, role: Role): Promise<void> {
  const hash = await hashPassword(password);
  await sql(
    `insert into users (email, password_hash, role) values ($1, $2, $3)
     on conflict ((lower(email))) do update set password_hash = excluded.password_hash, role = excluded.role, disabled_at = null`,
    [email, hash, role],
  );
}
