import { execFileSync, spawnSync } from "node:child_process";

/** The operating-system account the embedded server runs as: `null` = this process's own user. */
export type PostgresAccount = { name: string; uid: number; gid: number } | null;

const ACCOUNT = "postgres";

function idOf(flag: "-u" | "-g"): number | null {
  try {
    return Number(
      execFileSync("id", [flag, ACCOUNT], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(),
    );
  } catch {
    return null;
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` account,
 * created on first use when the system has none. Anyone else runs it as themselves.
 */
export function postgresAccount(): PostgresAccount {
  if (process.getuid?.() !== 0) return null;
  let uid = idOf("-u");
  if (uid === null) {
    for (const [command, args] of [
      ["groupadd", ["--system", ACCOUNT]],
      [
        "useradd",
        ["--system", "--gid", ACCOUNT, "--no-create-home", "--shell", "/usr/sbin/nologin", ACCOUNT],
      ],
    ] as const) {
      const result = spawnSync(command, args, { encoding: "utf8" });
      if (result.status !== 0 && !(command === "groupadd" && result.status === 9)) {
        throw new Error(
          `Embedded PostgreSQL cannot run as root and the "${ACCOUNT}" account could not be created (${command}: ${(result.stderr || result.error?.message || "").trim()}); create it, or set DATABASE_URL to a PostgreSQL server you run.`,
        );
      }
    }
    uid = idOf("-u");
  }
  const gid = idOf("-g");
  if (uid === null || gid === null)
    throw new Error(
      `The "${ACCOUNT}" account has no user or group id; set DATABASE_URL to a PostgreSQL server you run.`,
    );
  return { name: ACCOUNT, uid, gid };
}

/**
 * Whether the account can really do this, asked the way the server itself will be started (a
 * child process under that uid and gid, without supplementary groups), not guessed from modes:
 * `test -x` on a directory means every directory on the way to it can be searched.
 */
export function accountCan(account: PostgresAccount, test: "-x" | "-r" | "-w", target: string): boolean {
  const result = spawnSync(
    "test",
    [test, target],
    account ? { uid: account.uid, gid: account.gid, stdio: "ignore" } : { stdio: "ignore" },
  );
  return result.status === 0;
}

/** Whether the account can execute this program (loading its libraries), by running `program --version`. */
export function accountCanRun(account: PostgresAccount, program: string): boolean {
  const result = spawnSync(
    program,
    ["--version"],
    account
      ? { uid: account.uid, gid: account.gid, stdio: "ignore", timeout: 15_000 }
      : { stdio: "ignore", timeout: 15_000 },
  );
  return result.status === 0;
}
