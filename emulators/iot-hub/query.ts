/**
 * The part of IoT Hub's query language the emulator answers: `SELECT * FROM devices`, optionally
 * `WHERE` comparisons (`=`, `!=`, `<>`) joined by `AND`, on twin paths such as `deviceId`,
 * `status`, `connectionState`, `tags.site` or `properties.reported.firmware`. Anything else is
 * refused with a clear message rather than answered wrongly.
 */
export type Condition = { path: string[]; negate: boolean; value: string | number | boolean | null };
export type ParsedQuery = { conditions: Condition[] };

export class QuerySyntaxError extends Error {}

const SELECT = /^\s*SELECT\s+\*\s+FROM\s+devices(?:\s+WHERE\s+(.+?))?\s*$/is;
const CONDITION =
  /^\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*(=|!=|<>)\s*('(?:[^']|'')*'|"(?:[^"])*"|-?\d+(?:\.\d+)?|true|false|null)\s*$/i;

function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote !== null) {
      current += char;
      if (char === quote) quote = null;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      current += char;
      continue;
    }
    if (/\s/.test(char) && /^\s+AND\s+/i.test(text.slice(index))) {
      const match = /^\s+AND\s+/i.exec(text.slice(index))!;
      parts.push(current);
      current = "";
      index += match[0].length - 1;
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

function literal(text: string): string | number | boolean | null {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (text.startsWith('"')) return text.slice(1, -1);
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  return Number(text);
}

export function parseQuery(text: string): ParsedQuery {
  const match = SELECT.exec(text);
  if (!match)
    throw new QuerySyntaxError(
      "The emulator answers SELECT * FROM devices [WHERE path = value [AND …]] only",
    );
  if (match[1] === undefined) return { conditions: [] };
  const conditions = splitAnd(match[1]).map((part) => {
    const condition = CONDITION.exec(part);
    if (!condition) throw new QuerySyntaxError(`Cannot read the condition "${part.trim()}"`);
    return {
      path: condition[1]!.split("."),
      negate: condition[2] !== "=",
      value: literal(condition[3]!),
    };
  });
  return { conditions };
}

function lookup(document: unknown, path: string[]): unknown {
  let current: unknown = document;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    const entry = Object.entries(current as Record<string, unknown>).find(
      ([name]) => name.toLowerCase() === key.toLowerCase(),
    );
    current = entry?.[1];
  }
  return current;
}

export function matches(query: ParsedQuery, twin: unknown): boolean {
  return query.conditions.every((condition) => {
    const actual = lookup(twin, condition.path);
    const equal =
      typeof actual === "string" && typeof condition.value === "string"
        ? actual === condition.value
        : (actual ?? null) === condition.value;
    return condition.negate ? !equal : equal;
  });
}
