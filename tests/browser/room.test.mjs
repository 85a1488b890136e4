// The built-in video room in real headless Chromium, with Chromium's fake
// camera and microphone: clients join through their own participant
// links, the clinician presses Start on the dashboard, and every browser
// reaches every other (WebRTC over loopback, signalling through
// Porchlight) and decodes their video: the frame counts keep rising.
// Two people, then three (a couple); the clinician ends the session for
// everyone. Plus a screenshot of the room on a phone and the room's
// accessibility basics, and the same over https behind the shipped
// Caddyfile (tls internal), the secure context a LAN setup needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  PASSWORD, STEP_TIMEOUT, useBrowser, startServer, newPage, clickAndLoad, signIn, path, inMinutes,
  unnamedButtons, unnamedFields, lowContrast, screenshot, unavailable,
} from "./harness.mjs";

// porch.lan is the LAN name of the shipped Caddyfile; here it is loopback.
useBrowser(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
  "--host-resolver-rules=MAP porch.lan 127.0.0.1"]);

const PHONE = { viewport: { width: 390, height: 800 }, permissions: ["camera", "microphone"] };
const DESK = { viewport: { width: 1280, height: 900 }, permissions: ["camera", "microphone"] };
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
async function clientJoins(t, participant) {
  const page = await newPage(t, PHONE);
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
