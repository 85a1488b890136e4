// The built-in video room in real headless Chromium, with Chromium's fake
// camera and microphone: clients join through their own participant
// links, the clinician presses Start on the dashboard, and every browser
// reaches every other (WebRTC over loopback, signalling through
// Porchlight) and decodes their video: the frame counts keep rising.
// Two people, then three (a couple); the clinician ends the session for
// everyone. Plus the room on a 390 × 844 phone (three people without
// scrolling, Leave in view, one's own picture small and movable, the
// camera really off after Leave), screenshots and the room's
// accessibility, and the same over https behind the shipped Caddyfile
// (tls internal), the secure context a LAN setup needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  PASSWORD, STEP_TIMEOUT, useBrowser, startServer, newPage, clickAndLoad, signIn, path, inMinutes,
  unnamedButtons, unnamedFields, lowContrast, weakFocus, screenshot, unavailable,
} from "./harness.mjs";

// porch.lan is the LAN name of the shipped Caddyfile; here it is loopback.
useBrowser(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
  "--host-resolver-rules=MAP porch.lan 127.0.0.1"]);

const PHONE = { viewport: { width: 390, height: 800 }, permissions: ["camera", "microphone"] };
const DESK = { viewport: { width: 1280, height: 900 }, permissions: ["camera", "microphone"] };
/** An iPhone-sized screen; axe is injected as a script, which the page's
 *  Content-Security-Policy would refuse: the context bypasses it. */
const IPHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, permissions: ["camera", "microphone"], bypassCSP: true };
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** Reaching `connected` takes a few signalling round trips. */
const CONNECT_TIMEOUT = 20000;

/** A built-in-room practice with an open appointment for `names`. */
function practice(server, names) {
  server.cli("settings", "set", "video_provider", "builtin");
  const ids = names.map((name) => server.json("client", "add", "--name", name).id);
  return server.json("appt", "add", ...ids.flatMap((id) => ["--client", String(id)]),
    "--start", inMinutes(5).toISOString(), "--minutes", "50");
}

/** A client's phone: link opened, Join pressed, waiting for the clinician. */
async function clientJoins(t, participant, phone = PHONE) {
  const page = await newPage(t, phone);
  const said = [];
  page.on("console", (m) => said.push(m.text()));
  page.said = said;
  await page.goto(participant.link);
  await clickAndLoad(page, page.getByRole("button", { name: "Join video call" }));
  assert.match(path(page), /\/wait$/, `${participant.name} waits for the clinician`);
  return page;
}

/** The clinician signs in and presses Start: the room opens in a new tab. */
async function clinicianStarts(t, server, appt) {
  const dash = await newPage(t, DESK);
  await signIn(dash, server);
  const card = dash.locator(`#appt-${appt.id}`);
  const [room] = await Promise.all([
    dash.context().waitForEvent("page", { timeout: STEP_TIMEOUT }),
    card.getByRole("button", { name: /^Start session/ }).click(),
  ]);
  await room.waitForURL(/\/room\/[a-z0-9]+\/[\w-]{12}$/);
  room.setDefaultTimeout(STEP_TIMEOUT);
  room.said = [];
  room.on("console", (m) => room.said.push(m.text()));
  return { dash, room };
}

/** Wait until `page` shows `others` peers, all `connected`, each having
 *  decoded video frames that keep coming. */
async function seesEveryone(page, others, who) {
  try {
    await page.waitForFunction((n) => {
      const tiles = [...document.querySelectorAll(".tile[data-peer]")];
      return tiles.length === n && tiles.every((t) => t.dataset.state === "connected" && Number(t.dataset.frames) > 0);
    }, others, { timeout: CONNECT_TIMEOUT });
  } catch (e) {
    const state = await page.evaluate(() => [document.getElementById("state")?.textContent,
      ...[...document.querySelectorAll(".tile[data-peer]")].map((t) => `${t.dataset.state}/${t.dataset.frames}`)]);
    e.message = `${who} did not see ${others} connected peers with video: ${JSON.stringify(state)}\n` +
      `console: ${(page.said || []).join("\n  ")}\n${e.message}`;
    throw e;
  }
  const frames = () => page.evaluate(() => [...document.querySelectorAll(".tile[data-peer]")].map((t) => Number(t.dataset.frames)));
  const before = await frames();
  await page.waitForTimeout(2500);
  const after = await frames();
  after.forEach((n, i) => assert.ok(n > before[i], `${who}: frames from peer ${i} rise (${before[i]} → ${n})`));
  assert.match(await page.locator("#state").innerText(), /^Connected with /);
}

/** Robin joins, the clinician starts, and both see each other in one room,
 *  each from a seat of their own. */
async function robinAndTheClinicianInACall(t) {
  const server = await startServer(t);
  const appt = practice(server, ["Robin Okafor"]);
  const client = await clientJoins(t, appt.participants[0]);
  const { room } = await clinicianStarts(t, server, appt);
  await client.waitForURL(/\/room\//, { timeout: 10000 });
  assert.equal(new URL(client.url()).pathname.split("/")[2], new URL(room.url()).pathname.split("/")[2], "one room");
  assert.notEqual(client.url(), room.url(), "each person has a seat of their own");
  await seesEveryone(room, 1, "the clinician");
  await seesEveryone(client, 1, "Robin");
  return { server, client, room };
}

test("a client and the clinician see and hear each other in the built-in room", async (t) => {
  const { server, client, room } = await robinAndTheClinicianInACall(t);
  assert.equal(await room.locator(".tile[data-peer] figcaption").innerText(), "Robin O.");
  assert.equal(await client.locator(".tile[data-peer] figcaption").innerText(), "My Practice");

  // The page's own controls.
  const mute = client.getByRole("button", { name: "Mute" });
  await mute.click();
  const unmute = client.getByRole("button", { name: "Unmute", exact: true });
  assert.equal(await unmute.getAttribute("aria-pressed"), null, "one way to say the state: the name, not also pressed");
  assert.equal(await client.evaluate(() => document.getElementById("self").srcObject.getAudioTracks()[0].enabled), false);
  await client.getByText("Camera and microphone").click();
  assert.ok(await client.getByLabel("Camera").locator("option").count() >= 1, "the camera picker lists a camera");
  assert.deepEqual(await unnamedButtons(client), [], "every button has a name");
  assert.deepEqual(await unnamedFields(client), [], "every field has a label");
  assert.deepEqual(await lowContrast(client), [], "text contrast");
  await screenshot(client, "room-phone");
  await screenshot(room, "room-clinician-desk");

  // Leaving: the other side's tile goes, and the leave is audited.
  await client.getByRole("button", { name: "Leave" }).click();
  await room.waitForFunction(() => document.querySelectorAll(".tile[data-peer]").length === 0);
  assert.match(await room.locator("#state").innerText(), /Waiting for the others/);
  let events = [];
  for (const until = Date.now() + 5000; !events.includes("room.leave") && Date.now() < until;) {
    events = server.json("audit").map((e) => e.event);
    await room.waitForTimeout(100);
  }
  assert.ok(events.includes("room.leave"), `room.leave audited: ${events}`);
});

test("after a power cut and restart of the server, both pages enter again by themselves", async (t) => {
  const { server, client, room } = await robinAndTheClinicianInACall(t);
  const peerOf = (page) => page.evaluate(() => document.querySelector(".tile[data-peer]").dataset.peer);
  const before = [await peerOf(room), await peerOf(client)];

  // The hub (who is in the room) was in memory; the tickets are sealed
  // under the key file on disk, so the pages may enter again.
  await server.restart();
  for (const [i, page] of [room, client].entries()) {
    await page.waitForFunction((old) => {
      const tile = document.querySelector(".tile[data-peer]");
      return tile && tile.dataset.peer !== old;
    }, before[i], { timeout: CONNECT_TIMEOUT });
  }
  await seesEveryone(room, 1, "the clinician, after the restart");
  await seesEveryone(client, 1, "Robin, after the restart");
  const events = server.json("audit").map((e) => e.event);
  assert.ok(events.includes("room.enter"), `entering is audited: ${events}`);
});

test("a couple and the clinician: three browsers, each sees the two others", async (t) => {
  const server = await startServer(t);
  const appt = practice(server, ["Sam Taylor", "Jordan Taylor"]);
  const [sam, jordan] = [await clientJoins(t, appt.participants[0]), await clientJoins(t, appt.participants[1])];
  const { room } = await clinicianStarts(t, server, appt);
  await sam.waitForURL(/\/room\//, { timeout: 10000 });
  await jordan.waitForURL(/\/room\//, { timeout: 10000 });

  await seesEveryone(room, 2, "the clinician");
  await seesEveryone(sam, 2, "Sam");
  await seesEveryone(jordan, 2, "Jordan");

  // The clinician ends the session for everyone.
  room.on("dialog", (d) => d.accept());
  await room.getByRole("button", { name: "End session for everyone" }).click();
  for (const [page, who] of [[sam, "Sam"], [jordan, "Jordan"]]) {
    await page.waitForFunction(() => /ended the session/.test(document.getElementById("state").textContent),
      null, { timeout: 25000 }).catch((e) => { e.message = `${who} was not told: ${e.message}`; throw e; });
    assert.equal(await page.locator(".tile[data-peer]").count(), 0, `${who}'s tiles are gone`);
  }
  // Everyone's leaving is in the audit trail: the clinician's End and both clients.
  let leaves = [];
  for (const until = Date.now() + 5000; leaves.length < 3 && Date.now() < until;) {
    leaves = server.json("audit").filter((e) => e.event === "room.leave");
    await room.waitForTimeout(100);
  }
  assert.equal(leaves.length, 3, JSON.stringify(leaves));
  assert.ok(leaves.some((e) => /ended the session/.test(e.detail)), JSON.stringify(leaves));
  // A client cannot reopen the room on their own.
  await sam.reload();
  await sam.waitForFunction(() => /ended this session/.test(document.getElementById("state").textContent));
});

/** Where things are on `page`'s screen: the viewport, the page's height,
 *  the stage, one's own tile, the others' tiles, the visible controls,
 *  each a {left, top, right, bottom, width, height} box. */
function layout(page) {
  return page.evaluate(() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height }; };
    const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    return {
      width: innerWidth, height: innerHeight, scrollHeight: document.scrollingElement.scrollHeight,
      scrollWidth: document.scrollingElement.scrollWidth,
      stage: box(document.getElementById("tiles")),
      self: shown(document.getElementById("self-tile")) ? box(document.getElementById("self-tile")) : null,
      corner: document.getElementById("self-tile").dataset.corner,
      remotes: [...document.querySelectorAll(".tile[data-peer]")].map(box),
      controls: [...document.querySelectorAll("#controls button, #controls summary")].filter(shown)
        .map((el) => ({ name: el.textContent.trim(), ...box(el) })),
    };
  });
}

const inside = (b, v) => b.left >= 0 && b.top >= 0 && b.right <= v.width + 0.5 && b.bottom <= v.height + 0.5;
const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** The whole room in one screen: no scrolling either way, every control
 *  on screen and at least 44 × 44 px, one's own picture on none of them. */
function fitsOneScreen(l, what) {
  assert.ok(l.scrollHeight <= l.height, `${what}: no vertical scrolling (${l.scrollHeight} > ${l.height})`);
  assert.ok(l.scrollWidth <= l.width, `${what}: no sideways scrolling (${l.scrollWidth} > ${l.width})`);
  assert.ok(l.controls.some((c) => c.name === "Leave"), `${what}: Leave is shown`);
  for (const c of l.controls) {
    assert.ok(inside(c, l), `${what}: ${c.name} is on screen: ${JSON.stringify(c)}`);
    assert.ok(c.width >= 44 && c.height >= 44, `${what}: ${c.name} is a 44 px target: ${c.width} × ${c.height}`);
    if (l.self) assert.ok(!overlap(c, l.self), `${what}: my picture covers ${c.name}`);
  }
}

/** No video on `page` still shows a camera: each has no stream, or one
 *  whose every track has ended. */
const liveVideos = (page) => page.evaluate(() => [...document.querySelectorAll("video")]
  .filter((v) => v.srcObject && v.srcObject.getTracks().some((t) => t.readyState === "live")).map((v) => v.id || "remote"));

/** axe-core's WCAG 2.1 A/AA violations on `page`, one line each. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"],
  }));
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${v.help} at ${n.target.join(" ")}`));
}

/** Contrast, names, focus rings and axe on the room as it is now. */
async function accessible(page, what) {
  assert.deepEqual(await unnamedButtons(page), [], `${what}: every button has a name`);
  assert.deepEqual(await unnamedFields(page), [], `${what}: every field has a label`);
  assert.deepEqual(await lowContrast(page), [], `${what}: text contrast`);
  assert.deepEqual(await weakFocus(page), [], `${what}: focus rings`);
  assert.deepEqual(await axeViolations(page), [], `${what}: axe`);
}

test("on a 390 × 844 phone: alone, two, three people without scrolling; own picture small and movable; Leave turns the camera off", async (t) => {
  const server = await startServer(t);
  const appt = practice(server, ["Sam Taylor", "Jordan Taylor"]);
  const sam = await clientJoins(t, appt.participants[0], IPHONE);

  // Admitted before Start: Sam is alone in the room, and their own
  // picture has the stage.
  const dash = await newPage(t, DESK);
  await signIn(dash, server);
  await clickAndLoad(dash, dash.locator("#waiting li", { hasText: "Sam Taylor" }).getByRole("button", { name: "Admit Sam Taylor" }));
  await sam.waitForURL(/\/room\//, { timeout: 10000 });
  await sam.waitForFunction(() => /Waiting for the others/.test(document.getElementById("state").textContent));
  await sam.waitForFunction(() => document.getElementById("self").videoWidth > 0);
  let l = await layout(sam);
  fitsOneScreen(l, "alone");
  assert.ok(Math.abs(l.self.left - l.stage.left) < 1 && Math.abs(l.self.top - l.stage.top) < 1 &&
    l.self.width >= l.stage.width - 1 && l.self.height >= l.stage.height - 1,
    `alone, my picture has the stage: ${l.self.width} × ${l.self.height} of ${l.stage.width} × ${l.stage.height}`);
  assert.equal(await sam.getByRole("button", { name: "Move my picture" }).count(), 0, "nothing to move it out of the way of");
  await screenshot(sam, "room-390-alone");

  // The clinician starts: two people.
  const [room] = await Promise.all([
    dash.context().waitForEvent("page", { timeout: STEP_TIMEOUT }),
    dash.locator(`#appt-${appt.id}`).getByRole("button", { name: /^Start session/ }).click(),
  ]);
  room.setDefaultTimeout(STEP_TIMEOUT);
  await seesEveryone(sam, 1, "Sam, with the clinician");
  l = await layout(sam);
  fitsOneScreen(l, "two people");
  assert.ok(l.remotes[0].height >= l.stage.height - 1, "one other person fills the stage");
  await screenshot(sam, "room-390-two");

  // Jordan joins: three people.
  const jordan = await newPage(t, IPHONE);
  await jordan.goto(appt.participants[1].link);
  await clickAndLoad(jordan, jordan.getByRole("button", { name: "Join video call" }));
  await jordan.waitForURL(/\/room\//, { timeout: 10000 });
  await seesEveryone(sam, 2, "Sam");
  await seesEveryone(jordan, 2, "Jordan");
  await seesEveryone(room, 2, "the clinician");
  for (const [page, who] of [[sam, "Sam"], [jordan, "Jordan"]]) {
    l = await layout(page);
    fitsOneScreen(l, `three people, ${who}`);
    assert.equal(l.remotes.length, 2);
    for (const r of l.remotes) {
      assert.ok(inside(r, l), `${who}: each other person is wholly on screen: ${JSON.stringify(r)}`);
      assert.ok(r.height >= (l.stage.height - 10) / 2, `${who}: the two share the stage's height: ${r.height} of ${l.stage.height}`);
      assert.ok(l.self.width * l.self.height < r.width * r.height / 3, `${who}: my picture is smaller than theirs`);
    }
    assert.ok(l.remotes[1].top >= l.remotes[0].bottom, `${who}: stacked one above the other`);
    const share = l.self.width / l.stage.width;
    assert.ok(share > 0.2 && share < 0.35, `${who}: my picture is about 28% of the width: ${share}`);
    assert.ok(inside(l.self, l), `${who}: my picture is on screen`);
  }
  await screenshot(sam, "room-390-three");
  // The same phone on its side: still one screen, side by side.
  await sam.setViewportSize({ width: 844, height: 390 });
  l = await layout(sam);
  fitsOneScreen(l, "three people, phone on its side");
  assert.equal(l.remotes[0].top, l.remotes[1].top, "side by side");
  await screenshot(sam, "room-844x390-three");
  await sam.setViewportSize({ width: 390, height: 844 });
  await screenshot(room, "room-1280-three");
  l = await layout(room);
  fitsOneScreen(l, "the clinician at 1280");
  assert.equal(l.remotes[0].top, l.remotes[1].top, "at 1280 the others are side by side");
  assert.ok(l.self.width < l.remotes[0].width / 2, "and the clinician's own picture is small");

  // The device picker opens over the stage, not under the controls.
  await sam.getByText("Camera and microphone").click();
  assert.ok(await sam.getByLabel("Camera").isVisible(), "the camera picker shows");
  l = await layout(sam);
  fitsOneScreen(l, "with the device picker open");
  const mic = await sam.getByLabel("Microphone").boundingBox();
  assert.ok(inside({ left: mic.x, top: mic.y, right: mic.x + mic.width, bottom: mic.y + mic.height }, l),
    `the microphone picker is on screen: ${JSON.stringify(mic)}`);
  await screenshot(sam, "room-390-devices");
  await accessible(sam, "the room at 390 with the picker open");
  await sam.getByText("Camera and microphone").click();

  // Dragging one's own picture: it follows inside the stage and rests in
  // the nearest corner.
  const before = (await layout(sam)).self;
  assert.equal((await layout(sam)).corner, "br", "it starts bottom right");
  await sam.mouse.move(before.left + before.width / 2, before.top + before.height / 2);
  await sam.mouse.down();
  await sam.mouse.move(before.left - 100, before.top - 150, { steps: 8 });
  const midway = await layout(sam);
  assert.ok(midway.self.left < before.left && midway.self.top < before.top, "it follows the finger");
  await sam.mouse.move(-50, -50, { steps: 8 }); // past the edge of the screen
  const held = await layout(sam);
  assert.ok(held.self.left >= held.stage.left - 0.5 && held.self.top >= held.stage.top - 0.5, `it stays inside the stage: ${JSON.stringify(held.self)}`);
  await sam.mouse.up();
  l = await layout(sam);
  assert.equal(l.corner, "tl", "it rests in the nearest corner");
  assert.ok(l.self.left < before.left && l.self.top < before.top, "it moved");
  assert.ok(inside(l.self, l) && l.self.top >= l.stage.top && l.self.left >= l.stage.left, "and stays in view");
  fitsOneScreen(l, "after dragging my picture");

  // With a finger, on Jordan's phone: up to the top right.
  const finger = await jordan.context().newCDPSession(jordan);
  const start = (await layout(jordan)).self;
  const touch = (type, x, y) => finger.send("Input.dispatchTouchEvent",
    { type, touchPoints: type === "touchEnd" ? [] : [{ x, y }] });
  let [x, y] = [start.left + start.width / 2, start.top + start.height / 2];
  await touch("touchStart", x, y);
  for (; y > 100; y -= 40) await touch("touchMove", x, y);
  await touch("touchEnd");
  l = await layout(jordan);
  assert.equal(l.corner, "tr", `a finger moves it too: ${JSON.stringify(l.self)}`);
  assert.ok(l.self.top < start.top && inside(l.self, l), "up, and in view");
  fitsOneScreen(l, "Jordan, after moving their picture");

  // The button moves it too, corner by corner, without a drag.
  const move = sam.getByRole("button", { name: "Move my picture" });
  const seen = [];
  for (let i = 0; i < 4; i++) {
    await move.click();
    l = await layout(sam);
    seen.push(l.corner);
    assert.ok(inside(l.self, l), `in view at ${l.corner}`);
    fitsOneScreen(l, `my picture at ${l.corner}`);
  }
  assert.deepEqual(seen, ["tr", "br", "bl", "tl"], "each press, the next corner");
  await move.click();

  // Leave: the camera is off for real, the picture and the camera buttons
  // go, and what stays says how to come back.
  await sam.evaluate(() => { window.cameraBefore = document.getElementById("self").srcObject; });
  await sam.getByRole("button", { name: "Leave" }).click();
  await sam.waitForFunction(() => /You left/.test(document.getElementById("state").textContent));
  assert.deepEqual(await liveVideos(sam), [], "no video holds a live stream");
  assert.equal(await sam.evaluate(() => window.cameraBefore.getTracks().every((t) => t.readyState === "ended")), true,
    "the camera and microphone tracks are stopped");
  for (const name of ["Mute", "Stop camera", "Leave", "Move my picture"]) {
    assert.equal(await sam.getByRole("button", { name }).isVisible(), false, `${name} is gone`);
  }
  assert.equal(await sam.locator("#self-tile").isVisible(), false, "my picture is gone");
  assert.equal(await sam.getByText("Camera and microphone").isVisible(), false, "the device picker is gone");
  const back = sam.getByRole("link", { name: "Go back into the room" });
  assert.ok(await back.isVisible(), "the way back is offered");
  assert.ok(await sam.getByText("your session link opens the room again").isVisible(), "and the link for later");
  l = await layout(sam);
  assert.ok(l.scrollHeight <= l.height, "no scrolling after Leave");
  await screenshot(sam, "room-390-left");
  await accessible(sam, "the room after Leave");
  await room.waitForFunction(() => document.querySelectorAll(".tile[data-peer]").length === 1);

  // The way back works while the session lasts.
  await back.click();
  await sam.waitForURL(/\/room\//);
  await seesEveryone(sam, 2, "Sam, back in the room");
  assert.equal(await sam.locator("#self-tile").isVisible(), true);

  // The clinician ends it: the clients' cameras go off, and nobody is
  // offered a way back in.
  room.on("dialog", (d) => d.accept());
  await room.getByRole("button", { name: "End session for everyone" }).click();
  for (const [page, who] of [[room, "the clinician"], [sam, "Sam"], [jordan, "Jordan"]]) {
    await page.waitForFunction(() => /ended the session/.test(document.getElementById("state").textContent),
      null, { timeout: 25000 }).catch((e) => { e.message = `${who} was not told: ${e.message}`; throw e; });
    assert.deepEqual(await liveVideos(page), [], `${who}: no video holds a live stream`);
    assert.equal(await page.locator("#self-tile").isVisible(), false, `${who}: own picture gone`);
    assert.equal(await page.locator("#controls").isVisible(), false, `${who}: controls gone`);
    assert.equal(await page.getByRole("link", { name: "Go back into the room" }).isVisible(), false, `${who}: no way back in`);
    assert.equal(await page.getByText("your session link opens the room again").isVisible(), false, `${who}: not told to come back`);
  }
  assert.ok(await room.getByRole("link", { name: "Back to today's sessions" }).isVisible(), "the clinician is shown the dashboard");
  await screenshot(jordan, "room-390-ended");
});

test("one browser, two windows: the clinician's Start and a client's link, as in the demo", async (t) => {
  const server = await startServer(t);
  const appt = practice(server, ["Alex Rivera"]);
  const { dash, room } = await clinicianStarts(t, server, appt);
  // The same browser (the same cookies): the client's link in another window.
  const client = await dash.context().newPage();
  client.setDefaultTimeout(STEP_TIMEOUT);
  await client.goto(appt.participants[0].link);
  await clickAndLoad(client, client.getByRole("button", { name: "Join video call" }));
  await client.waitForURL(/\/room\//);
  await seesEveryone(room, 1, "the clinician's window");
  await seesEveryone(client, 1, "the client's window");
  assert.equal(await client.locator("#self-tile figcaption").innerText(), "You (Alex R.)");
  assert.equal(await room.locator("#self-tile figcaption").innerText(), "You (My Practice)");
});

/** A free loopback port. */
async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** The shipped Caddyfile's LAN site (`tls internal`) in front of `upstream`,
 *  on loopback ports of its own; stopped after `t`. */
async function caddyInFront(t, upstream) {
  const dir = mkdtempSync(join(tmpdir(), "porchlight-caddy-"));
  const [https, http] = [await freePort(), await freePort()];
  const shipped = readFileSync(new URL("../../contrib/Caddyfile", import.meta.url), "utf8");
  const lan = shipped.split("# 2.")[0]
    .replace("{\n", `{\n\tadmin off\n\tskip_install_trust\n\thttp_port ${http}\n\thttps_port ${https}\n\tstorage file_system ${dir}/caddy\n`)
    .replace("porch.lan, 192.168.1.10 {", "porch.lan {\n\tbind 127.0.0.1")
    .replaceAll("127.0.0.1:8080", `127.0.0.1:${upstream}`);
  writeFileSync(join(dir, "Caddyfile"), lan);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  const caddy = spawn("caddy", ["run", "--adapter", "caddyfile", "--config", join(dir, "Caddyfile")], { env, stdio: "ignore" });
  t.after(() => { caddy.kill(); rmSync(dir, { recursive: true, force: true }); });
  return `https://porch.lan:${https}`;
}

test("on the LAN behind Caddy's tls internal, the room is a secure context with camera and video", async (t) => {
  if (!existsSync("/usr/bin/caddy") && !existsSync("/usr/local/bin/caddy")) {
    return unavailable(t, "caddy is not installed (apt-get install caddy)");
  }
  const server = await startServer(t, ["--trust-proxy", "127.0.0.1"]);
  const lan = await caddyInFront(t, new URL(server.url).port);
  server.cli("settings", "set", "public_url", lan);
  const appt = practice(server, ["Robin Okafor"]);
  // Caddy's own authority is not installed in this browser: accept its
  // certificate the way a device that installed the root would.
  const https = { ...PHONE, ignoreHTTPSErrors: true };
  const link = appt.participants[0].link;
  assert.ok(link.startsWith(lan + "/v/"), `links use the public address: ${link}`);
  const client = await newPage(t, https);
  for (const until = Date.now() + 15000; ; await new Promise((r) => setTimeout(r, 200))) {
    const ok = await client.goto(link).then((r) => r && r.status() === 200, () => false);
    if (ok) break;
    assert.ok(Date.now() < until, "Caddy did not come up");
  }
  await clickAndLoad(client, client.getByRole("button", { name: "Join video call" }));
  const dash = await newPage(t, { ...DESK, ignoreHTTPSErrors: true });
  await dash.goto(lan + "/admin/login");
  await dash.getByLabel("Admin password").fill(PASSWORD);
  await clickAndLoad(dash, dash.getByRole("button", { name: "Sign in" }));
  const [room] = await Promise.all([
    dash.context().waitForEvent("page", { timeout: STEP_TIMEOUT }),
    dash.locator(`#appt-${appt.id}`).getByRole("button", { name: /^Start session/ }).click(),
  ]);
  await room.waitForURL(/\/room\//);
  await client.waitForURL(/\/room\//, { timeout: 10000 });
  assert.ok(client.url().startsWith(lan + "/room/"), client.url());
  assert.equal(await client.evaluate(() => window.isSecureContext), true, "https makes a secure context");
  await seesEveryone(client, 1, "Robin, over https");
  await seesEveryone(room, 1, "the clinician, over https");
});

test("on a plain-http LAN name the room says why there is no camera: to a client, ask for the secure link; to the clinician, how to open it", async (t) => {
  const server = await startServer(t);
  const appt = practice(server, ["Robin Okafor"]);
  const lan = server.url.replace("127.0.0.1", "porch.lan");
  server.cli("settings", "set", "public_url", lan);
  const link = appt.participants[0].link.replace(server.url, lan);
  const client = await newPage(t, PHONE);
  await client.goto(link);
  await clickAndLoad(client, client.getByRole("button", { name: "Join video call" }));
  const { room } = await clinicianStarts(t, { ...server, url: lan }, appt);
  assert.equal(await room.evaluate(() => window.isSecureContext), false, "plain http on a LAN name");
  await room.waitForFunction(() => /secure \(https\)/.test(document.getElementById("state")?.textContent || ""));
  const said = await room.locator("#state").innerText();
  assert.match(said, /Open Porchlight at its https address/, said);
  assert.doesNotMatch(said, /Ask your clinician/, said);
  await client.waitForURL(/\/room\//, { timeout: 10000 });
  await client.waitForFunction(() => /Ask your clinician for the secure link/.test(document.getElementById("state")?.textContent || ""));
  await screenshot(room, "room-insecure-clinician-1280");
});
