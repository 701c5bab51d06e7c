import { countUsers, createFirstAdmin } from "@/lib/users/store";
import { recordAudit } from "@/lib/audit/record";
import { emailSchema, passwordSchema } from "@/lib/validation/user";
import type { Env } from "@/lib/env";

/** First run: HIC_ADMIN_EMAIL and HIC_ADMIN_PASSWORD create the administrator instead of the browser step. */
export async function bootstrapAdminFromEnv(
  env: Pick<Env, "HIC_ADMIN_EMAIL" | "HIC_ADMIN_PASSWORD">,
  log: (line: string) => void,
): Promise<"created" | "skipped" | "needs-setup"> {
  if ((await countUsers()) > 0) return "skipped";
  if (!env.HIC_ADMIN_EMAIL || !env.HIC_ADMIN_PASSWORD) return "needs-setup";
  const email = emailSchema.safeParse(env.HIC_ADMIN_EMAIL);
  const password = passwordSchema.safeParse(env.HIC_ADMIN_PASSWORD);
  if (!email.success) throw new Error(`HIC_ADMIN_EMAIL: ${email.error.issues[0]?.message}`);
  if (!password.success) throw new Error(`HIC_ADMIN_PASSWORD: ${password.error.issues[0]?.message}`);
  const user = await createFirstAdmin({ email: email.data, password: password.data });
  if (!user) return "skipped";
  await recordAudit({
    actor: user,
    action: "setup.first-admin",
    target: user.email,
    outcome: "success",
    detail: { via: "environment" },
  });
  log(`Created the administrator ${user.email} from HIC_ADMIN_EMAIL / HIC_ADMIN_PASSWORD.`);
  return "created";
}
