import { asc, count, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users, type UserRow } from "@/db/schema";
import type { Role } from "@/lib/auth/permissions";
import { hashPassword } from "@/lib/auth/password";

/** What the app shows of an account: never the password hash. */
export type UserDto = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  lastSignInAt: string | null;
  createdAt: string;
};

export function toUserDto(row: UserRow): UserDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabledAt !== null,
    lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export class DuplicateEmailError extends Error {
  constructor(email: string) {
    super(`A user with the email ${email} already exists.`);
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code === "23505" || e?.cause?.code === "23505";
}

export async function createUser(input: { email: string; name?: string; password: string; role: Role }): Promise<UserDto> {
  const passwordHash = await hashPassword(input.password);
  try {
    const [row] = await getDb()
      .insert(users)
      .values({ email: input.email.toLowerCase(), name: input.name ?? null, passwordHash, role: input.role })
      .returning();
    return toUserDto(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateEmailError(input.email);
    throw error;
  }
}

/**
 * Creates the first administrator only while no account exists. The advisory lock makes two
 * simultaneous first-run submissions produce one administrator, not two.
 */
export async function createFirstAdmin(input: { email: string; name?: string; password: string }): Promise<UserDto | null> {
  const passwordHash = await hashPassword(input.password);
  return getDb().transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(727002)`);
    const [{ value }] = (await tx.select({ value: count() }).from(users)) as [{ value: number }];
    if (value > 0) return null;
    const [row] = await tx
      .insert(users)
      .values({ email: input.email.toLowerCase(), name: input.name ?? null, passwordHash, role: "admin" })
      .returning();
    return toUserDto(row!);
  });
}

export async function countUsers(): Promise<number> {
  const [row] = await getDb().select({ value: count() }).from(users);
  return row?.value ?? 0;
}

export async function findUserByEmail(email: string): Promise<UserRow | undefined> {
  const [row] = await getDb()
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()));
  return row;
}

export async function findUserById(id: string): Promise<UserRow | undefined> {
  const [row] = await getDb().select().from(users).where(eq(users.id, id));
  return row;
}

export async function listUsers(): Promise<UserDto[]> {
  const rows = await getDb().select().from(users).orderBy(asc(users.email));
  return rows.map(toUserDto);
}

export async function setUserRole(id: string, role: Role): Promise<UserDto | null> {
  const [row] = await getDb().update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, id)).returning();
  return row ? toUserDto(row) : null;
}

export async function setUserDisabled(id: string, disabled: boolean): Promise<UserDto | null> {
  const [row] = await getDb()
    .update(users)
    .set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row ? toUserDto(row) : null;
}

export async function recordSignIn(id: string): Promise<void> {
  await getDb().update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, id));
}

/** Counts the administrators who could still sign in, so the last one cannot be demoted or disabled. */
export async function countActiveAdmins(): Promise<number> {
  const [row] = await getDb()
    .select({ value: count() })
    .from(users)
    .where(sql`${users.role} = 'admin' and ${users.disabledAt} is null`);
  return row?.value ?? 0;
}
