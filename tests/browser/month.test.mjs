// A month of a small practice booked in the admin pages, counting every
// step a clinician takes: five clients new to the practice (one of them a
// couple) seen weekly, then one session moved, one cancelled and one
// "this and following" change. A step is one click, one field typed into
// or one choice made; signing in is not counted. Run on localhost and,
// by tests/browser/run, again on a LAN name over plain http.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowser, startServer, newPage, clickAndLoad, signIn, h1, screenshot } from "./harness.mjs";

useBrowser();

const ZONE = "America/New_York";
/** `YYYY-MM-DD` in the practice zone, `days` from now. */
const localDay = (days) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date(Date.now() + days * 86400000));

test("a month for five clients, one a couple, takes under 30 steps in the admin pages", async (t) => {
  const server = await startServer(t);
  server.cli("settings", "set", "timezone", ZONE);
  const page = await newPage(t, { viewport: { width: 390, height: 844 } });
  await signIn(page, server);

  const steps = [];
  const step = async (what, action) => { steps.push(what); await action(); };
  const click = (what, locator) => step(`click ${what}`, () => clickAndLoad(page, locator));
  const fill = (label, value) => step(`type ${label}`, () => page.getByLabel(label).fill(value));
  const link = (name) => page.getByRole("link", { name });
  const button = (name) => page.getByRole("button", { name });
  const newClient = /new to the practice|client's name/i;

  const day = localDay(2);
  // Four series on one day, back to back: the first typed in full, the
  // next ones from "Book another after it" (the next hour, weekly).
  await click("New appointment", page.getByRole("navigation").getByRole("link", { name: "New appointment" }));
  await fill(newClient, "Ann Ash");
  await fill("Date", day);
  await fill(/Start time/, "09:00");
  await step("choose every week", () => page.getByLabel("How often").selectOption("weekly"));
  await click("Create appointment", button("Create appointment"));
  for (const names of ["Ben Birch", "Cy Cedar", "Dee Elm\nEli Elm"]) {
    await click("Book another after it", link("Book another after it"));
    await fill(newClient, names);
    await click("Create appointment", button("Create appointment"));
    assert.match(await page.locator(".notice, [role=status]").first().innerText(), /Repeating sessions made/);
  }

  // One move: Ann an hour earlier, that week only.
  await click("Its week", link("Its week"));
  await click("Ann's session", link(/^9:00.*Ann Ash/));
  await fill(/Start time/, "08:00");
  await click("Move", button("Move", { exact: true }));
  assert.match(await page.locator(".notice").innerText(), /Appointment moved/);
  // One cancel: Ben, that week only.
  await click("Its week", link("Its week"));
  await click("Ben's session", link(/^10:00.*Ben Birch/));
  await click("Cancel this session…", link("Cancel this session…"));
  await click("Yes, cancel the session", button("Yes, cancel the session"));
  assert.match(await page.locator(".notice").innerText(), /Appointment cancelled/);
  // This and following: Cy from the next week on, at 2 PM.
  await click("Its week", link("Its week"));
  await click("Next week", link("Next week →"));
  await click("Cy's session", link(/^11:00.*Cy Cedar/));
  await fill(/Start time/, "14:00");
  await step("tick And every later session", () => page.getByLabel(/And every later session/).check());
  await click("Move", button("Move", { exact: true }));
  assert.match(await page.locator(".notice").innerText(), /Appointment moved/);

  assert.ok(steps.length < 30, `${steps.length} steps:\n${steps.join("\n")}`);
  assert.equal(steps.length, 29, steps.join("\n"));

  // What the practice holds now.
  const clients = server.json("client", "list").map((c) => c.name).sort();
  assert.deepEqual(clients, ["Ann Ash", "Ben Birch", "Cy Cedar", "Dee Elm", "Eli Elm"]);
  const month = server.json("appt", "list", "--from", `${day}T00:00`, "--to", `${localDay(30)}T00:00`);
  const of = (name) => month.filter((a) => a.participants.some((p) => p.name === name));
  const local = (a) => new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hour: "2-digit", minute: "2-digit" })
    .format(new Date(a.start));
  assert.deepEqual(of("Ann Ash").map(local).slice(0, 4), ["08:00", "09:00", "09:00", "09:00"]);
  assert.deepEqual(of("Ben Birch").map((a) => a.status).slice(0, 2), ["cancelled", "scheduled"]);
  assert.deepEqual(of("Cy Cedar").map(local).slice(0, 4), ["11:00", "14:00", "14:00", "14:00"]);
  const couple = of("Dee Elm");
  assert.equal(couple[0].participants.length, 2, "the couple's session has both, each with a link");
  assert.notEqual(couple[0].participants[0].link, couple[0].participants[1].link);
  assert.equal(server.json("series", "list").length, 5, "Cy's series split in two");

  // The week as the clinician sees it now.
  await click("Its week", link("Its week"));
  assert.match(await h1(page), /^Week of/);
  await screenshot(page, "month-week-390");
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshot(page, "month-week-1280");
  // Cy's page: sessions either side of now, and both halves of the series.
  const cy = server.json("client", "list").find((c) => c.name === "Cy Cedar");
  await page.goto(`${server.url}/admin/clients/${cy.id}`);
  assert.equal(await page.locator(".client-series li").count(), 2, "the series before and after the change");
  await screenshot(page, "month-client-1280");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "month-client-390");
});
