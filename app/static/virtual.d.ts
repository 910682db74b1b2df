/** The static viewer as one script's text (vite.config.ts, plugin `voxbook:static-viewer`). */
declare module 'virtual:voxbook-static-viewer' {
  const script: string;
  export default script;
}
