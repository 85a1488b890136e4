// The way into the video room in a real headless Chromium: the client's
// Join leads to the waiting page, the clinician's Start (a new tab) lets
// them in without the client touching anything, Admit lets one client of
// a couple in before Start, and Jitsi tokens are minted per entry with the
// right role. Plus contrast, button names and screenshots of the waiting
// page and of the dashboard with Start and Admit.
//
// The "video room" is a tiny HTTP server of the test's own on 127.0.0.1,
// answering 200 for any path, so the tests see exactly which URL (and
// token) each browser was sent to.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHmac } from "node:crypto";
import {
  STEP_TIMEOUT, useBrowser, startServer, newPage, clickAndLoad, signIn, path, inMinutes, clientWithAppointment,
  lowContrast, unnamedButtons, unnamedFields, screenshot,
} from "./harness.mjs";

useBrowser();

const PHONE = { viewport: { width: 390, height: 800 } };
const DESK = { viewport: { width: 1280, height: 900 } };
const JITSI_APP = "porchlight-test";
const JITSI_SECRET = "browser-test-secret-0123456789abcdef-XYZ";
/** The waiting page asks every 3 s; moving on may take a poll or two. */
const MOVE_TIMEOUT = 10000;

// ---- helpers ------------------------------------------------------------

/** A stand-in video room: 200 and a small page for any path; `hits` are
 *  the rooms asked for (paths under /room/, not the favicon), in order. */
async function videoRoom(t) {
  const hits = [];
  const room = http.createServer((req, res) => {
    if (req.url.startsWith("/room/")) hits.push(req.url);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end("<!doctype html><html lang=en><meta charset=utf-8><title>Video room</title><h1>Video room</h1>");
  });
  await new Promise((resolve) => room.listen(0, "127.0.0.1", resolve));
  t.after(() => { room.closeAllConnections(); room.close(); });
  return { base: `http://127.0.0.1:${room.address().port}/room/`, hits };
}

/** Video rooms at `room`, with Jitsi tokens when `jitsi`. */
function useRoom(server, room, { jitsi = false } = {}) {
  server.cli("settings", "set", "video_url_template", room.base + "{room}");
  if (jitsi) {
    server.cli("settings", "set", "video_provider", "jitsi");
    server.cli("settings", "set", "jitsi_app_id", JITSI_APP);
    server.cli("settings", "set", "jitsi_secret", JITSI_SECRET);
  }
}

/** A couples appointment (both clients on it) made with the command line. */
function couple(server, names, start, minutes = 50) {
  const ids = names.map((name) => server.json("client", "add", "--name", name).id);
  return server.json("appt", "add", ...ids.flatMap((id) => ["--client", String(id)]),
    "--start", start.toISOString(), "--minutes", String(minutes));
}

/** A room URL split up: the room name and the claims of its `jwt` (the
 *  signature checked with the secret), or no claims without a token. */
function roomEntry(url, room) {
  assert.ok(url.startsWith(room.base), `${url} is a room URL under ${room.base}`);
  const u = new URL(url);
  const name = u.pathname.slice(new URL(room.base).pathname.length);
  const jwt = u.searchParams.get("jwt");
  if (!jwt) return { name, claims: null };
  const [header, payload, signature] = jwt.split(".");
  const decode = (part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  assert.deepEqual(decode(header), { alg: "HS256", typ: "JWT" });
  const expected = createHmac("sha256", JITSI_SECRET).update(`${header}.${payload}`).digest("base64url");
  assert.equal(signature, expected, "the token is signed with jitsi_secret");
  return { name, claims: decode(payload) };
}

/** What every Jitsi token for `roomName` must say, whoever it is for. */
function checkClaims(claims, roomName, moderator) {
  const now = Date.now() / 1000;
  assert.equal(claims.iss, JITSI_APP);
  assert.equal(claims.aud, "jitsi");
  assert.equal(claims.sub, "127.0.0.1", "sub is the video host");
  assert.equal(claims.room, roomName.toLowerCase());
  assert.equal(typeof claims.nbf, "number", "nbf is a number");
  assert.equal(typeof claims.exp, "number", "exp is a number");
  assert.ok(claims.nbf <= now, `valid already (nbf ${claims.nbf}, now ${now})`);
  assert.ok(claims.exp > now, `not expired (exp ${claims.exp}, now ${now})`);
  assert.ok(claims.exp - claims.nbf < 3 * 3600, "valid for the window only, not for days");
  assert.equal(claims.context.user.moderator, moderator ? "true" : "false");
  assert.equal(claims.context.user.affiliation, moderator ? "owner" : "member");
}

/** What each page said on its console: a blocked form (a Content Security
 *  Policy refusal, say) shows up only there. */
const consoleOf = new WeakMap();
function listen(page) {
  const lines = [];
  page.on("console", (m) => lines.push(m.text()));
  consoleOf.set(page, lines);
  return page;
}

/** `promise`, or its error with what `page` said on its console. */
async function telling(page, what, promise) {
  try {
    return await promise;
  } catch (e) {
    await new Promise((resolve) => setTimeout(resolve, 500)); // the console may lag behind
    const said = consoleOf.get(page) || [];
    e.message = `${what}: ${e.message}` + (said.length ? `\nthe page's console said:\n  ${said.join("\n  ")}` : "");
    throw e;
  }
}

/** A client's phone: their link opened, Join pressed, on the waiting page. */
async function joinAndWait(t, participant) {
  const page = listen(await newPage(t, PHONE));
  await page.goto(participant.link);
  assert.equal((await page.locator("h1").innerText()).trim(), "Your session is ready");
  await clickAndLoad(page, page.getByRole("button", { name: "Join video call" }));
  const token = new URL(participant.link).pathname.split("/").pop();
  assert.equal(path(page), `/v/${token}/wait`, `${participant.name} is sent to the waiting page`);
  assert.equal(await visibleH1(page), "Your clinician knows you're here");
  return page;
}

/** The h1 a person sees (the waiting page keeps a hidden second one). */
const visibleH1 = async (page) => (await page.getByRole("heading", { level: 1 }).innerText()).trim();

/** `name`'s line in the dashboard's "Waiting now" list. */
const waitingEntry = (page, name) => page.locator("#waiting li", { hasText: name });

/** Wait until `page` shows the room; the URL it landed on. */
async function landsInRoom(page, room) {
  await telling(page, "not sent to the video room",
    page.waitForURL((u) => u.href.startsWith(room.base), { timeout: MOVE_TIMEOUT }));
  await page.waitForLoadState();
  assert.equal((await page.locator("h1").innerText()).trim(), "Video room");
  return page.url();
}

const sidewaysScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

// ---- tests --------------------------------------------------------------

test("a client waits until the clinician starts, then lands in the room", async (t) => {
  const server = await startServer(t);
  const room = await videoRoom(t);
  useRoom(server, room, { jitsi: true });
  // The window opens 10 minutes before the start: starting in 5, it is open.
  const { appt } = clientWithAppointment(server, "Robin Okafor", inMinutes(5));
  const participant = appt.participants[0];

  const client = await joinAndWait(t, participant);
  const status = await fetch(participant.link + "/wait/status");
  assert.equal(status.status, 200);
  assert.deepEqual(await status.json(), { state: "open", ready: false, note: null }, "not ready before Start");
  // Pressing "See if I can go in now" before Start only leads back to waiting.
  await clickAndLoad(client, client.getByRole("button", { name: "See if I can go in now" }));
  assert.match(path(client), /\/wait$/);
  assert.equal(await visibleH1(client), "Your clinician knows you're here");

  const clinician = listen(await newPage(t, DESK));
  await signIn(clinician, server);
  const entry = waitingEntry(clinician, "Robin Okafor");
  await entry.waitFor();
  assert.match(await entry.innerText(), /waiting since \d/);
  assert.equal(await entry.getByRole("button", { name: "Admit Robin Okafor" }).count(), 1);
  const card = clinician.locator(`#appt-${appt.id}`);
  assert.equal(await card.getByRole("button", { name: "Admit all" }).count(), 0, "no Admit all for one client");
  assert.equal(room.hits.length, 0, "nobody was sent to the room yet");

  // Start opens the clinician's way into the room in a new tab.
  const [popup] = await telling(clinician, "Start opened no room", Promise.all([
    clinician.context().waitForEvent("page", { timeout: STEP_TIMEOUT }),
    card.getByRole("button", { name: /^Start session/ }).click(),
  ]).then(async ([popup]) => {
    await popup.waitForURL((u) => u.href.startsWith(room.base));
    return [popup];
  }));
  const mine = roomEntry(popup.url(), room);
  assert.match(popup.url(), /[?&]jwt=[\w-]+\.[\w-]+\.[\w-]+(&|#|$)/);
  assert.ok(mine.claims, "the clinician's room URL carries a jwt");
  checkClaims(mine.claims, mine.name, true);
  assert.equal(mine.claims.context.user.name, "My Practice", "the clinician shows as the practice");
  assert.equal(clinician.url(), server.url + "/admin", "the dashboard stays where it was");

  // The client's page moves by itself.
  const theirs = roomEntry(await landsInRoom(client, room), room);
  assert.equal(theirs.name, mine.name, "the same room");
  assert.ok(theirs.claims, "the client's room URL carries its own jwt");
  checkClaims(theirs.claims, theirs.name, false);
  assert.equal(theirs.claims.context.user.name, "Robin O.", "first name and initial only");
  assert.notEqual(theirs.claims.context.user.id, mine.claims.context.user.id);
  assert.notEqual(theirs.claims.jti, mine.claims.jti, "every entry has its own token");
  assert.equal(room.hits.length, 2, "two entries: " + room.hits.join(", "));

  // The dashboard reloads itself after Start: Rejoin, and Robin is in.
  await card.getByRole("button", { name: /^Rejoin video room/ }).waitFor();
  await assert.doesNotReject(entry.filter({ hasText: /sent to the video room/ }).waitFor());
  assert.equal(await entry.getByRole("button").count(), 0, "nothing left to admit");
  await screenshot(clinician, "video-admin-started-1280");
  const events = server.json("audit").filter((e) => e.appointment_id === appt.id).map((e) => e.event);
  for (const e of ["link.join", "session.start", "room.enter"]) assert.ok(events.includes(e), `${e} audited: ${events}`);
});

test("Admit lets one client in before Start", async (t) => {
  const server = await startServer(t);
  const room = await videoRoom(t);
  useRoom(server, room);
  const appt = couple(server, ["Ann Smith", "Bo Jones"], inMinutes(5));
  const [ann, bo] = appt.participants;

  const annPage = await joinAndWait(t, ann);
  const boPage = await joinAndWait(t, bo);

  const clinician = await newPage(t, DESK);
  await signIn(clinician, server);
  for (const name of ["Ann Smith", "Bo Jones"]) await waitingEntry(clinician, name).filter({ hasText: /waiting since/ }).waitFor();

  await clickAndLoad(clinician, waitingEntry(clinician, "Ann Smith").getByRole("button", { name: "Admit Ann Smith" }));
  assert.equal(path(clinician), "/admin?done=admitted");
  const annUrl = await landsInRoom(annPage, room);
  assert.equal(annUrl, room.base + roomEntry(annUrl, room).name, "url provider: the template, no token");

  // Bo was not admitted: still waiting after more than one poll.
  await boPage.waitForTimeout(4000);
  assert.match(path(boPage), /\/wait$/, "Bo still waits");
  assert.equal(await visibleH1(boPage), "Your clinician knows you're here");
  assert.equal(room.hits.length, 1, "only Ann was sent to the room");
  await clinician.reload();
  assert.equal(await waitingEntry(clinician, "Ann Smith").getByRole("button").count(), 0, "Ann needs no Admit");
  assert.equal(await waitingEntry(clinician, "Bo Jones").getByRole("button", { name: "Admit Bo Jones" }).count(), 1);
  assert.equal(await clinician.getByRole("button", { name: /^Start session/ }).count(), 1, "not started yet");

  await clickAndLoad(clinician, clinician.locator(`#appt-${appt.id}`).getByRole("button", { name: "Admit all" }));
  const boUrl = await landsInRoom(boPage, room);
  assert.equal(boUrl, annUrl, "the same room");
  assert.equal(room.hits.length, 2);
  const admits = server.json("audit").filter((e) => e.event === "room.admit").map((e) => e.client_id);
  assert.deepEqual(admits, [ann.client_id, bo.client_id], "each admission audited once");
});

test("waiting page and dashboard: contrast, button names, screenshots", async (t) => {
  const server = await startServer(t);
  const room = await videoRoom(t);
  useRoom(server, room);
  const appt = couple(server, ["Sam Rivera", "Jo Rivera"], inMinutes(5));
  clientWithAppointment(server, "Morgan Lee", inMinutes(3 * 60));
  const problems = [];
  const check = async (page, what) => {
    for (const text of await lowContrast(page)) problems.push(`${what}: low contrast ${text}`);
    for (const b of await unnamedButtons(page)) problems.push(`${what}: ${b} has no accessible name`);
    for (const f of await unnamedFields(page)) problems.push(`${what}: ${f} has no accessible name`);
    const px = await sidewaysScroll(page);
    if (px > 0) problems.push(`${what} scrolls sideways by ${px}px`);
  };

  const sam = await joinAndWait(t, appt.participants[0]);
  await sam.locator("details.help summary").click();
  await check(sam, "waiting page at 390");
  await screenshot(sam, "video-wait-390");
  // Jo opened the link but has not pressed Join.
  const jo = await newPage(t, PHONE);
  await jo.goto(appt.participants[1].link);

  const wide = await newPage(t, DESK);
  await signIn(wide, server);
  await waitingEntry(wide, "Sam Rivera").filter({ hasText: /waiting since/ }).waitFor();
  await waitingEntry(wide, "Jo Rivera").waitFor();
  await wide.reload();
  assert.equal(await wide.getByRole("button", { name: /^Start session/ }).count(), 1, "Start for the open session only");
  await check(wide, "dashboard at 1280");
  await screenshot(wide, "video-admin-today-1280");

  const narrow = await newPage(t, { viewport: { width: 390, height: 844 } });
  await signIn(narrow, server);
  await check(narrow, "dashboard at 390");
  await screenshot(narrow, "video-admin-today-390");

  // Without JavaScript: Admit, and the waiting page offers the way in.
  const noScript = listen(await newPage(t, { ...PHONE, javaScriptEnabled: false }));
  await noScript.goto(appt.participants[1].link);
  await clickAndLoad(noScript, noScript.getByRole("button", { name: "Join video call" }));
  assert.equal(await visibleH1(noScript), "Your clinician knows you're here");
  await clickAndLoad(wide, wide.locator(`#appt-${appt.id}`).getByRole("button", { name: "Admit all" }));
  await noScript.reload();
  assert.equal(await visibleH1(noScript), "Your clinician is ready");
  await check(noScript, "ready page without JavaScript");
  await screenshot(noScript, "video-ready-nojs-390");
  await noScript.getByRole("button", { name: "Enter the video call" }).click();
  await landsInRoom(noScript, room);

  assert.deepEqual(problems, [], "layout and accessibility problems");
});
