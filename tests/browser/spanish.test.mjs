// The client pages of a client who reads Spanish, on a phone (390 px):
// the link page early, open, expired and cancelled, the waiting page,
// the portal, and /join for a browser that asks for Spanish. Each is
// marked `lang="es"`, fits the width, passes the accessibility checks
// (labels, button names, contrast, axe) and is kept as served for the Nu
// Html Checker (tests/browser/validate) and as a screenshot (es-*.png).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Porchlight, browser, accessible, screenshot, weakFocus } from "./harness.mjs";

const OUT = join(process.env.HTML_CHECK_DIR || new URL("../../target/tmp/html-check", import.meta.url).pathname, "spanish");

let server, chrome;
before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  server = await Porchlight.start();
  server.cli("settings", "set", "practice_name", "Consultorio Rivera");
  server.cli("settings", "set", "timezone", "America/New_York");
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  server?.stop();
});

const minutesFromNow = (m) => new Date(Date.now() + m * 60000).toISOString();

/** A session of `client` starting `m` minutes from now; its link. */
function session(client, m, minutes = 50) {
  const appt = server.json("appt", "add", "--client", String(client.id), "--start", minutesFromNow(m),
    "--minutes", String(minutes), "--force");
  return { id: appt.id, link: appt.participants[0].link };
}

/** A phone-sized page whose browser asks for `language`; the document as
 *  served is kept on `page.served`. axe needs the CSP bypassed. */
async function phone(t, language) {
  const context = await chrome.newContext({
    bypassCSP: true, viewport: { width: 390, height: 844 }, locale: language,
    extraHTTPHeaders: { "Accept-Language": language },
  });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on("response", (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400)) {
      page.served = r;
    }
  });
  return page;
}

/** `page` is Spanish, fits, is accessible; kept as NAME.html and es-NAME.png. */
async function look(page, name, heading, status = 200) {
  assert.equal(page.served.status(), status, name);
  assert.equal(await page.getAttribute("html", "lang"), "es", name);
  assert.equal((await page.locator("h1:visible").innerText()).trim(), heading, name);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px`);
  await accessible(page, name);
  assert.deepEqual(await weakFocus(page), [], `${name}: focus rings`);
  writeFileSync(join(OUT, name + ".html"), await page.served.body());
  // As it first shows, not with the focus rings' last stop (the skip link).
  await page.evaluate(() => document.activeElement?.blur());
  await screenshot(page, "es-" + name);
}

test("a Spanish client's pages on a phone, in every state", async (t) => {
  const client = server.json("client", "add", "--name", "Ana García", "--language", "es");
  const early = session(client, 180);
  const open = session(client, -5);
  const expired = session(client, -24 * 60);
  const cancelled = session(client, 26 * 60);
  server.cli("appt", "cancel", String(cancelled.id));
  // The browser asks for English: the client's own language decides.
  const page = await phone(t, "en-US");
  await page.goto(early.link);
  await look(page, "link-early", "Su sesión todavía no ha comenzado");
  await page.goto(open.link);
  await look(page, "link-open", "Su sesión está lista");
  await page.goto(expired.link);
  await look(page, "link-expired", "Esta sesión ya terminó", 410);
  await page.goto(cancelled.link);
  await look(page, "link-cancelled", "Esta sesión fue cancelada", 410);
  await page.goto(open.link);
  await page.getByRole("button", { name: "Entrar a la videollamada" }).click();
  await page.waitForURL(/\/wait$/);
  await look(page, "waiting", "Su terapeuta sabe que usted está aquí");
  await page.goto(client.portal_url);
  await look(page, "portal", "Hola, Ana");
});

test("the early page's live words are Spanish: the countdown, the client's own time, the portal's news", async (t) => {
  const client = server.json("client", "add", "--name", "Bea Ruiz", "--language", "es");
  const early = session(client, 150);
  const context = await chrome.newContext({ viewport: { width: 390, height: 844 }, locale: "es-MX", timezoneId: "America/Mexico_City" });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(early.link);
  await page.waitForFunction(() => /^Se abre en /.test(document.getElementById("remaining").textContent));
  // CLDR's plurals through the browser's Intl: "2 horas, 9 minutos".
  assert.match(await page.locator("#remaining").innerText(), /^Se abre en \d+ horas?, \d+ minutos?$/);
  assert.match(await page.locator("#yourtime").innerText(), /^En su zona horaria: .+\.$/);
  assert.doesNotMatch(await page.locator("#yourtime").innerText(), /where you are|AM|PM/);
  await screenshot(page, "es-link-early-countdown");
});

test("/join in the language the browser asks for", async (t) => {
  const page = await phone(t, "es-MX");
  await page.goto(server.url + "/join");
  await look(page, "join", "Escriba su código de acceso");
  await page.getByLabel("Código de acceso").fill("ZZZZ-ZZZZ");
  await page.getByRole("button", { name: "Continuar" }).click();
  await page.waitForLoadState();
  await look(page, "join-error", "Escriba su código de acceso");
  await page.goto(server.url + "/v/AAAAAAAAAAAAAAAAAAAAAA");
  await look(page, "link-unknown", "No encontramos este enlace", 404);
});
