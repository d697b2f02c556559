/** highlight.js ships types for its main entry and its languages, not for `lib/core` (the same API, no languages registered). */
declare module "highlight.js/lib/core" {
  import type { HLJSApi } from "highlight.js";
  const hljs: HLJSApi;
  export default hljs;
}
