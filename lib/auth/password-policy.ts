/** Shared by the browser forms and the server, so it must not import the native hasher. */
export const MIN_PASSWORD_LENGTH = 12;
