// The client-facing pages in a real browser: every state readable on a
// phone, and the early page turning itself into the open one without a
// reload when the window opens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Porchlight, browser, lowContrast, screenshot } from "./harness.mjs";

let server, chrome;
before(async () => {
  server = await Porchlight.start(["--demo"]);
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  server?.stop();
});

function demoLinks() {
  const links = {};
  for (const line of server.output().split("\n")) {
    const m = line.match(/^\s+(\w+)\s+.*?(http:\/\/\S+)/);
    if (m && !links[m[1]]) links[m[1]] = m[2];
  }
  return links;
}

test("every state's page fits a phone and says what it is", async () => {
  const links = demoLinks();
  const headings = {
    open: "Your session is ready",
    early: "Your session hasn't started yet",
    expired: "This session has ended",
    cancelled: "This session was cancelled",
    revoked: "This link has been replaced",
    unknown: "We couldn't find this link",
    portal: "Hello, Alex",
  };
  const context = await chrome.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  for (const [state, heading] of Object.entries(headings)) {
    assert.ok(links[state], `demo printed a ${state} link`);
    await page.goto(links[state]);
    assert.equal((await page.locator("h1").innerText()).trim(), heading, state);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${state} page scrolls sideways by ${overflow}px`);
    assert.deepEqual(await lowContrast(page), [], `${state} page text meets WCAG AA contrast`);
    await screenshot(page, `client-${state}`);
  }
  await page.goto(links.code.replace(/\/join$/, "") + "/join");
  await screenshot(page, "client-code");
  await context.close();
});

test("a link changed on the way still opens its page", async () => {
  const links = demoLinks();
  const page = await (await chrome.newContext()).newPage();
  const path = new URL(links.open).pathname;
  for (const mangled of [
    links.open.toUpperCase(), // the whole address in capitals
    links.open + ").", // the end of a sentence in brackets
    links.open + '">', // an attribute's quote and bracket
    links.open + "\u201D.", // a word processor's closing quote
    links.open + "\u200B", // a zero-width space
  ]) {
    await page.goto(mangled);
    assert.equal(new URL(page.url()).pathname, path, mangled);
    assert.equal((await page.locator("h1").innerText()).trim(), "Your session is ready", mangled);
  }
  // A link cut short: the 404 leads on to the access code.
  const cut = await page.goto(links.open.slice(0, -3));
  assert.equal(cut.status(), 404);
  await page.getByRole("link", { name: "Enter an access code" }).click();
  await page.waitForURL(/\/join$/);
  assert.equal((await page.locator("h1").innerText()).trim(), "Enter your access code");
});

test("the early page counts down and turns open without a reload", async () => {
  const client = server.json("client", "add", "--name", "Countdown Tester");
  // Opens 10 minutes before the start: start in 10 min 4 s opens in ~4 s.
  const start = new Date(Date.now() + 10 * 60 * 1000 + 4000);
  start.setMilliseconds(0);
  const appt = server.json("appt", "add", "--client", String(client.id), "--start", start.toISOString(), "--minutes", "50");
  const link = appt.participants[0].link;

  const page = await (await chrome.newContext()).newPage();
  await page.goto(link);
  assert.equal(await page.locator("#join").isVisible(), false, "join hidden while early");
  await page.waitForFunction(() => /Opens in \d/.test(document.getElementById("remaining").textContent));
  await page.evaluate(() => { window.notReloaded = true; });
  await page.locator("#join button").waitFor({ state: "visible", timeout: 20000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true, "the page was not reloaded");
  assert.equal((await page.locator("h1").innerText()).trim(), "Your session is ready");
  await page.locator("#join button").click();
  // The waiting room is on by default: Join leads to the waiting page.
  await page.waitForURL(/\/wait$/);
  assert.equal((await page.getByRole("heading", { level: 1 }).innerText()).trim(), "Your clinician knows you're here");
  const audit = server.json("audit");
  assert.ok(audit.some((e) => e.event === "link.join" && e.client_id === client.id), "join audited");
});

test("a typed code leads to its page", async () => {
  const links = demoLinks();
  const code = server.output().match(/early\s+Riley Chen\s+\S+\s+code (\S+)/)[1];
  const page = await (await chrome.newContext()).newPage();
  await page.goto(links.code);
  await page.fill("#code", code.toLowerCase().replace("-", " "));
  await page.click("button[type=submit]");
  await page.waitForLoadState();
  assert.equal(page.url(), links.early);
  await page.goto(links.code);
  await page.fill("#code", "ZZZZ-ZZZZ");
  await page.click("button[type=submit]");
  await page.locator("#code-error").waitFor();
  await screenshot(page, "client-code-error");
});

test("the portal shows a session's Join button when it opens, without a reload or a focus move", async () => {
  const client = server.json("client", "add", "--name", "Portal Tester");
  // Opens 10 minutes before the start: start in 10 min 3 s opens in ~3 s.
  const start = new Date(Date.now() + 10 * 60 * 1000 + 3000);
  start.setMilliseconds(0);
  server.json("appt", "add", "--client", String(client.id), "--start", start.toISOString(), "--minutes", "50");
  const page = await (await chrome.newContext()).newPage();
  await page.goto(client.portal_url);
  assert.equal(await page.locator("meta[http-equiv=refresh]").count(), 0, "no timed reload (WCAG 2.2.1)");
  assert.equal(await page.getByRole("button", { name: "Join video call" }).count(), 0, "not open yet");
  const calendar = page.getByRole("link", { name: /Add these sessions/ });
  await calendar.focus();
  await page.evaluate(() => { window.notReloaded = true; window.scrollTo(0, 40); });
  await page.waitForTimeout(Math.max(0, start.getTime() - 10 * 60 * 1000 - Date.now()) + 500);
  // The page looks again once a minute, and at once when it is shown
  // again (a phone unlocked): that event here, rather than a minute's wait.
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await page.getByRole("button", { name: "Join video call" }).waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true, "the page was not reloaded");
  assert.equal(await calendar.evaluate((el) => el === document.activeElement), true, "focus stayed where it was");
  assert.match(await page.getByRole("status").innerText(), /A session is open now/);
  await page.context().close();
});
