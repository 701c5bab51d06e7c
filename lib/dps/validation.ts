import { z } from "zod";
import { canonicalBase64ByteLength, type Checked } from "@/lib/validation/checked";

/**
 * Input rules for a DPS connection and a device, shared by forms (zod schemas) and server code
 * (plain checks). No Node built-ins here: the schemas also run in the browser.
 */

export { canonicalBase64ByteLength, type Checked } from "@/lib/validation/checked";

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (message: string): Checked<never> => ({ ok: false, message });

export const REGISTRATION_ID_MAX_LENGTH = 128;
export const GROUP_KEY_MIN_BYTES = 16;
export const GROUP_KEY_MAX_BYTES = 64;

export function validateIdScope(input: string): Checked<string> {
  const value = input.trim();
  if (value === "") return fail("ID Scope is required.");
  if (!/^[A-Za-z0-9]+$/.test(value)) return fail("ID Scope may contain only letters and digits.");
  return ok(value);
}

/** Every ID Scope seen so far is `0ne` + 8 hex digits; anything else is allowed but worth a second look. */
export function looksLikeUsualIdScope(idScope: string): boolean {
  return /^0ne[0-9a-f]{8}$/i.test(idScope.trim());
}

function describeChar(char: string): string {
  return char === " " ? "a space" : `"${char}"`;
}

/**
 * The documented DPS rule: up to 128 letters, digits and `- . _ :`, ending in a letter, digit or `-`.
 * The first character is deliberately unconstrained because the docs do not constrain it.
 */
export function validateRegistrationId(input: string): Checked<string> {
  const value = input.trim();
  if (value === "") return fail("Registration ID is required.");
  if (value.length > REGISTRATION_ID_MAX_LENGTH) {
    return fail(
      `Registration ID must be at most ${REGISTRATION_ID_MAX_LENGTH} characters (it has ${value.length}).`,
    );
  }
  const badChar = /[^A-Za-z0-9\-._:]/.exec(value)?.[0];
  if (badChar !== undefined) {
    return fail(
      `Registration ID may contain only letters, digits and - . _ : (found ${describeChar(badChar)}).`,
    );
  }
  if (!/[A-Za-z0-9-]$/.test(value)) return fail("Registration ID must end with a letter, a digit or -.");
  return ok(value);
}

export function validateGroupKey(input: string, label = "Group key"): Checked<string> {
  const value = input.trim();
  if (value === "") return fail(`${label} is required.`);
  const bytes = canonicalBase64ByteLength(value);
  if (bytes === null) {
    return fail(
      `${label} must be standard base64 (A–Z, a–z, 0–9, + and /, padded with =), as shown in the Azure portal.`,
    );
  }
  if (bytes < GROUP_KEY_MIN_BYTES || bytes > GROUP_KEY_MAX_BYTES) {
    return fail(
      `${label} must decode to ${GROUP_KEY_MIN_BYTES}–${GROUP_KEY_MAX_BYTES} bytes (it decodes to ${bytes}).`,
    );
  }
  return ok(value);
}

const HOSTNAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function validateHostAndPort(authority: string): Checked<string> {
  if (authority === "") return fail("DPS host is required.");
  if (authority.includes("@")) return fail("DPS host must not contain a user name or password.");
  if (authority.includes("/")) return fail("Enter only the DPS host name, without a path.");
  if (authority.includes("?")) return fail("Enter only the DPS host name, without a query string.");
  if (authority.includes("#")) return fail("Enter only the DPS host name, without a fragment.");
  const colon = authority.indexOf(":");
  const hostname = (colon === -1 ? authority : authority.slice(0, colon)).toLowerCase();
  const portText = colon === -1 ? null : authority.slice(colon + 1);
  if (hostname === "") return fail("DPS host is missing a host name.");
  const labels = hostname.split(".");
  if (hostname.length > 253 || !labels.every((label) => HOSTNAME_LABEL.test(label))) {
    return fail(
      "DPS host must be a host name such as global.azure-devices-provisioning.net (letters, digits, - and dots).",
    );
  }
  if (portText === null) return ok(hostname);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return fail("DPS host port must be a number from 1 to 65535.");
  }
  return ok(`${hostname}:${Number(portText)}`);
}

/**
 * Accepts `host` or `host:port` and returns it lower-cased. A pasted `https://host/` is forgiven
 * because that is how the portal shows it; any other scheme, path or query is refused, since the
 * client always speaks HTTPS to the fixed DPS paths.
 */
export function validateDpsHost(input: string): Checked<string> {
  let value = input.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (scheme) {
    const name = scheme[1]?.toLowerCase();
    if (name === "http") return fail("DPS only accepts HTTPS: enter the host name without http://.");
    if (name !== "https") return fail("Enter only the DPS host name, without a scheme such as https://.");
    value = value.slice(scheme[0].length);
    if (value.endsWith("/") && value.indexOf("/") === value.length - 1) value = value.slice(0, -1);
  }
  return validateHostAndPort(value);
}

/** A zod schema for a string field checked (and normalised) by one of the checks above. */
export function schemaFor(check: (input: string) => Checked<string>, requiredMessage: string) {
  return z
    .string({ error: requiredMessage })
    .trim()
    .transform((input, ctx) => {
      const result = check(input);
      if (result.ok) return result.value;
      ctx.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    });
}

export const idScopeSchema = schemaFor(validateIdScope, "ID Scope is required.");
export const registrationIdSchema = schemaFor(validateRegistrationId, "Registration ID is required.");
export const groupKeySchema = schemaFor((input) => validateGroupKey(input), "Group key is required.");
export const dpsHostSchema = schemaFor(validateDpsHost, "DPS host is required.");

/** A key field where blank means "none" (or "keep the stored one"), as forms send an empty string. */
export function optionalGroupKey(label: string) {
  return z
    .string()
    .optional()
    .transform((input, ctx) => {
      if (input === undefined || input.trim() === "") return undefined;
      const result = validateGroupKey(input, label);
      if (result.ok) return result.value;
      ctx.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    });
}

export const optionalGroupKeySchema = optionalGroupKey("Secondary group key");

export const dpsConnectionSchema = z.object({
  idScope: idScopeSchema,
  host: dpsHostSchema,
});

export const groupKeysSchema = z.object({
  primary: groupKeySchema,
  secondary: optionalGroupKeySchema,
});
