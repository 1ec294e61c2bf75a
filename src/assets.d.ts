// Files imported with `with { type: 'text' }` or `{ type: 'file' }` are embedded by
// `bun build --compile`; these declarations type those imports.
declare module '*.sql' {
  const text: string;
  export default text;
}
declare module '*.css' {
  const path: string;
  export default path;
}
declare module '*.html' {
  const path: string;
  export default path;
}
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const path: string;
  export default path;
}
declare module '*.lua' {
  const text: string;
  export default text;
}
// The console page's browser modules (src/console/page/assets), served as files, never run here.
declare module '*.mjs' {
  const path: string;
  export default path;
}
