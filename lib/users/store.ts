import { asc, count, eq, sql } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { users, type UserRow } from "@/db/schema";
import type { Role } from "@/lib/auth/permissions";
import { hashPassword } from "@/lib/auth/password";
import type { UserDto } from "./user-dto";

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

export async function createUser(input: {
  email: string;
  name?: string;
  password: string;
  role: Role;
}): Promise<UserDto> {
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
export async function createFirstAdmin(input: {
  email: string;
  name?: string;
  password: string;
}): Promise<UserDto | null> {
  // Anyone may post the set-up form: once an account exists it must cost no Argon2 work. The count
  // is asked again under the lock below, for two set-ups racing.
  if ((await countUsers()) > 0) return null;
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

export class LastAdminError extends Error {
  constructor() {
    super("This is the last active administrator; make someone else an administrator first.");
  }
}

// Every change that could remove an active administrator takes this lock, so two at once cannot
// both see "another administrator remains" and together leave none.
const LAST_ADMIN_LOCK = 727003;

/**
 * Applies `changes` to one user unless that would leave no active administrator, in one
 * transaction under the last-administrator lock. Returns the row before and after, or null when
 * the user does not exist. The one place the rule lives: the Users page and the CLI both call it.
 */
async function updateKeepingAnAdmin(
  id: string,
  changes: { role?: Role; disabled?: boolean },
): Promise<{ before: UserRow; after: UserRow } | null> {
  return getDb().transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LAST_ADMIN_LOCK})`);
    const [before] = await tx.select().from(users).where(eq(users.id, id)).for("update");
    if (!before) return null;
    const staysActiveAdmin =
      (changes.role ?? before.role) === "admin" && !(changes.disabled ?? before.disabledAt !== null);
    if (before.role === "admin" && !before.disabledAt && !staysActiveAdmin) {
      const [others] = await tx
        .select({ value: count() })
        .from(users)
        .where(sql`${users.role} = 'admin' and ${users.disabledAt} is null and ${users.id} <> ${id}`);
      if ((others?.value ?? 0) === 0) throw new LastAdminError();
    }
    const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (changes.role) set.role = changes.role;
    if (changes.disabled !== undefined) {
      set.disabledAt = changes.disabled ? (before.disabledAt ?? new Date()) : null;
      // Disabling ends every session at once; re-enabling must not revive them.
      if (changes.disabled && !before.disabledAt)
        set.sessionGeneration = sql`${users.sessionGeneration} + 1` as unknown as number;
    }
    const [after] = await tx.update(users).set(set).where(eq(users.id, id)).returning();
    return { before, after: after! };
  });
}

/** Throws LastAdminError when this would demote the last active administrator. */
export async function setUserRole(
  id: string,
  role: Role,
): Promise<{ before: UserDto; after: UserDto } | null> {
  const result = await updateKeepingAnAdmin(id, { role });
  return result && { before: toUserDto(result.before), after: toUserDto(result.after) };
}

/** Throws LastAdminError when this would disable the last active administrator. Disabling ends the user's sessions. */
export async function setUserDisabled(id: string, disabled: boolean): Promise<UserDto | null> {
  const result = await updateKeepingAnAdmin(id, { disabled });
  return result && toUserDto(result.after);
}

/** Sets a new password and ends every session of the user. */
export async function setUserPassword(id: string, password: string): Promise<UserDto | null> {
  const passwordHash = await hashPassword(password);
  const [row] = await getDb()
    .update(users)
    .set({ passwordHash, sessionGeneration: sql`${users.sessionGeneration} + 1`, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row ? toUserDto(row) : null;
}

/** "Sign out everywhere": every session issued so far stops working on its next request. */
export async function endUserSessions(id: string): Promise<UserDto | null> {
  const [row] = await getDb()
    .update(users)
    .set({ sessionGeneration: sql`${users.sessionGeneration} + 1`, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row ? toUserDto(row) : null;
}

export async function recordSignIn(id: string): Promise<void> {
  await getDb().update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, id));
}
