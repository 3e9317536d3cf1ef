import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A file the server sends as it is: the page's own files and the plotting library. */
interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * The page's folder: `page/` beside this module, both in the sources and in the build, where
 * tsup's `onSuccess` copies it next to the bundled chunks.
 */
function pageDir(): string {
  return fileURLToPath(new URL("./page/", import.meta.url));
}

/**
 * Every file the page needs, read once at start: `/` and `/page/*` from the page's folder,
 * `/vendor/uplot.*` from the installed `uplot` package (the page works offline, no CDN), and
 * `/favicon.ico` so a browser's automatic request is not a 404. None holds data, so none needs
 * the token; `/` only says whether the API does (`data-auth` on its root element).
 */
export function loadStaticFiles(options: { tokenRequired: boolean }): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const dir = pageDir();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || name.includes(".test.")) continue;
    files.set(`/page/${name}`, { body: readFileSync(join(dir, name)), type });
  }
  const page = files.get("/page/index.html");
  if (!page) throw new Error(`the page's index.html is missing from ${dir}`);
  // Told in the page itself, so it asks for the token before its first request is refused.
  const index = options.tokenRequired
    ? {
        ...page,
        body: Buffer.from(
          String(page.body).replace('<html lang="en">', '<html lang="en" data-auth="bearer">'),
        ),
      }
    : page;
  files.set("/", index);
  files.set("/index.html", index);
  const icon = files.get("/page/favicon.svg");
  if (icon) files.set("/favicon.ico", icon);
  const require = createRequire(import.meta.url);
  for (const [route, file] of [
    ["/vendor/uplot.js", "uplot/dist/uPlot.iife.min.js"],
    ["/vendor/uplot.css", "uplot/dist/uPlot.min.css"],
  ] as const) {
    files.set(route, { body: readFileSync(require.resolve(file)), type: TYPES[extname(file)]! });
  }
  return files;
}
