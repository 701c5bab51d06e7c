/**
 * Every audited user intent, named once. The same name is recorded whether the attempt succeeded,
 * failed or was refused, so the audit log reads "who tried to do what" and filters by intent.
 */
export const AUDIT_ACTIONS = [
  "setup.first-admin",
  "auth.sign-in",
  "auth.sign-out",
  "auth.confirm-password",
  "user.create",
  "user.set-role",
  "user.disable",
  "user.enable",
  "user.unlock",
  "user.change-password",
  "user.set-password",
  "user.end-sessions",
  "device.add",
  "device.remove",
  "devices.remove",
  "device.reprovision",
  "device.retry",
  "device.check-hub",
  "devices.reprovision",
  "devices.import",
  "provisioning.pause",
  "provisioning.resume",
  "integration.connect",
  "integration.update",
  "integration.test",
  "integration.disconnect",
  "hub-credential.save",
  "hub-credential.remove",
  "registrations.reconcile",
  "registration.delete",
  "secrets.rotate",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
