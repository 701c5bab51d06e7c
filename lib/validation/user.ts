import { z } from "zod";
import { ROLES } from "@/lib/auth/permissions";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password-policy";

export const emailSchema = z
  .string()
  .trim()
  .min(1, "Enter an email address.")
  .max(254, "An email address has at most 254 characters.")
  .pipe(z.email("Enter a valid email address, like name@example.com."))
  .transform((value) => value.toLowerCase());

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(256, "Use at most 256 characters.");

export const roleSchema = z.enum(ROLES, { error: "Choose a role: admin, operator or support." });

export const newUserSchema = z.object({
  email: emailSchema,
  name: z
    .string()
    .trim()
    .max(120, "Use at most 120 characters.")
    // Control characters (NUL above all, which PostgreSQL cannot store) have no place in a name.
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "Use letters, digits, spaces and punctuation only.")
    .optional()
    .transform((v) => v || undefined),
  password: passwordSchema,
  role: roleSchema,
});
export type NewUserInput = z.input<typeof newUserSchema>;

export const firstAdminSchema = newUserSchema
  .omit({ role: true })
  .extend({ confirmPassword: z.string() })
  .refine((v) => v.password === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "The passwords do not match.",
  });

export const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, "Enter your password.").max(256),
});

export const setRoleSchema = z.object({ userId: z.uuid(), role: roleSchema });
export const userIdSchema = z.object({ userId: z.uuid() });

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password.").max(256),
    newPassword: passwordSchema,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "The passwords do not match.",
  })
  .refine((v) => v.newPassword !== v.currentPassword, {
    path: ["newPassword"],
    message: "Choose a password different from the current one.",
  });
export type ChangePasswordInput = z.input<typeof changePasswordSchema>;
