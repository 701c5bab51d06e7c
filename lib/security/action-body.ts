/**
 * A server action's arguments arrive encoded by React (`encodeReply`): JSON in which a string that
 * starts with "$" is a reference to something else in the body. React's decoder throws on a
 * reference that leads nowhere, and Next.js answers that with a 500. The app's own client only
 * ever sends plain values, so anything else is a tampered request and gets a 400 before it reaches
 * the decoder.
 *
 * Plain values as React writes them: "$$…" (a string that starts with $), "$undefined", "$-0",
 * "$NaN", "$Infinity", "$-Infinity", "$n123" (a BigInt), "$D2026-…" (a Date). In a multipart body
 * (a form's FormData) "$K<n>" refers to the form's fields, sent with the prefix "<n>_" (none for a
 * form without inputs, such as Sign out).
 */
const PLAIN_VALUE = /^\$(\$|undefined$|-0$|NaN$|-?Infinity$|n-?\d+$|D\d{4}-\d\d-\d\dT[\d:.]+Z$)/;
const FORM_DATA_REFERENCE = /^\$K(\d+)$/;

function referencesAreSafe(value: unknown, formData: boolean, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === "string") {
    if (!value.startsWith("$")) return true;
    return PLAIN_VALUE.test(value) || (formData && FORM_DATA_REFERENCE.test(value));
  }
  if (Array.isArray(value)) return value.every((item) => referencesAreSafe(item, formData, depth + 1));
  if (value && typeof value === "object")
    return Object.values(value).every((item) => referencesAreSafe(item, formData, depth + 1));
  return true;
}

function argumentsAreSafe(json: string, formData: boolean): boolean {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return false;
  }
  return Array.isArray(value) && referencesAreSafe(value, formData);
}

/** True when the body is something the app's own pages could have sent to a server action. */
export async function isWellFormedActionBody(request: Request): Promise<boolean> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return false;
    }
    const keys = [...form.keys()];
    const root = form.get("0");
    // A form posted without JavaScript carries only its fields (Next.js reads the action from them).
    if (root === null) return keys.every((key) => !/^\d+$/.test(key));
    if (typeof root !== "string") return false;
    // Other numbered fields would be chunks the root refers to; the app never sends any.
    if (keys.some((key) => /^\d+$/.test(key) && key !== "0")) return false;
    return argumentsAreSafe(root, true);
  }
  return argumentsAreSafe(await request.text(), false);
}
