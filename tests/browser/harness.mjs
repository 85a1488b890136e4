// Shared helpers for the browser tests: a real Porchlight server on
// 127.0.0.1:0 with a temporary data directory, its command line, a
// headless Chromium, and the steps every admin test takes (sign in, make
// a client with an appointment, click and wait for the next page).
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import http from "node:http";
import dns from "node:dns";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const BIN = process.env.PORCHLIGHT_BIN;
export const SCREENSHOTS = process.env.SCREENSHOTS || join(tmpdir(), "porchlight-screenshots");

/** With PORCHLIGHT_LAN_NAME (e.g. porch.test), Chromium and httpFetch()
 *  reach every server under that name, mapped to 127.0.0.1, and links use
 *  it (`public_url`): plain http on a name that is not a secure context,
 *  as a phone on the practice network sees http://porch.local:8080. */
export const LAN_NAME = process.env.PORCHLIGHT_LAN_NAME || "";

/** The admin password startServer() sets. */
export const PASSWORD = "correct horse battery staple";
/** Bound on every step (click, wait, navigation) of a page from newPage(). */
export const STEP_TIMEOUT = 10000;

export class Porchlight {
  static async start(args = []) {
    const dir = mkdtempSync(join(tmpdir(), "porchlight-browser-"));
    const p = new Porchlight(dir, args);
    await p.launch("127.0.0.1:0");
    return p;
  }

  constructor(dir, args) { Object.assign(this, { dir, args }); }

  /** Start `serve` on `listen`; `this.url` is where it answers. */
  async launch(listen) {
    const child = spawn(BIN, ["--data", this.dir, "serve", "--listen", listen, ...this.args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    this.url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("server did not start: " + out)), 15000);
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const m = out.match(/porchlight listening on (http:\/\/\S+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      child.on("exit", (code) => reject(new Error("server exited with " + code + ": " + out)));
    });
    this.child = child;
    this.output = () => out;
    if (LAN_NAME) {
      this.url = this.url.replace("127.0.0.1", LAN_NAME);
      this.cli("settings", "set", "public_url", this.url);
    }
  }

  /** Kill the server (SIGKILL: no shutdown code runs) and start it again
   *  on the same address and data, as a power cut and a reboot would. */
  async restart() {
    const port = new URL(this.url).port;
    this.child.removeAllListeners("exit");
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGKILL");
    await exited;
    await this.launch(`127.0.0.1:${port}`);
  }

  cli(...args) {
    return execFileSync(BIN, ["--data", this.dir, ...args], { encoding: "utf8" });
  }

  json(...args) { return JSON.parse(this.cli(...args, "--json")); }

  stop() {
    this.child.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a test needs is missing here (a tool): the test is SKIPPED loudly
 * where tests are run by hand, and fails under CI=true, where every test
 * must run (as tests/it/support.rs `unavailable` does for the Rust tests). */
export function unavailable(t, why) {
  const message = `SKIPPED ${t.name}: ${why}`;
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: this test must run here)`);
  console.log(message);
  t.skip(why);
}

export async function browser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ...(LAN_NAME ? [`--host-resolver-rules=MAP ${LAN_NAME} 127.0.0.1`] : []), ...extraArgs],
  });
}

// ---- one Chromium per test file, a context per page -----------------------

let shared;

/** Launch one Chromium (with `extraArgs`) before this file's tests and
 *  close it after them; newPage() opens its contexts there. Call once at
 *  the top of a file. */
export function useBrowser(extraArgs = []) {
  before(async () => { shared = await browser(extraArgs); });
  after(async () => { await shared?.close(); });
}

/** A fresh browser context (own cookies) and a page in it, closed after `t`. */
export async function newPage(t, options = {}) {
  assert.ok(shared, "call useBrowser() at the top of the test file");
  const context = await shared.newContext(options);
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT);
  return page;
}

// ---- a server of its own ------------------------------------------------

/** A server of its own for test `t`, with the admin password set unless
 *  `password` is null (first-run setup). */
export async function startServer(t, args = [], { password = PASSWORD } = {}) {
  const server = await Porchlight.start(args);
  t.after(() => server.stop());
  if (password) setPassword(server, password);
  return server;
}

/** `porchlight admin password`, which reads the password from stdin. */
export function setPassword(server, password) {
  execFileSync(BIN, ["--data", server.dir, "admin", "password"], { input: password + "\n", encoding: "utf8" });
}

/** A client and an appointment made with the command line. */
export function clientWithAppointment(server, name, start, minutes = 50) {
  const client = server.json("client", "add", "--name", name);
  const appt = server.json("appt", "add", "--client", String(client.id), "--start", start.toISOString(),
    "--minutes", String(minutes));
  return { client, appt };
}

/** Wait (at most 5 s) for `re` in what serve printed on stdout. */
export async function printed(server, re) {
  for (const until = Date.now() + 5000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const m = server.output().match(re);
    if (m) return m;
  }
  assert.fail(`serve did not print ${re}:\n${server.output()}`);
}

/** `m` minutes from now, on the whole minute. */
export const inMinutes = (m) => { const d = new Date(Date.now() + m * 60000); d.setSeconds(0, 0); return d; };

// ---- pages --------------------------------------------------------------

/** Click something that loads a new document (form submit, link) and wait
 *  for it; returns the response of the document finally shown (after any
 *  redirect; `response.request().redirectedFrom()` has the ones before). */
export async function clickAndLoad(page, locator) {
  const isPage = (r) => r.request().isNavigationRequest() && r.frame() === page.mainFrame() &&
    !(r.status() >= 300 && r.status() < 400);
  const [response] = await Promise.all([page.waitForEvent("response", isPage), page.waitForEvent("load"), locator.click()]);
  return response;
}

export async function signIn(page, server, password = PASSWORD) {
  await page.goto(server.url + "/admin/login");
  await page.getByLabel("Admin password").fill(password);
  await clickAndLoad(page, page.getByRole("button", { name: "Sign in" }));
  assert.equal(page.url(), server.url + "/admin", "signed in and on the dashboard");
}

export const h1 = async (page) => (await page.locator("h1").innerText()).trim();
export const path = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };

/** Status of a GET from outside the browser (no cookie unless given), redirects not followed. */
export async function statusOf(url, headers = {}) {
  return (await httpFetch(url, { headers })).status;
}

/** LAN_NAME is 127.0.0.1, as Chromium's --host-resolver-rules has it. */
function lookup(hostname, options, callback) {
  if (hostname !== LAN_NAME) return dns.lookup(hostname, options, callback);
  if (options.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
  return callback(null, "127.0.0.1", 4);
}

/** A request from outside the browser that reaches LAN_NAME too (fetch()
 *  cannot: it resolves names itself and will not send another Host).
 *  Redirects are not followed. Resolves to `{ status, headers.get, text }`. */
export function httpFetch(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    // A length, not chunks: Porchlight refuses chunked bodies.
    const length = body ? { "Content-Length": Buffer.byteLength(body) } : {};
    const req = http.request(new URL(url), { method, headers: { ...headers, ...length }, lookup }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, headers: { get: (n) => res.headers[n.toLowerCase()] ?? null }, text: async () => text });
      });
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
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

/** Inputs, selects and textareas (not type=hidden) with no accessible name
 *  from a <label> (for= or wrapping), aria-label or aria-labelledby. */
export function unnamedFields(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((el) => el.type !== "hidden")
    .filter((el) => {
      const labelled = el.labels && Array.from(el.labels).some((l) => l.textContent.trim());
      const aria = (el.getAttribute("aria-label") || "").trim();
      const by = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
        .some((id) => document.getElementById(id)?.textContent.trim());
      return !labelled && !aria && !by;
    })
    .map((el) => `${el.tagName.toLowerCase()}#${el.id || "?"}[name=${el.name || "?"}]`));
}

/** Buttons (and summaries) on screen with no accessible name: no text
 *  (visually hidden text counts), aria-label or aria-labelledby. */
export function unnamedButtons(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll("button, summary, [role=button]"))
    .filter((el) => el.getClientRects().length)
    .filter((el) => {
      const text = el.textContent.trim();
      const aria = (el.getAttribute("aria-label") || "").trim();
      const by = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
        .some((id) => document.getElementById(id)?.textContent.trim());
      return !text && !aria && !by;
    })
    .map((el) => `${el.tagName.toLowerCase()}#${el.id || "?"}.${el.className || "?"}`));
}

/** Focus indicators below 3:1 against what surrounds them (WCAG 1.4.11
 *  and 2.4.7): Tab through the page (at most `limit` stops) and, for each
 *  element focused, compare its outline colour with the background behind
 *  the outline (the nearest opaque ancestor's, outside the element). An
 *  element with no outline and no box-shadow counts as having none. */
export async function weakFocus(page, limit = 80) {
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  const out = [];
  let first = null;
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const rgba = (c) => (c.match(/[\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      let behind = [255, 255, 255];
      for (let e = el.parentElement; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) { behind = c.slice(0, 3); break; }
      }
      const s = getComputedStyle(el);
      const id = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.textContent || el.value || "").trim().slice(0, 25)}"`;
      let ratio = 0;
      if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) {
        const [a, b] = [lum(rgba(s.outlineColor)), lum(behind)].sort((x, y) => y - x);
        ratio = (a + 0.05) / (b + 0.05);
      } else if (s.boxShadow && s.boxShadow !== "none") {
        ratio = Infinity; // a shadow ring: not measured here
      }
      return { id, key: el.outerHTML.slice(0, 200) + el.getBoundingClientRect().top, ratio };
    });
    if (!stop) continue;
    if (stop.key === first) break;
    first ??= stop.key;
    if (stop.ratio < 3) out.push(`${stop.id}: focus ring ${stop.ratio.toFixed(2)}:1`);
  }
  return out;
}

// ---- accessibility --------------------------------------------------------

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** axe's WCAG 2.1 A/AA violations; the page's context must bypass CSP (`bypassCSP: true`) to let it in. */
export async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"],
  }));
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${v.help} at ${n.target.join(" ")}`));
}

/** Every check a page must pass, at its present width: labels, button
 *  names, contrast and axe. */
export async function accessible(page, name) {
  assert.deepEqual(await unnamedFields(page), [], `${name}: every field has a label`);
  assert.deepEqual(await unnamedButtons(page), [], `${name}: every button has a name`);
  assert.deepEqual(await lowContrast(page), [], `${name}: contrast`);
  assert.deepEqual(await axe(page), [], `${name}: axe`);
}
