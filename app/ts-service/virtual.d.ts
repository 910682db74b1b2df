/** The `voxbook` API's declaration files (virtual path → text), made by `vite-plugin.ts`. */
declare module 'virtual:voxbook-api-dts' {
  const files: Readonly<Record<string, string>>;
  export default files;
}

/** TypeScript's lib files the notebook needs (file name → text), made by `vite-plugin.ts`. */
declare module 'virtual:voxbook-ts-libs' {
  const files: Readonly<Record<string, string>>;
  export default files;
}
