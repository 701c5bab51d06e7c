export declare const SOURCE_ROOTS: readonly string[];
export declare function sourceHash(root: string): string;
export declare function fingerprint(purpose: string, secret: string): string;
export declare function buildIdFor(root: string, actionsKey: string | undefined): string | null;
