// Shared helpers for the browser tests: a real Porchlight server on
// 127.0.0.1:0 with a temporary data directory, its command line, and a
// headless Chromium.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BIN = process.env.PORCHLIGHT_BIN;
export const SCREENSHOTS = process.env.SCREENSHOTS || join(tmpdir(), "porchlight-screenshots");

export class Porchlight {
  static async start(args = []) {
    const dir = mkdtempSync(join(tmpdir(), "porchlight-browser-"));
    const child = spawn(BIN, ["--data", dir, "serve", "--listen", "127.0.0.1:0", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("server did not start: " + out)), 15000);
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const m = out.match(/porchlight listening on (http:\/\/\S+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      child.on("exit", (code) => reject(new Error("server exited with " + code + ": " + out)));
    });
    const p = new Porchlight(dir, child, url);
    p.output = () => out;
    return p;
  }

  constructor(dir, child, url) { Object.assign(this, { dir, child, url }); }

  cli(...args) {
    return execFileSync(BIN, ["--data", this.dir, ...args], { encoding: "utf8" });
  }

  json(...args) { return JSON.parse(this.cli(...args, "--json")); }

  stop() {
    this.child.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name + ".png"), fullPage: true });
}

/** Visible text whose colour against its background is below WCAG AA
 *  (4.5:1, or 3:1 for large text). Backgrounds are taken from the nearest
 *  ancestor with an opaque background colour. */
export function lowContrast(page) {
  return page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const out = [];
    for (const el of document.querySelectorAll("body *")) {
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !el.getClientRects().length) continue;
      const s = getComputedStyle(el);
      if (s.visibility === "hidden" || el.closest("[hidden], .visually-hidden, .skip")) continue;
      const [a, b] = [lum(rgb(s.color)), lum(background(el))].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) out.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
    }
    return out;
  });
}
