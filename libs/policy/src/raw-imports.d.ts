// Vite's `?raw` imports (tests read example policies and docs/policy.md as text without fs).
declare module '*?raw' {
  const text: string;
  export default text;
}
