// The clinician's admin pages (/admin) in a real headless Chromium:
// first-run setup, login with its growing delays, clients and a couples
// appointment, copying over plain HTTP, the live "Waiting now" list,
// rotating and cancelling links, importing a calendar file, logout, idle expiry, refusal of
// cross-site POSTs, and screenshots plus keyboard and label checks.
//
// Every test starts its own server (127.0.0.1, port 0, a temporary data
// directory) and its own browser contexts; only the Chromium process is
// shared. Waits are bounded: the default timeout is 10 s per step.
//
// `run` runs this file twice: on 127.0.0.1, and with PORCHLIGHT_LAN_NAME
// on a mapped name over plain http, where browsers send `Origin: null`
// and no Fetch Metadata with our forms, and offer no clipboard API.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  PASSWORD, useBrowser, startServer, newPage, clickAndLoad, signIn, h1, path, statusOf,
  clientWithAppointment, printed, inMinutes, unnamedFields, lowContrast, screenshot, httpFetch, LAN_NAME,
} from "./harness.mjs";

useBrowser();

// ---- helpers ------------------------------------------------------------

/** Submit the login form with `password`; returns the response status. */
async function tryPassword(page, password) {
  await page.getByLabel("Admin password").fill(password);
  const response = await clickAndLoad(page, page.getByRole("button", { name: "Sign in" }));
  return response.status();
}

/** The local date (YYYY-MM-DD) `days` from now in `zone`. */
function localDate(days, zone) {
  return new Date(Date.now() + days * 86400000).toLocaleDateString("en-CA", { timeZone: zone });
}

// ---- tests --------------------------------------------------------------

test("first-run setup: the printed code and a new password sign in, once", async (t) => {
  const server = await startServer(t, [], { password: null });
  const code = (await printed(server, /admin setup code: (\S+)/))[1];
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

  const page = await newPage(t);
  await page.goto(server.url + "/admin");
  assert.equal(path(page), "/admin/setup", "no password yet: /admin leads to setup");
  await page.goto(server.url + "/admin/login");
  assert.equal(path(page), "/admin/setup", "and so does the login page");

  // A wrong code: the error sits next to the code field, the code stays typed.
  const wrong = code.startsWith("AAAA") ? "BBBB-BBBB-BBBB" : "AAAA-AAAA-AAAA";
  await page.getByLabel("Setup code").fill(wrong);
  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByLabel("The same password again").fill(PASSWORD);
  await clickAndLoad(page, page.getByRole("button", { name: "Set password and sign in" }));
  assert.equal(path(page), "/admin/setup");
  await assert.doesNotReject(page.locator("#e-code").waitFor());
  assert.match(await page.locator("#e-code").innerText(), /setup code is not right/);
  assert.equal(await page.getByLabel("Setup code").getAttribute("aria-invalid"), "true");
  assert.match(await page.getByLabel("Setup code").getAttribute("aria-describedby"), /\be-code\b/);
  assert.equal(await page.getByLabel("Setup code").inputValue(), wrong, "the typed code is kept");
  assert.equal(await page.getByLabel("New password").inputValue(), "", "passwords are not echoed back");
  assert.deepEqual(await unnamedFields(page), [], "every setup field has a name");

  // The right code (lower case, as the hint allows) but passwords that differ.
  await page.getByLabel("Setup code").fill(code.toLowerCase());
  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByLabel("The same password again").fill(PASSWORD + "!");
  await clickAndLoad(page, page.getByRole("button", { name: "Set password and sign in" }));
  assert.match(await page.locator("#e-confirm").innerText(), /not the same/);

  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByLabel("The same password again").fill(PASSWORD);
  await clickAndLoad(page, page.getByRole("button", { name: "Set password and sign in" }));
  assert.equal(path(page), "/admin", "signed in on the dashboard");
  assert.equal(await h1(page), "Sessions");

  // Setup works once: afterwards it leads to the login page, signed in or not.
  await page.goto(server.url + "/admin/setup");
  assert.equal(path(page), "/admin/login");
  const stranger = await newPage(t);
  await stranger.goto(server.url + "/admin/setup");
  assert.equal(path(stranger), "/admin/login");
  await stranger.getByLabel("Admin password").fill(PASSWORD);
  await clickAndLoad(stranger, stranger.getByRole("button", { name: "Sign in" }));
  assert.equal(path(stranger), "/admin", "the password chosen at setup signs in");
});

test("login: wrong passwords, then growing delays, then the right one", async (t) => {
  const server = await startServer(t);
  const page = await newPage(t);
  await signIn(page, server);
  await clickAndLoad(page, page.getByRole("button", { name: "Sign out" }));
  assert.equal(path(page), "/admin/login?done=logout");
  assert.match(await page.locator(".notice").innerText(), /You are signed out/);

  // Three failures are free; the fourth is still tried, then delays begin.
  for (let i = 1; i <= 4; i++) {
    assert.equal(await tryPassword(page, "not the password " + i), 200, `try ${i} answered`);
    assert.equal((await page.locator("#login-error").innerText()).trim(), "That password is not right.", `try ${i}`);
    assert.equal(await page.getByLabel("Admin password").getAttribute("aria-invalid"), "true");
  }
  // The fifth, even with the right password, must wait 2 s.
  assert.equal(await tryPassword(page, PASSWORD), 429, "fifth try throttled");
  const wait1 = (await page.locator("#login-error").innerText()).match(/Too many wrong tries\. Please wait (\d+) seconds/);
  assert.ok(wait1, "says to wait: " + await page.locator("#login-error").innerText());
  // The page says what is left of the delay, rounded up: 2 s, less the
  // time the try itself took (a loaded machine can take over a second).
  assert.ok([1, 2].includes(Number(wait1[1])), `first delay is 2 s, ${wait1[1]} s left`);

  // After the delay a wrong password is tried again, and the next wait doubles.
  await page.waitForTimeout(2200);
  assert.equal(await tryPassword(page, "still not the password"), 200);
  assert.match(await page.locator("#login-error").innerText(), /That password is not right/);
  assert.equal(await tryPassword(page, PASSWORD), 429);
  const wait2 = (await page.locator("#login-error").innerText()).match(/Please wait (\d+) seconds/);
  assert.ok([3, 4].includes(Number(wait2?.[1])), `second delay is 4 s, ${wait2?.[1]} s left`);

  await page.waitForTimeout(Number(wait2[1]) * 1000 + 200);
  assert.equal(await tryPassword(page, PASSWORD), 200, "the dashboard after the redirect");
  assert.equal(path(page), "/admin");
  assert.equal(await h1(page), "Sessions");
});

test("a client, a couples appointment, and errors that keep what was typed", async (t) => {
  const server = await startServer(t);
  server.cli("settings", "set", "timezone", "America/New_York");
  const page = await newPage(t);
  await signIn(page, server);

  await page.getByRole("link", { name: "Clients" }).click();
  await page.waitForURL(server.url + "/admin/clients");
  const addClient = async (name, email, phone) => {
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Email (optional)").fill(email);
    await page.getByLabel("Phone (optional)").fill(phone);
    return clickAndLoad(page, page.getByRole("button", { name: "Add client" }));
  };
  // An email the browser lets through but Porchlight refuses (no dot in the
  // domain): the error is next to the email field, the rest is kept.
  assert.equal((await addClient("Sam Rivera", "sam@example", "+1 555 0100")).status(), 400);
  assert.match(await page.locator("#e-email").innerText(), /bad email/);
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Sam Rivera");
  assert.equal(await page.getByLabel("Phone (optional)").inputValue(), "+1 555 0100");

  await addClient("Sam Rivera", "sam@example.org", "+1 555 0100");
  assert.match(await page.locator(".notice").innerText(), /Client added/);
  await addClient("Jo Rivera", "jo@example.org", "");
  const names = await page.locator(".clients .client strong").allInnerTexts();
  assert.deepEqual(names.sort(), ["Jo Rivera", "Sam Rivera"]);
  assert.equal(server.json("client", "list").length, 2);

  await page.getByRole("link", { name: "New appointment" }).click();
  await page.waitForURL(server.url + "/admin/appointments/new");
  const date = page.getByLabel("Date"), time = page.getByLabel("Start time"), minutes = page.getByLabel("Length in minutes");
  assert.equal(await date.getAttribute("type"), "date");
  assert.equal(await time.getAttribute("type"), "time");
  assert.match(await page.locator("label[for=f-time]").innerText(), /America\/New_York/, "the zone is named");
  const submit = () => clickAndLoad(page, page.getByRole("button", { name: "Create appointment" }));

  // Nobody ticked.
  const day = localDate(7, "America/New_York");
  await date.fill(day);
  await time.fill("14:30");
  await minutes.fill("50");
  assert.equal((await submit()).status(), 400);
  assert.match(await page.locator("#e-client").innerText(), /Choose at least one client/);
  assert.equal(await date.inputValue(), day);
  assert.equal(await time.inputValue(), "14:30");
  assert.equal(await minutes.inputValue(), "50");

  // 02:30 on 2027-03-14 does not exist in New York (clocks jump 02:00 → 03:00).
  await page.getByLabel("Sam Rivera").check();
  await page.getByLabel("Jo Rivera").check();
  await date.fill("2027-03-14");
  await time.fill("02:30");
  await minutes.fill("45");
  assert.equal((await submit()).status(), 400);
  await assert.doesNotReject(page.locator("#e-time").waitFor());
  assert.ok((await page.locator("#e-time").innerText()).trim().length > 0, "an explanation next to the time");
  assert.equal(await time.getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("#e-client").count(), 0, "no error for the clients now");
  assert.equal(await date.inputValue(), "2027-03-14");
  assert.equal(await time.inputValue(), "02:30");
  assert.equal(await minutes.inputValue(), "45");
  assert.equal(await page.getByLabel("Sam Rivera").isChecked(), true, "ticks are kept");
  assert.equal(await page.getByLabel("Jo Rivera").isChecked(), true, "ticks are kept");
  assert.equal(server.json("appt", "list").length, 0, "nothing was created");

  await time.fill("14:30");
  await submit();
  const m = path(page).match(/^\/admin\/appointments\/(\d+)\?done=created$/);
  assert.ok(m, "landed on the appointment page: " + page.url());
  assert.match(await page.locator(".notice").innerText(), /Appointment created/);
  assert.match(await h1(page), /2:30|14:30/);
  assert.match(await page.locator("main").innerText(), /45 minutes/);

  const people = page.locator(".person");
  assert.equal(await people.count(), 2, "two participants");
  const shown = [];
  for (let i = 0; i < 2; i++) {
    const p = people.nth(i);
    shown.push({
      name: (await p.locator(".who strong").innerText()).trim(),
      link: (await p.locator("code.link-text").innerText()).trim(),
      code: (await p.locator(".access dd").nth(1).innerText()).trim(),
    });
  }
  const appt = server.json("appt", "show", m[1]);
  assert.deepEqual(shown.map((s) => s.name).sort(), ["Jo Rivera", "Sam Rivera"]);
  for (const s of shown) {
    assert.match(s.link, new RegExp("^" + server.url + "/v/\\S+$"));
    assert.match(s.code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const p = appt.participants.find((x) => x.name === s.name);
    assert.deepEqual([s.link, s.code], [p.link, p.code], `${s.name}'s own link and code`);
  }
  assert.notEqual(shown[0].link, shown[1].link, "each has their own link");
  assert.notEqual(shown[0].code, shown[1].code, "each has their own code");
});

test("copy link and copy message, with the clipboard API and without it", async (t) => {
  const server = await startServer(t);
  const { appt } = clientWithAppointment(server, "Casey Moreau", inMinutes(24 * 60));
  const { link, code } = appt.participants[0];
  const status = (page) => page.locator(".person .copied");

  // 1. A context with the async clipboard API and permission to use it.
  // Browsers offer it only in a secure context, so not on a LAN name.
  let message = null;
  if (!LAN_NAME) {
    const granted = await newPage(t);
    await granted.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    await signIn(granted, server);
    await granted.goto(`${server.url}/admin/appointments/${appt.id}`);
    await granted.getByRole("button", { name: "Copy link" }).click();
    await assert.doesNotReject(status(granted).filter({ hasText: /^Copied/ }).waitFor({ timeout: 3000 }));
    assert.equal(await granted.evaluate(() => navigator.clipboard.readText()), link);
    await granted.getByRole("button", { name: "Copy message" }).click();
    await assert.doesNotReject(status(granted).filter({ hasText: /^Copied message/ }).waitFor({ timeout: 3000 }));
    message = await granted.evaluate(() => navigator.clipboard.readText());
    assert.ok(message.includes(link), "the message carries the link:\n" + message);
    assert.ok(message.includes(code), "the message carries the code:\n" + message);
  }

  // 2. As on a plain-HTTP LAN address: no navigator.clipboard at all. The
  // page must fall back to execCommand("copy"); record what it selected.
  const fallback = await newPage(t);
  await fallback.addInitScript(() => {
    Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
    window.copied = [];
    const original = document.execCommand.bind(document);
    document.execCommand = (cmd, ...rest) => {
      const el = document.activeElement;
      const text = el && typeof el.value === "string" && el.selectionEnd > el.selectionStart
        ? el.value.slice(el.selectionStart, el.selectionEnd) : String(window.getSelection());
      const ok = original(cmd, ...rest);
      window.copied.push({ cmd, text, ok });
      return ok;
    };
  });
  await signIn(fallback, server);
  await fallback.goto(`${server.url}/admin/appointments/${appt.id}`);
  assert.equal(await fallback.evaluate(() => navigator.clipboard), undefined, "clipboard API removed");
  await fallback.getByRole("button", { name: "Copy link" }).click();
  await assert.doesNotReject(status(fallback).filter({ hasText: /^Copied link/ }).waitFor({ timeout: 3000 }));
  await fallback.getByRole("button", { name: "Copy message" }).click();
  await assert.doesNotReject(status(fallback).filter({ hasText: /^Copied message/ }).waitFor({ timeout: 3000 }));
  const copied = await fallback.evaluate(() => window.copied);
  assert.equal(copied.length, 2, "execCommand called once per click: " + JSON.stringify(copied));
  assert.deepEqual(copied.map((c) => [c.cmd, c.ok]), [["copy", true], ["copy", true]]);
  assert.equal(copied[0].text, link, "the link was selected when copying");
  if (message) {
    assert.equal(copied[1].text, message, "the same message as with the clipboard API");
  } else {
    assert.ok(copied[1].text.includes(link) && copied[1].text.includes(code), "the message: " + copied[1].text);
  }
  assert.equal(await fallback.locator("body > textarea").count(), 0, "the temporary field is gone");
});

test("a client opening their link shows up as waiting without a reload; a scanner does not", async (t) => {
  const server = await startServer(t);
  // Opens 10 minutes before the start: starting in 5 minutes, it is open now.
  const { appt } = clientWithAppointment(server, "Robin Okafor", inMinutes(5));
  const page = await newPage(t);
  await signIn(page, server);

  await page.goto(`${server.url}/admin/appointments/${appt.id}`);
  const link = (await page.locator(".person code.link-text").innerText()).trim();
  assert.equal(link, appt.participants[0].link);

  await page.goto(server.url + "/admin");
  assert.equal(await page.locator("#waiting li").count(), 0);
  assert.equal(await page.locator("#nobody").isVisible(), true, "'Nobody is waiting' shown");
  assert.ok(!(await page.title()).startsWith("("), "no count in the title yet");
  await page.evaluate(() => { window.notReloaded = true; });

  // A mail scanner or a link preview fetches the link without running its
  // page: nobody is there. The dashboard polls every few seconds; the
  // server's own list is checked after two of them.
  const scanned = await httpFetch(link, { headers: { "User-Agent": "Mozilla/5.0 (compatible; SafeLinks)" } });
  assert.equal(scanned.status, 200);
  await page.waitForTimeout(6000);
  assert.equal(await page.locator("#waiting li").count(), 0, "a bare GET is not an arrival");
  const api = await page.evaluate(async () => (await fetch("/admin/api/waiting")).json());
  assert.deepEqual(api.waiting, [], "a bare GET is not an arrival");

  const client = await newPage(t, { viewport: { width: 390, height: 800 } });
  await client.goto(link);
  assert.equal(await h1(client), "Your session is ready");

  const entry = page.locator("#waiting li", { hasText: "Robin Okafor" });
  await assert.doesNotReject(entry.waitFor({ timeout: 10000 }), "listed within 10 s");
  assert.equal(await page.evaluate(() => window.notReloaded), true, "the dashboard was not reloaded");
  assert.match(await page.title(), /^\(1 waiting\) /);
  assert.equal(await page.locator("#nobody").isVisible(), false);
  assert.equal(await entry.locator("a").getAttribute("href"), `/admin/appointments/${appt.id}`);
  assert.match(await entry.innerText(), /since \d/);
});

test("rotating a link: a new link is shown and the old one answers 410", async (t) => {
  const server = await startServer(t);
  const { appt } = clientWithAppointment(server, "Morgan Lee", inMinutes(24 * 60));
  const page = await newPage(t);
  await signIn(page, server);
  await page.goto(`${server.url}/admin/appointments/${appt.id}`);
  const linkText = page.locator(".person code.link-text");
  const oldLink = (await linkText.innerText()).trim();
  assert.equal(await statusOf(oldLink), 200);

  // Saying no to the confirmation changes nothing.
  const dialogs = [];
  page.once("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.getByRole("button", { name: "Rotate link" }).click();
  await page.waitForTimeout(500);
  assert.equal(dialogs.length, 1, "asked first");
  assert.match(dialogs[0], /Morgan Lee/);
  assert.equal((await linkText.innerText()).trim(), oldLink, "dismissed: same link");
  assert.equal(await statusOf(oldLink), 200);

  page.once("dialog", (d) => d.accept());
  await clickAndLoad(page, page.getByRole("button", { name: "Rotate link" }));
  assert.match(await page.locator(".notice").innerText(), /New link made/);
  const newLink = (await linkText.innerText()).trim();
  assert.notEqual(newLink, oldLink, "the link shown changed");
  assert.equal(newLink, server.json("appt", "show", String(appt.id)).participants[0].link);
  assert.equal(await statusOf(oldLink), 410, "the old link is gone");
  assert.equal(await statusOf(newLink), 200, "the new one works");
});

test("cancelling an appointment: badge 'cancelled' and its link answers 410", async (t) => {
  const server = await startServer(t);
  const { appt } = clientWithAppointment(server, "Alexis Brandt", inMinutes(3 * 60));
  const link = appt.participants[0].link;
  const page = await newPage(t);
  await signIn(page, server);
  await page.goto(`${server.url}/admin/appointments/${appt.id}`);

  await clickAndLoad(page, page.getByRole("link", { name: "Cancel this session…" }));
  assert.equal(await h1(page), "Cancel this session?");
  assert.match(await page.locator("main").innerText(), /Alexis Brandt/);
  assert.equal(server.json("appt", "show", String(appt.id)).status, "scheduled", "nothing happens before yes");
  await clickAndLoad(page, page.getByRole("button", { name: "Yes, cancel the session" }));
  assert.equal(path(page), `/admin/appointments/${appt.id}?done=cancelled`);
  assert.match(await page.locator(".notice").innerText(), /Appointment cancelled/);
  assert.equal((await page.locator("main p .badge.cancelled").innerText()).trim().toLowerCase(), "cancelled");
  assert.equal(await page.getByRole("link", { name: "Cancel this session…" }).count(), 0, "no second cancel");
  assert.equal(await statusOf(link), 410);
  assert.equal(server.json("appt", "show", String(appt.id)).status, "cancelled");
});

test("importing a calendar file: upload, preview, import once (multipart over plain http too)", async (t) => {
  const server = await startServer(t);
  const page = await newPage(t);
  await signIn(page, server);
  await page.goto(`${server.url}/admin/import`);
  const day = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10).replaceAll("-", "");
  const ics = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple Inc.//macOS 15.2//EN", "BEGIN:VEVENT",
    "UID:browser-import-1", "SUMMARY:Session", `DTSTART:${day}T150000Z`, "DURATION:PT50M",
    "ATTENDEE;CN=\"Noor Haddad\";PARTSTAT=ACCEPTED:mailto:noor@example.net", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
  await page.getByLabel("Calendar file (.ics)").setInputFiles({
    name: "calendar.ics", mimeType: "text/calendar", buffer: Buffer.from(ics),
  });
  await clickAndLoad(page, page.getByRole("button", { name: "Preview" }));
  assert.equal(await h1(page), "Preview of the import");
  assert.match(await page.getByRole("status").innerText(), /create 1, update 0 and cancel 0/);
  assert.equal(server.json("appt", "list").length, 0, "a preview writes nothing");
  await clickAndLoad(page, page.getByRole("button", { name: "Import these" }));
  assert.equal(await h1(page), "Imported");
  const made = server.json("appt", "list");
  assert.equal(made.length, 1);
  assert.equal(made[0].participants[0].name, "Noor Haddad");
});

test("signing out ends the session: the old cookie no longer works", async (t) => {
  const server = await startServer(t);
  const page = await newPage(t);
  await signIn(page, server);
  const cookie = (await page.context().cookies()).find((c) => c.name === "porchlight_admin");
  assert.ok(cookie, "a session cookie was set");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Strict");
  const withCookie = { Cookie: `porchlight_admin=${cookie.value}` };
  assert.equal(await statusOf(server.url + "/admin", withCookie), 200, "the cookie works before");

  const response = await clickAndLoad(page, page.getByRole("button", { name: "Sign out" }));
  const logout = await response.request().redirectedFrom()?.response();
  assert.ok(logout, "the logout POST redirected");
  assert.equal(logout.request().method(), "POST");
  assert.equal(logout.status(), 303);
  assert.match((await logout.allHeaders())["clear-site-data"] || "", /"cookies"/, "Clear-Site-Data on logout");
  assert.equal(path(page), "/admin/login?done=logout");

  await page.goto(server.url + "/admin");
  assert.match(path(page), /^\/admin\/login/);
  const old = await httpFetch(server.url + "/admin", { headers: withCookie });
  assert.equal(old.status, 303, "the old cookie is refused");
  assert.match(old.headers.get("location"), /^\/admin\/login/);
  const post = await httpFetch(server.url + "/admin/clients", { method: "POST",
    headers: { ...withCookie, "Content-Type": "application/x-www-form-urlencoded" }, body: "name=Ghost" });
  assert.equal(post.status, 403, "a POST with the old cookie is refused");
  assert.equal(server.json("client", "list").length, 0);
});

test("an idle session ends; activity keeps it alive", async (t) => {
  // Generous margins, so a busy CI machine cannot blur idle and active.
  const server = await startServer(t, ["--admin-idle-seconds", "6"]);
  const page = await newPage(t);
  await signIn(page, server);

  // A click every 2.5 s keeps the session past 6 s in total.
  for (const where of ["/admin/clients", "/admin/settings", "/admin/audit"]) {
    await page.waitForTimeout(2500);
    await page.goto(server.url + where);
    assert.equal(path(page), where, "still signed in");
  }

  await page.waitForTimeout(7000);
  await page.goto(server.url + "/admin/clients");
  assert.equal(path(page), "/admin/login?done=expired", "idle: back to the login page");
  assert.match(await page.locator(".notice").innerText(), /Your session ended/);
  await page.getByLabel("Admin password").fill(PASSWORD);
  await clickAndLoad(page, page.getByRole("button", { name: "Sign in" }));
  assert.equal(path(page), "/admin");
});

test("a POST from another site is refused with 403 and changes nothing", async (t) => {
  const server = await startServer(t);
  const page = await newPage(t);
  await signIn(page, server);
  await page.goto(server.url + "/admin/clients");
  const csrf = await page.locator("form[action='/admin/clients'] input[name=csrf]").inputValue();
  const clients = () => server.json("client", "list").map((c) => c.name);

  // A page on another origin (another port) that auto-submits a form to the
  // admin. It is even given the real CSRF token, so only the origin check
  // stands in the way. 127.0.0.1 is same-site, so the cookie does go along.
  // Its "/null" page hides its origin (no-referrer: Origin null), as our
  // own pages do: on a LAN name no Fetch Metadata is sent either, and only
  // the SameSite=Strict cookie the browser withholds stands in the way.
  const evil = http.createServer((req, res) => {
    const token = req.url === "/forged" ? "forged-token" : csrf;
    const hide = req.url === "/null" ? { "Referrer-Policy": "no-referrer" } : {};
    res.writeHead(200, { "Content-Type": "text/html", ...hide });
    res.end(`<!doctype html><form id="f" method="post" action="${server.url}/admin/clients">
      <input name="csrf" value="${token}"><input name="name" value="Mallory ${req.url.slice(1)}"></form>
      <script>addEventListener("load", () => setTimeout(() => document.getElementById("f").submit(), 50))</script>`);
  });
  await new Promise((resolve) => evil.listen(0, "127.0.0.1", resolve));
  t.after(() => evil.close());
  const evilUrl = `http://127.0.0.1:${evil.address().port}`;

  for (const kind of ["real", "forged", "null"]) {
    const posted = page.waitForResponse((r) => r.url() === server.url + "/admin/clients" && r.request().method() === "POST");
    await page.goto(`${evilUrl}/${kind}`);
    const response = await posted;
    assert.equal(response.status(), 403, `cross-site form POST (${kind})`);
    await page.waitForURL(server.url + "/admin/clients");
    const why = kind === "null" && LAN_NAME ? /session has ended/ : /another site/;
    assert.match(await page.locator("body").innerText(), why);
  }

  // The same with an explicit foreign Origin and the admin cookie.
  const admin = (await page.context().cookies()).find((c) => c.name === "porchlight_admin");
  const foreign = await httpFetch(server.url + "/admin/clients", { method: "POST",
    headers: { Origin: "http://evil.example", Cookie: `porchlight_admin=${admin.value}`,
      "Content-Type": "application/x-www-form-urlencoded" },
    body: `csrf=${encodeURIComponent(csrf)}&name=Mallory+origin` });
  assert.equal(foreign.status, 403, "foreign Origin refused");
  assert.deepEqual(clients(), [], "no client was added");

  // Controls: from the admin's own page, no token → 403; the real token → added.
  await page.goto(server.url + "/admin/clients");
  const post = (body) => page.evaluate((body) => fetch("/admin/clients", { method: "POST", redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" }, body }).then((r) => r.type === "opaqueredirect" ? 303 : r.status), body);
  assert.equal(await post("name=No+Token"), 403, "same origin without the token");
  assert.deepEqual(clients(), []);
  assert.equal(await post(`csrf=${encodeURIComponent(csrf)}&name=Own+Page`), 303, "same origin with the token");
  assert.deepEqual(clients(), ["Own Page"], "the control POST did add a client");
});

test("screenshots, keyboard focus and field names on every admin page", async (t) => {
  const server = await startServer(t, ["--demo"], { password: null });
  const password = (await printed(server, /demo admin password: (\S+)/))[1];

  const phone = await newPage(t, { viewport: { width: 390, height: 844 } });
  await signIn(phone, server, password);
  await screenshot(phone, "admin-today-390");
  const problems = [];
  const overflow = async (page, what) => {
    const px = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (px > 0) problems.push(`${what} scrolls sideways by ${px}px`);
  };
  await overflow(phone, "dashboard at 390");
  const firstAppt = await phone.locator("article.appt a.quiet-link").first().getAttribute("href");
  await phone.goto(server.url + firstAppt);
  await screenshot(phone, "admin-appt-390");
  await overflow(phone, "appointment page at 390");
  // The demo's weekly client: the series page and the booking form's Repeats.
  await phone.goto(server.url + "/admin/series/1");
  await screenshot(phone, "admin-series-390");
  await overflow(phone, "series page at 390");
  await phone.goto(server.url + "/admin/appointments/new");
  await phone.locator("#f-repeat").scrollIntoViewIfNeeded();
  await screenshot(phone, "admin-new-appt-repeats-390");
  await overflow(phone, "booking form at 390");

  const wide = await newPage(t, { viewport: { width: 1280, height: 900 } });
  await wide.goto(server.url + "/admin/login");
  await screenshot(wide, "admin-login-1280");
  await signIn(wide, server, password);
  const pages = [
    ["/admin", "admin-today-1280"],
    ["/admin/clients", "admin-clients-1280"],
    ["/admin/appointments/new", "admin-new-appt-1280"],
    ["/admin/settings", "admin-settings-1280"],
    ["/admin/audit", "admin-audit-1280"],
    ["/admin/series/1", "admin-series-1280"],
    [firstAppt, "admin-appt-1280"],
  ];
  for (const [where, name] of pages) {
    await wide.goto(server.url + where);
    assert.equal(path(wide), where);
    await screenshot(wide, name);
    await overflow(wide, `${where} at 1280`);

    // Keyboard: the first Tab lands on a visible "Skip to content".
    await wide.keyboard.press("Tab");
    const focus = await wide.evaluate(() => {
      const el = document.activeElement, r = el.getBoundingClientRect(), s = getComputedStyle(el);
      return { text: el.textContent.trim(), href: el.getAttribute("href"), inView: r.width > 0 && r.left >= 0 && r.top >= 0,
        outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 };
    });
    assert.equal(focus.text, "Skip to content", `${where}: first Tab`);
    assert.equal(focus.href, "#main");
    assert.ok(focus.inView, `${where}: the focused skip link is on screen`);
    assert.ok(focus.outline, `${where}: the focus is visible (outline)`);
    if (where === "/admin") await screenshot(wide, "admin-skip-link-focus-1280");
    await wide.keyboard.press("Enter");
    await wide.waitForURL(/#main$/);
    await wide.keyboard.press("Tab");
    assert.equal(await wide.evaluate(() => !!document.activeElement.closest("main")), true,
      `${where}: after the skip link, Tab continues inside main`);

    for (const field of await unnamedFields(wide)) problems.push(`${where}: ${field} has no accessible name`);
    for (const text of await lowContrast(wide)) problems.push(`${where}: low contrast ${text}`);
  }
  const anon = await newPage(t);
  await anon.goto(server.url + "/admin/login");
  for (const field of await unnamedFields(anon)) problems.push(`/admin/login: ${field} has no accessible name`);
  for (const text of await lowContrast(anon)) problems.push(`/admin/login: low contrast ${text}`);
  assert.deepEqual(problems, [], "layout and accessibility problems");
});

test("the dashboard tells when the last nightly backup was taken, and warns about the same disk", async (t) => {
  const folder = mkdtempSync(join(tmpdir(), "porchlight-backups-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const server = await startServer(t, ["--backup-dir", folder, "--backup-keep", "3"]);
  const page = await newPage(t);
  await signIn(page, server);
  // The first backup is taken at start-up; the note is read when the page
  // is rendered, so reload until it is there.
  const note = page.locator("#backup");
  for (let i = 0; i < 50 && !/Last backup:/.test(await note.innerText()); i++) {
    await new Promise((r) => setTimeout(r, 100));
    await page.reload();
  }
  const text = await note.innerText();
  assert.match(text, /^Last backup: \w+day \d+ \w+ \d{4} at \d+:\d\d [AP]M UTC, in .*porchlight-backups-.* \(the newest 3 are kept\)\./);
  // A temporary folder is on the data directory's disk: said as an alert.
  assert.match(text, /same disk as the data/);
  assert.equal(await note.getAttribute("role"), "alert");
  assert.deepEqual(await lowContrast(page), []);
  assert.equal(readdirSync(folder).filter((n) => /^porchlight-\d{8}T\d{6}Z\.db$/.test(n)).length, 1);
  await screenshot(page, "admin-backup-note");
});

test("moving to a dead time: the question is in view, and so is 'moved' after it", async (t) => {
  const server = await startServer(t);
  const { appt } = clientWithAppointment(server, "Noor Haddad", inMinutes(3 * 60));
  const page = await newPage(t, { viewport: { width: 390, height: 700 } });
  await signIn(page, server);
  await page.goto(`${server.url}/admin/appointments/${appt.id}`);
  const inView = (locator) => locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });

  const lastYear = new Date(Date.now() - 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByLabel("Date").fill(lastYear);
  await clickAndLoad(page, page.getByRole("button", { name: "Move", exact: true }));
  const question = page.getByRole("heading", { name: "Check this time" });
  assert.equal(await inView(question), true, "the confirmation is where the clinician is looking");
  assert.match(await page.getByRole("alert").filter({ has: question }).innerText(), /already be expired/);
  assert.equal(server.json("appt", "show", String(appt.id)).start, appt.start, "not moved before 'anyway'");

  await clickAndLoad(page, page.getByRole("button", { name: "Move anyway" }));
  assert.notEqual(server.json("appt", "show", String(appt.id)).start, appt.start, "moved");
  assert.equal(await inView(page.locator(".notice")), true, "'moved' is shown where the page opens");
});
