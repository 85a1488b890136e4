// Every page a person can reach, checked by axe-core against WCAG 2.1 A
// and AA on a phone (390 px) and a desk (1280 px), and its HTML, as the
// server sent it, kept for the Nu Html Checker (tests/browser/validate,
// run by `make test` after this suite). Any axe violation fails here.
//
// The demo practice has links in every state at once; a second server
// without a password gives the first-run setup page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  Porchlight, browser, clickAndLoad, signIn, printed, path, weakFocus, screenshot,
} from "./harness.mjs";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** Where the served HTML goes; the validator reads it from there. */
const OUT = join(process.env.HTML_CHECK_DIR || new URL("../../target/tmp/html-check", import.meta.url).pathname, "pages");
const WIDTHS = [390, 1280];
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

let demo, fresh, chrome;
const seen = new Set();

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  demo = await Porchlight.start(["--demo"]);
  fresh = await Porchlight.start();
  chrome = await browser(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]);
});
after(async () => {
  await chrome?.close();
  demo?.stop();
  fresh?.stop();
});

/** A page in a context of its own. axe is injected as a script, which the
 *  pages' Content-Security-Policy would refuse: the context bypasses it. */
async function open(t, extra = {}) {
  const context = await chrome.newContext({
    bypassCSP: true, viewport: { width: WIDTHS[0], height: 844 }, permissions: ["camera", "microphone"], ...extra,
  });
  t.after(() => context.close());
  // The document as served, before any script touched it, for every tab
  // of the context (the room opens in a new one).
  context.on("response", (r) => {
    if (!r.request().isNavigationRequest() || (r.status() >= 300 && r.status() < 400)) return;
    let frame;
    try { frame = r.frame(); } catch { return; } // a new tab's first request comes before its frame
    if (frame === frame.page().mainFrame()) frame.page().served = r;
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  return page;
}

/** axe's WCAG 2.1 A/AA violations of `page` as lines a person can act on. */
async function violations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate((tags) => window.axe.run(document, {
    runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
  }), TAGS);
  return result.violations.flatMap((v) => v.nodes.map((n) =>
    `${v.id} (${v.impact}): ${v.help}\n      at ${n.target.join(" ")}\n      ${n.failureSummary.replace(/\n/g, "\n      ")}`));
}

/** Keep the served HTML of `page` as NAME.html and add what is wrong
 *  with it (its status, axe violations at either width, its headings and
 *  focus rings) to `problems`:
 *  each test reports every page's problems at once, at its end. */
async function check(problems, page, name, status = 200) {
  assert.ok(page.served, `${name}: a document was loaded`);
  writeFileSync(join(OUT, name + ".html"), await page.served.body());
  seen.add(name);
  if (page.served.status() !== status) problems.push(`${name}: status ${page.served.status()}, not ${status}`);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 800 ? 844 : 900 });
    for (const v of await violations(page)) problems.push(`${name} at ${width} px: ${v}`);
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 844 });
  // What axe leaves to people: one main heading, and a focus ring that
  // can be seen.
  const h1s = await page.locator("h1:visible").count();
  if (h1s !== 1) problems.push(`${name}: ${h1s} <h1> elements, not one`);
  for (const weak of await weakFocus(page)) problems.push(`${name}: ${weak}`);
}

/** Fail with every problem found, one to a paragraph. */
function noProblems(problems) {
  assert.ok(problems.length === 0, `axe-core (WCAG 2.1 A/AA) and status problems:\n\n${problems.join("\n\n")}`);
}

/** The demo's links by state, and its portal link. */
function demoLinks() {
  const links = {};
  for (const line of demo.output().split("\n")) {
    const m = line.match(/^\s+(\w+)\s+.*?(http:\/\/\S+)/);
    if (m && !links[m[1]]) links[m[1]] = m[2];
  }
  return links;
}

test("client pages: every link state, the code form, the portal", async (t) => {
  const problems = [];
  const links = demoLinks();
  const page = await open(t);
  for (const [state, status] of [["open", 200], ["early", 200], ["expired", 410], ["cancelled", 410],
    ["revoked", 410], ["unknown", 404]]) {
    await page.goto(links[state]);
    await check(problems, page, `link-${state}`, status);
  }
  await page.goto(links.code);
  await check(problems, page, "join");
  await page.getByLabel(/code/i).fill("AAAA-AAAA");
  await clickAndLoad(page, page.locator("form button[type=submit]"));
  assert.equal(path(page), "/join");
  await check(problems, page, "join-error");

  await page.goto(links.portal);
  await check(problems, page, "portal");
  demo.cli("settings", "set", "portal_links", "off");
  await page.goto(links.portal);
  await check(problems, page, "portal-off", 410);
  demo.cli("settings", "set", "portal_links", "on");
  const alex = demo.json("client", "list").find((c) => links.portal === c.portal_url);
  assert.ok(alex, "the demo portal link belongs to a client");
  demo.cli("client", "portal", "rotate", String(alex.id));
  await page.goto(links.portal);
  await check(problems, page, "portal-revoked", 410);

  // A client taken out of one session, and an archived client's portal.
  const lee = demo.json("client", "add", "--name", "Lee Archive");
  const kim = demo.json("client", "add", "--name", "Kim Archive");
  const later = new Date(Date.now() + 3 * 86400e3).toISOString().replace(/\.\d+Z$/, "Z");
  const shared = demo.json("appt", "add", "--client", String(lee.id), "--client", String(kim.id),
    "--start", later, "--minutes", "50");
  demo.cli("appt", "remove-client", String(shared.id), "--client", String(kim.id));
  await page.goto(shared.participants[1].link);
  await check(problems, page, "link-removed", 410);
  demo.cli("client", "archive", String(lee.id), "--force");
  await page.goto(lee.portal_url);
  await check(problems, page, "portal-archived", 410);
  noProblems(problems);
});

test("admin pages, the waiting page and the room", async (t) => {
  const problems = [];
  const setup = await open(t);
  await setup.goto(fresh.url + "/admin/setup");
  await check(problems, setup, "admin-setup");
  await setup.getByLabel("Setup code").fill("AAAA-BBBB-CCCC");
  await setup.getByLabel("New password").fill("a calm harbour at dusk");
  await setup.getByLabel("The same password again").fill("a calm harbour at dusk");
  await clickAndLoad(setup, setup.getByRole("button", { name: /Set password/ }));
  await check(problems, setup, "admin-setup-error");

  const password = (await printed(demo, /demo admin password: (\S+)/))[1];
  const admin = await open(t);
  await admin.goto(demo.url + "/admin/login");
  await check(problems, admin, "admin-login");
  await admin.getByLabel("Admin password").fill("not the password at all");
  await clickAndLoad(admin, admin.getByRole("button", { name: "Sign in" }));
  await check(problems, admin, "admin-login-error");
  await signIn(admin, demo, password);
  await check(problems, admin, "admin-today");

  const appts = demo.json("appt", "list");
  const live = appts.find((a) => a.status !== "cancelled" && a.participants.some((p) => p.name === "Riley Chen"));
  assert.ok(live, "the demo has Riley's appointment");
  const clientId = live.participants[0].client_id;
  const series = demo.json("series", "list")[0];
  assert.ok(series, "the demo has a weekly series");
  const couple = appts.find((a) => a.status !== "cancelled" && a.participants.length > 1);
  assert.ok(couple, "the demo has a couple's appointment");
  for (const [name, route] of [
    ["admin-series", `/admin/series/${series.id}`],
    ["admin-client-series", `/admin/clients/${series.clients[0].id}`],
    ["admin-series-cancel", `/admin/series/${series.id}/cancel`],
    ["admin-appointment-series", `/admin/appointments/${series.next[0].id}`],
    ["admin-cancel-series", `/admin/appointments/${series.next[0].id}/cancel`],
    ["admin-appointment", `/admin/appointments/${live.id}`],
    ["admin-appointment-new", "/admin/appointments/new"],
    ["admin-cancel", `/admin/appointments/${live.id}/cancel`],
    ["admin-clients", "/admin/clients"],
    ["admin-client", `/admin/clients/${clientId}`],
    ["admin-week", "/admin/week"],
    ["admin-settings", "/admin/settings"],
    ["admin-audit", "/admin/audit"],
    ["admin-archive", `/admin/clients/${clientId}/archive`],
    ["admin-remove", `/admin/appointments/${couple.id}/remove?client=${couple.participants[1].client_id}`],
  ]) {
    await admin.goto(demo.url + route);
    await check(problems, admin, name);
  }
  // A date the week view cannot read: 400, the reason by the field.
  await admin.goto(demo.url + "/admin/week?date=2026-02-30");
  await check(problems, admin, "admin-week-error", 400);
  // Forms sent empty, past the browser's own checks: the error messages
  // and aria-invalid fields.
  for (const [name, route, button] of [
    ["admin-appointment-new-error", "/admin/appointments/new", "Create appointment"],
    ["admin-clients-error", "/admin/clients", "Add client"],
  ]) {
    await admin.goto(demo.url + route);
    await admin.evaluate(() => document.querySelectorAll("form").forEach((f) => { f.noValidate = true; }));
    await clickAndLoad(admin, admin.getByRole("button", { name: button }));
    await check(problems, admin, name, 400);
  }
  // Adding a client whose name another client has: "Add anyway?" first.
  await admin.goto(demo.url + "/admin/clients");
  await admin.getByLabel("Name", { exact: true }).fill("riley  CHEN");
  await clickAndLoad(admin, admin.getByRole("button", { name: "Add client" }));
  assert.ok(await admin.getByRole("button", { name: "Add anyway" }).isVisible());
  await check(problems, admin, "admin-clients-duplicate");

  // The waiting page, then the built-in room the clinician's Start opens.
  demo.cli("settings", "set", "video_provider", "builtin");
  const open_ = appts.find((a) => a.status !== "cancelled" && a.participants.some((p) => p.name === "Alex Rivera"));
  const client = await open(t);
  await client.goto(open_.participants[0].link);
  await clickAndLoad(client, client.getByRole("button", { name: "Join video call" }));
  assert.match(path(client), /\/wait$/);
  await check(problems, client, "waiting");

  await admin.goto(demo.url + "/admin");
  const [room] = await Promise.all([
    admin.context().waitForEvent("page"),
    admin.locator(`#appt-${open_.id}`).getByRole("button", { name: /^Start session/ }).click(),
  ]);
  await room.waitForURL(/\/room\//);
  await room.waitForLoadState("load");
  // A tab opened by a form's POST may be answered before the test sees
  // the tab: then its document is fetched again, with the same cookies.
  room.served ??= await room.context().request.get(room.url(), { maxRedirects: 0 });
  await check(problems, room, "room");
  noProblems(problems);
});

/** A calendar as Google exports one, `days` from now: two sessions with
 *  client attendees (one a couple, one client new to the practice) and an
 *  all-day event, which is left out. */
function calendar(days) {
  const at = (d, h) => {
    const t = new Date(Date.now() + d * 86400e3);
    t.setUTCHours(h, 0, 0, 0);
    return t.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  };
  const event = (uid, d, h, who) => ["BEGIN:VEVENT", `UID:${uid}@google.com`, `DTSTART:${at(d, h)}`,
    `DTEND:${at(d, h + 1)}`, `DTSTAMP:${at(0, 0)}`, "SUMMARY:Session",
    "ORGANIZER;CN=The Clinician:mailto:clinician@example.org",
    ...who.map(([name, email]) => `ATTENDEE;CN=${name};PARTSTAT=ACCEPTED:mailto:${email}`), "END:VEVENT"];
  const allDay = at(days, 0).slice(0, 8);
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
    ...event("pages-1", days, 14, [["Jordan Importwell", "jordan@example.org"]]),
    ...event("pages-2", days + 1, 15, [["Sam Lakeside", "sam@example.org"], ["Robin Lakeside", "robin@example.org"]]),
    "BEGIN:VEVENT", "UID:pages-3@google.com", `DTSTART;VALUE=DATE:${allDay}`, "SUMMARY:Training day",
    "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
}

test("the Import page: the form, its error, the preview, the report", async (t) => {
  const problems = [];
  const password = (await printed(demo, /demo admin password: (\S+)/))[1];
  const admin = await open(t);
  await signIn(admin, demo, password);
  await admin.goto(demo.url + "/admin/week");
  await clickAndLoad(admin, admin.getByRole("link", { name: "import them" }));
  assert.equal(path(admin), "/admin/import");
  assert.equal(await admin.getByRole("link", { name: "Import", exact: true }).getAttribute("aria-current"), "page");
  await check(problems, admin, "admin-import");
  // The focus checks leave the skip link focused: not what a reader sees.
  const shot = async (name) => { await admin.evaluate(() => document.activeElement?.blur()); await screenshot(admin, name); };
  await shot("admin-import-390");
  // No file chosen: the form again, with the reason (the browser's own
  // checks cannot ask for one of two fields).
  await clickAndLoad(admin, admin.getByRole("button", { name: "Preview" }));
  await check(problems, admin, "admin-import-error", 400);
  assert.match(await admin.getByRole("alert").innerText(), /Choose a \.ics file/);

  const before = demo.json("appt", "list").length;
  await admin.getByLabel("Calendar file (.ics)").setInputFiles({
    name: "practice.ics", mimeType: "text/calendar", buffer: Buffer.from(calendar(3)),
  });
  await clickAndLoad(admin, admin.getByRole("button", { name: "Preview" }));
  await check(problems, admin, "admin-import-preview");
  assert.match(await admin.getByRole("status").innerText(), /create 2, update 0 and cancel 0/);
  assert.ok(await admin.getByRole("table", { name: /Appointments to create/ }).isVisible());
  assert.ok(await admin.getByRole("table", { name: /Left out/ }).getByText("Training day").isVisible());
  assert.equal(demo.json("appt", "list").length, before, "the preview wrote nothing");
  await shot("admin-import-preview-390");
  await admin.setViewportSize({ width: 1280, height: 900 });
  await shot("admin-import-preview-1280");
  await admin.setViewportSize({ width: 390, height: 844 });

  const id = await admin.locator("input[name=id]").inputValue();
  await clickAndLoad(admin, admin.getByRole("button", { name: "Import these" }));
  await check(problems, admin, "admin-import-done");
  assert.match(await admin.getByRole("status").innerText(), /Created 2, updated 0 and cancelled 0/);
  assert.equal(demo.json("appt", "list").length, before + 2);
  await shot("admin-import-done-390");
  await admin.setViewportSize({ width: 1280, height: 900 });
  await shot("admin-import-done-1280");
  await admin.setViewportSize({ width: 390, height: 844 });
  // The report leads to the appointments made, and to their week.
  await clickAndLoad(admin, admin.getByRole("link", { name: "See them in the week view" }));
  assert.match(path(admin), /^\/admin\/week\?date=\d{4}-\d\d-\d\d$/);
  assert.ok(await admin.getByText("Jordan Importwell").first().isVisible());
  // The same preview's "Import these" sent again: refused, nothing
  // written twice.
  await admin.goto(demo.url + "/admin/import");
  await admin.evaluate((id) => {
    const form = document.querySelector("form.import-form");
    form.action = "/admin/import/confirm";
    form.enctype = "application/x-www-form-urlencoded";
    const field = document.createElement("input");
    Object.assign(field, { type: "hidden", name: "id", value: id });
    form.append(field);
  }, id);
  await clickAndLoad(admin, admin.getByRole("button", { name: "Preview" }));
  await check(problems, admin, "admin-import-used", 409);
  assert.equal(demo.json("appt", "list").length, before + 2);
  noProblems(problems);
});

test("the Import page reads a private address and keeps it in sync; the dashboard shows it", async (t) => {
  const problems = [];
  const { createServer } = await import("node:http");
  const body = calendar(5).replaceAll("pages-", "sync-");
  const cal = createServer((req, res) => { res.writeHead(200, { "Content-Type": "text/calendar" }); res.end(body); });
  await new Promise((ok) => cal.listen(0, "127.0.0.1", ok));
  t.after(() => cal.close());
  const address = `http://127.0.0.1:${cal.address().port}/calendar/private-Q7x/basic.ics`;
  const password = (await printed(demo, /demo admin password: (\S+)/))[1];
  const admin = await open(t);
  await signIn(admin, demo, password);
  await admin.goto(demo.url + "/admin/import");
  await admin.getByLabel("Or the calendar's private address").fill(address);
  await clickAndLoad(admin, admin.getByRole("button", { name: "Preview" }));
  await check(problems, admin, "admin-import-address");
  const text = await admin.locator("main").innerText();
  assert.match(text, /the private address at 127\.0\.0\.1/);
  assert.ok(!text.includes("private-Q7x"), "the secret path is not shown");
  assert.ok(await admin.getByLabel("Keep this calendar in sync").isChecked());
  await admin.evaluate(() => document.activeElement?.blur());
  await screenshot(admin, "admin-import-address-390");
  await clickAndLoad(admin, admin.getByRole("button", { name: "Import these" }));
  assert.match(await admin.locator("main").innerText(), /now kept in sync/);
  await admin.goto(demo.url + "/admin");
  await check(problems, admin, "admin-today-sync");
  assert.match(await admin.locator("#sync").innerText(), /^Calendar: /);
  await admin.evaluate(() => document.activeElement?.blur());
  await screenshot(admin, "admin-today-sync-390");
  await clickAndLoad(admin, admin.getByRole("button", { name: "Stop syncing this calendar" }));
  assert.equal(await admin.locator("#sync").count(), 0, "sync is off");
  noProblems(problems);
});

test("every page was kept for the HTML validator", () => {
  const expected = ["link-open", "link-early", "link-expired", "link-cancelled", "link-revoked", "link-unknown",
    "join", "join-error", "portal", "portal-off", "portal-revoked", "admin-setup", "admin-setup-error",
    "admin-login", "admin-login-error", "admin-today", "admin-appointment", "admin-appointment-new", "admin-cancel",
    "admin-clients", "admin-client", "admin-settings", "admin-audit", "admin-appointment-new-error",
    "admin-clients-error", "admin-week", "admin-week-error", "waiting", "room", "link-removed", "portal-archived",
    "admin-archive", "admin-remove", "admin-clients-duplicate", "admin-import", "admin-import-error",
    "admin-import-preview", "admin-import-done", "admin-import-used", "admin-import-address", "admin-today-sync"];
  assert.deepEqual(expected.filter((n) => !seen.has(n)), []);
});
