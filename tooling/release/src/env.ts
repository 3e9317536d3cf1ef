/**
 * The environment without what pnpm and npm put there for the script that runs the tests
 * (`npm_config_local_prefix` would send an npm install into this repository).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_registry", "npm_config_cache", "npm_config_userconfig"]);
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => keep.has(k.toLowerCase()) || !/^(npm|pnpm)_/i.test(k)),
  );
}
