/**
 * User administration from the command line:
 *   npm run user:add -- --email E --password P --role admin|operator|support [--name N]
 *   npm run user:list
 *   npm run user:set-role -- --email E --role R
 *   npm run user:disable -- --email E [--enable]
 *   npm run user:unlock -- --email E                 (after repeated wrong passwords)
 *   npm run user:set-password -- --email E --password P   (or --password-stdin; ends the user's sessions)
 *   npm run user:sign-out-everywhere -- --email E
 * Works against DATABASE_URL, the running app's embedded database, or starts it briefly.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { setEnv } from "@/lib/env";
import { resolveDataDir, prepareDataDir } from "@/ops/runtime/data-dir";
import { connectDatabase } from "@/ops/launcher/database";
import { closeDb } from "@/lib/database";
import {
  createUser,
  DuplicateEmailError,
  endUserSessions,
  findUserByEmail,
  LastAdminError,
  listUsers,
  setUserDisabled,
  setUserPassword,
  setUserRole,
} from "@/lib/users/store";
import { unlockAccount } from "@/lib/auth/throttle";
import { recordAudit } from "@/lib/audit/record";
import { emailSchema, newUserSchema, passwordSchema, roleSchema } from "@/lib/validation/user";
import { ROLE_LABELS } from "@/lib/auth/permissions";
import { exitOnFailure } from "./cli-failure";

class CliError extends Error {}

function fail(error: z.ZodError): never {
  throw new CliError(error.issues.map((i) => `--${String(i.path[0] ?? "value")}: ${i.message}`).join("\n"));
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async add(args) {
    const { values } = parseArgs({
      args,
      options: {
        email: { type: "string" },
        password: { type: "string" },
        role: { type: "string" },
        name: { type: "string" },
      },
    });
    const parsed = newUserSchema.safeParse(values);
    if (!parsed.success) fail(parsed.error);
    try {
      const user = await createUser(parsed.data);
      await recordAudit({
        action: "user.create",
        target: user.email,
        outcome: "success",
        detail: { role: user.role, via: "cli" },
      });
      console.log(`Created ${user.email} (${ROLE_LABELS[user.role]}).`);
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw new CliError(error.message);
      throw error;
    }
  },
  async list() {
    const users = await listUsers();
    if (users.length === 0) return console.log("No users yet.");
    for (const u of users)
      console.log(
        [
          u.email.padEnd(36),
          u.role.padEnd(9),
          u.disabled ? "disabled" : "active",
          u.lastSignInAt ?? "never signed in",
        ].join("  "),
      );
  },
  async "set-role"(args) {
    const { values } = parseArgs({ args, options: { email: { type: "string" }, role: { type: "string" } } });
    const parsed = z.object({ email: emailSchema, role: roleSchema }).safeParse(values);
    if (!parsed.success) fail(parsed.error);
    const user = await findUserByEmail(parsed.data.email);
    if (!user) throw new CliError(`No user with the email ${parsed.data.email}.`);
    await setUserRole(user.id, parsed.data.role);
    await recordAudit({
      action: "user.set-role",
      target: user.email,
      outcome: "success",
      detail: { from: user.role, to: parsed.data.role, via: "cli" },
    });
    console.log(`${user.email} is now ${ROLE_LABELS[parsed.data.role]}.`);
  },
  async disable(args) {
    const { values } = parseArgs({
      args,
      options: { email: { type: "string" }, enable: { type: "boolean" } },
    });
    const user = await userByEmail(values.email);
    const disable = !values.enable;
    await setUserDisabled(user.id, disable);
    await recordAudit({
      action: disable ? "user.disable" : "user.enable",
      target: user.email,
      outcome: "success",
      detail: { via: "cli" },
    });
    console.log(disable ? `${user.email} is disabled and signed out.` : `${user.email} is enabled again.`);
  },
  async unlock(args) {
    const { values } = parseArgs({ args, options: { email: { type: "string" } } });
    const user = await userByEmail(values.email);
    const wasLocked = await unlockAccount(user.email);
    await recordAudit({
      action: "user.unlock",
      target: user.email,
      outcome: "success",
      detail: { wasLocked, via: "cli" },
    });
    console.log(
      wasLocked
        ? `${user.email} is unlocked and can sign in again.`
        : `${user.email} was not locked; its failed sign-ins are forgotten.`,
    );
  },
  async "set-password"(args) {
    const { values } = parseArgs({
      args,
      options: {
        email: { type: "string" },
        password: { type: "string" },
        "password-stdin": { type: "boolean" },
      },
    });
    const user = await userByEmail(values.email);
    const given = values["password-stdin"] ? (await readStdin()).replace(/\r?\n$/, "") : values.password;
    if (given === undefined)
      throw new CliError("--password: give the new password, or pipe it in with --password-stdin.");
    const password = passwordSchema.safeParse(given);
    if (!password.success) throw new CliError(`--password: ${password.error.issues[0]?.message}`);
    await setUserPassword(user.id, password.data);
    await recordAudit({
      action: "user.set-password",
      target: user.email,
      outcome: "success",
      detail: { sessionsEnded: true, via: "cli" },
    });
    console.log(`${user.email} has a new password; their sessions are signed out.`);
  },
  async "sign-out-everywhere"(args) {
    const { values } = parseArgs({ args, options: { email: { type: "string" } } });
    const user = await userByEmail(values.email);
    await endUserSessions(user.id);
    await recordAudit({
      action: "user.end-sessions",
      target: user.email,
      outcome: "success",
      detail: { via: "cli" },
    });
    console.log(`${user.email} is signed out everywhere.`);
  },
};

async function userByEmail(email: string | undefined) {
  const parsed = emailSchema.safeParse(email ?? "");
  if (!parsed.success) throw new CliError(`--email: ${parsed.error.issues[0]?.message}`);
  const user = await findUserByEmail(parsed.data);
  if (!user) throw new CliError(`No user with the email ${parsed.data}.`);
  return user;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const run = command ? commands[command] : undefined;
  if (!run)
    throw new CliError(
      `Unknown command "${command ?? ""}". Use one of: ${Object.keys(commands).join(", ")}.`,
    );
  let stop = async () => {};
  try {
    const database = await connectDatabase({ dataDir: prepareDataDir(resolveDataDir()), log: () => {} });
    stop = database.stop;
    setEnv({ DATABASE_URL: database.url });
    await run(args);
  } finally {
    await closeDb();
    await stop();
  }
}

main().catch((error: unknown) => exitOnFailure(error, [CliError, LastAdminError]));
