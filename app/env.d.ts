/// <reference types="vite/client" />

/** Digest of the library code (cells/, datasets/, index.ts) when the dev server started or the app was built (vite.config.ts). */
declare const __VOXBOOK_SOURCE__: string;
