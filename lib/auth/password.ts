import { hash, verify } from "@node-rs/argon2";
import { PasswordCheckBusyError, withArgon2Slot } from "./argon2-gate";

// OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane. The PHC string records them, so raising
// them later still verifies old hashes.
const ARGON2_OPTIONS = {
  algorithm: 2 /* Argon2id; the package exports it only as a const enum */,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return withArgon2Slot(() => hash(password, ARGON2_OPTIONS));
}

export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await withArgon2Slot(() => verify(phc, password));
  } catch (error) {
    if (error instanceof PasswordCheckBusyError) throw error;
    return false;
  }
}

// Verifying against a real hash when the account does not exist keeps the response time the same,
// so timing does not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword("not-a-real-password-for-timing");
  await verifyPassword(await dummyHash, password);
}
