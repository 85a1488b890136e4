// The week view, a client's page and the booking form they lead to, in
// a real headless Chromium: the client filter as you type (and the whole
// list without JavaScript), "book the same time next week" end to end,
// the week view's links, and screenshots of both pages at phone and desk
// widths (in SCREENSHOTS).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  useBrowser, startServer, newPage, clickAndLoad, signIn, h1, path, screenshot, lowContrast, unnamedFields,
} from "./harness.mjs";

useBrowser();

const NAMES = ["José Álvarez", "Ann Smith", "Ben Smith", "Chloé Martin", "Dev Patel", "Eli Cohen", "Fay Wong",
  "Gus Brown", "Hana Sato", "Ida Berg", "Jon Reyes", "Kai Müller", "Lea Novak", "Max Park", "Nia Okafor",
  "Oli Grant", "Pia Rossi", "Quinn Hale", "Rae Lopez", "Sol Vega", "Tom Fox", "Uma Das", "Vic Lang", "Wes Kim",
  "Xia Chen", "Yan Li", "Zoe Hart"];

/** A practice in New York with 27 clients; returns their ids by name. */
function practice(server) {
  server.cli("settings", "set", "timezone", "America/New_York");
  const ids = {};
  for (const name of NAMES) ids[name] = server.json("client", "add", "--name", name).id;
  return ids;
}

const visibleChoices = (page) => page.locator("#client-choices .choice:visible");
const shownNames = async (page) => (await visibleChoices(page).allInnerTexts()).map((n) => n.trim());

test("the client filter narrows the list as you type, and Enter ticks the one left", async (t) => {
  const server = await startServer(t);
  practice(server);
  const page = await newPage(t, { viewport: { width: 390, height: 844 } });
  await signIn(page, server);
  await page.goto(server.url + "/admin/appointments/new");
  assert.equal(await visibleChoices(page).count(), NAMES.length, "every client before typing");
  const filter = page.getByLabel("Find a client");
  await filter.pressSequentially("smi");
  assert.deepEqual(await shownNames(page), ["Ann Smith", "Ben Smith"]);
  assert.match(await page.locator("#client-filter-count").innerText(), /2 of 27 clients match/);
  // Without case or accents, several words each matching.
  await filter.fill("");
  await filter.pressSequentially("jose alv");
  assert.deepEqual(await shownNames(page), ["José Álvarez"]);
  await filter.press("Enter");
  assert.equal(path(page), "/admin/appointments/new", "Enter did not send the form");
  assert.ok(await page.getByLabel("José Álvarez").isChecked(), "Enter ticked the one match");
  assert.equal(await filter.inputValue(), "", "and cleared the filter");
  assert.equal(await visibleChoices(page).count(), NAMES.length);
  assert.match(await page.locator("#client-filter-count").innerText(), /Ticked José Álvarez/);
  // A ticked client stays in sight whatever is typed; no match says so.
  await filter.pressSequentially("zzz");
  assert.deepEqual(await shownNames(page), ["José Álvarez"]);
  assert.match(await page.locator("#client-filter-count").innerText(), /No client matches/);
  await filter.press("Escape");
  assert.equal(await visibleChoices(page).count(), NAMES.length, "Escape clears the filter");
  // From the filter, Tab reaches the first client shown.
  await filter.pressSequentially("wong");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.closest("label")?.textContent.trim()), "Fay Wong");
  await page.keyboard.press("Space");
  assert.ok(await page.getByLabel("Fay Wong").isChecked());
  assert.match(await page.locator("#client-filter-count").innerText(), /1 client matches, ticked/);
  assert.deepEqual(await unnamedFields(page), []);
  await screenshot(page, "appointment-new-filter-390");
});

test("without JavaScript the booking form lists every client and no filter", async (t) => {
  const server = await startServer(t);
  practice(server);
  const page = await newPage(t, { javaScriptEnabled: false });
  await signIn(page, server);
  await page.goto(server.url + "/admin/appointments/new");
  assert.equal(await page.locator("#client-choices input[type=checkbox]:visible").count(), NAMES.length);
  assert.equal(await page.getByLabel("Find a client").isVisible(), false, "the filter needs the script");
});

test("a client's page books the same time next week, and the week view leads to the card", async (t) => {
  const server = await startServer(t);
  const ids = practice(server);
  const ann = ids["Ann Smith"];
  // Weekly at 10:00 New York time on both sides of the autumn change.
  const made = ["2026-10-25T10:00", "2026-11-01T10:00"].map((start) =>
    server.json("appt", "add", "--client", String(ann), "--start", start, "--minutes", "50", "--force"));
  const cancelled = server.json("appt", "add", "--client", String(ids["Ben Smith"]), "--start", "2026-10-28T15:00",
    "--force");
  server.cli("appt", "cancel", String(cancelled.id));

  const page = await newPage(t);
  await signIn(page, server);
  await page.goto(server.url + "/admin/week?date=2026-10-29");
  assert.equal(await h1(page), "Week of 26 October – 1 November 2026");
  const sunday = page.getByRole("region", { name: "Sunday 1 November" });
  await sunday.getByRole("link", { name: /10:00 AM – 10:50 AM EST\s*, Ann Smith/ }).waitFor();
  const wednesday = page.getByRole("region", { name: "Wednesday 28 October" });
  await wednesday.getByText("Cancelled", { exact: true }).waitFor();
  assert.match(await page.getByRole("region", { name: "Monday 26 October" }).innerText(), /No sessions/);
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width < 800 ? 844 : 900 });
    await screenshot(page, `week-${width}`);
    assert.deepEqual(await lowContrast(page), [], `contrast at ${width} px`);
    if (width === 390) {
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 390, `no sideways scrolling on a phone (${wide} px)`);
    }
  }
  // The date field, without a script: the week holding that date.
  await page.getByLabel("Any week by date").fill("2026-11-04");
  await clickAndLoad(page, page.getByRole("button", { name: "Show that week" }));
  assert.equal(path(page), "/admin/week?date=2026-11-04");
  assert.equal(await h1(page), "Week of 2 November – 8 November 2026");
  await clickAndLoad(page, page.getByRole("link", { name: "← Previous week" }));
  await clickAndLoad(page, page.getByRole("link", { name: /10:00 AM – 10:50 AM EST\s*, Ann Smith/ }));
  assert.equal(path(page), `/admin/appointments/${made[1].id}`, "one click to the session's card");

  await page.goto(server.url + `/admin/clients/${ann}`);
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width < 800 ? 844 : 900 });
    await screenshot(page, `client-${width}`);
    assert.deepEqual(await lowContrast(page), [], `contrast at ${width} px`);
  }
  await clickAndLoad(page, page.getByRole("link", { name: "Book the same time next week" }));
  assert.ok(await page.getByLabel("Ann Smith").isChecked(), "the client is ticked");
  assert.equal(await page.getByLabel("Date").inputValue(), "2026-11-08");
  assert.equal(await page.getByLabel(/Start time/).inputValue(), "10:00");
  assert.equal(await page.getByLabel("Length in minutes").inputValue(), "50");
  // That week is over by now: the form asks first, then books it.
  await page.getByLabel("Length in minutes").fill("45");
  await page.getByLabel("Remember this length as my usual").check();
  await clickAndLoad(page, page.getByRole("button", { name: "Create appointment" }));
  if (await page.getByRole("button", { name: "Create anyway" }).count()) {
    await clickAndLoad(page, page.getByRole("button", { name: "Create anyway" }));
  }
  assert.match(path(page), /^\/admin\/appointments\/\d+\?done=created$/);
  const usual = server.json("settings", "show").find((s) => s.key === "session_minutes");
  assert.equal(usual.value, "45");
});
