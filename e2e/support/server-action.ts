import type { APIRequestContext, Page } from "@playwright/test";

/**
 * Captures the id of the server action a page calls, so a test can replay the same call by hand
 * as another user: the server, not the hidden button, must refuse it.
 */
export async function captureServerActionId(page: Page, trigger: () => Promise<void>): Promise<string> {
  const request = page.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"]));
  await trigger();
  return (await request).headers()["next-action"]!;
}

export async function postServerAction(
  request: APIRequestContext,
  path: string,
  actionId: string,
  args: unknown[],
): Promise<string> {
  const response = await request.post(path, {
    headers: {
      "Next-Action": actionId,
      "Content-Type": "text/plain;charset=UTF-8",
      Accept: "text/x-component",
    },
    data: JSON.stringify(args),
  });
  return response.text();
}
