import { randomUUID } from "node:crypto";
import { ensureUser, sql } from "../support/db";
import { ADMIN, OPERATOR, SUPPORT } from "../support/accounts";
import { CALLERS, type Caller, type Context } from "./expectations";
import { signIn, type Session } from "./http";

export const PASSWORD = "adversarial-password-1";

/**
 * The suite's own accounts (one per role), a victim user and a victim device for the actions to
 * aim at, so nothing the other end-to-end flows rely on is touched.
 */
export async function setUpFixture(run: string): Promise<{
  ctx: Context;
  sessions: Map<Caller, Session | null>;
  relogin: (caller: Caller) => Promise<void>;
  cleanUp: () => Promise<void>;
}> {
  const [{ now: started }] = (await sql<{ now: Date }>("select now()")) as [{ now: Date }];
  // The suite runs after the other flows: whatever they left connected, nothing here may reach a real DPS call.
  await sql("update integrations set primary_key_ciphertext = null, secondary_key_ciphertext = null");
  const emails: Record<Exclude<Caller, "anonymous">, string> = {
    support: `adv-support-${run}@example.com`,
    operator: `adv-operator-${run}@example.com`,
    admin: `adv-admin-${run}@example.com`,
  };
  for (const [role, email] of Object.entries(emails))
    await ensureUser(email, PASSWORD, role as keyof typeof emails);
  const victim = `adv-victim-${run}@example.com`;
  await ensureUser(victim, PASSWORD, "support");
  const [user] = await sql<{ id: string }>("select id from users where email = $1", [victim]);
  const [device] = await sql<{ id: string }>(
    "insert into devices (registration_id, created_by_email) values ($1, 'adversarial') returning id",
    [`adv-victim-${run}`],
  );
  const [report] = await sql<{ id: string }>(
    "insert into device_imports (created_by_email, file_name, status, total, added, duplicates, refused, finished_at) values ('adversarial', 'victim.csv', 'complete', 0, 0, 0, 0, now()) returning id",
  );
  let seq = 0;
  const ctx: Context = {
    run,
    next: () => ++seq,
    victimUserId: user!.id,
    victimDeviceId: Number(device!.id),
    victimImportId: Number(report!.id),
  };
  const sessions = new Map<Caller, Session | null>();
  const relogin = async (caller: Caller) => {
    sessions.set(caller, caller === "anonymous" ? null : await signIn(emails[caller], PASSWORD));
  };
  for (const caller of CALLERS) await relogin(caller);
  const cleanUp = async () => {
    await sql("delete from sign_in_throttle");
    // Whatever the allowed calls and the fuzzer did must not leak into the other flows.
    await sql("update provisioning_control set paused = false");
    await sql("delete from devices where created_at >= $1 or registration_id like 'adv-%'", [started]);
    await sql("delete from device_imports where created_at >= $1", [started]);
    await sql(
      "delete from users where (created_at >= $1 or email like 'adv-%') and email <> all($2::text[])",
      [started, [ADMIN.email, OPERATOR.email, SUPPORT.email]],
    );
  };
  return { ctx, sessions, relogin, cleanUp };
}

export const runId = () => randomUUID().slice(0, 8);
