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
