/** The `voxbook` API's declaration files (virtual path → text), made by `vite-plugin.ts`. */
declare module 'virtual:voxbook-api-dts' {
  const files: Readonly<Record<string, string>>;
  export default files;
}
