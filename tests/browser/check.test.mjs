// The client's device check in real headless Chromium with its fake
// camera and microphone: it passes on the link page (camera picture,
// microphone level, test sound answered, connection path named) and on the
// waiting page, which still moves the client into the room; a blocked
// permission shows the help for this browser; an in-app browser (a WebView
// made up with an init script and an app's user agent) is warned about
// before Join, with a working copy button; a plain-http LAN name gets the
// "not a secure page" explanation; the clinician's dashboard shows the one
// line; a TURN relay is proven against a real coturn, and a wrong
// turn_secret is named and reported. Every request the page makes goes to
// the box itself. Screenshots at 390 × 844 (and one at 1280) of each state.
//
// Under PORCHLIGHT_LAN_NAME the whole file runs on plain http, where no
// browser offers the camera: the check then says so instead of passing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import {
  LAN_NAME, useBrowser, browser, startServer, newPage, clickAndLoad, signIn, path, inMinutes, clientWithAppointment,
  lowContrast, unnamedButtons, unnamedFields, weakFocus, screenshot, unavailable, httpFetch,
} from "./harness.mjs";

const FAKE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];
/** A name that is not a secure context: the LAN run's own, or porch.test. */
const PLAIN_NAME = LAN_NAME || "porch.test";
const MAP_PLAIN = LAN_NAME ? [] : [`--host-resolver-rules=MAP ${PLAIN_NAME} 127.0.0.1`];
useBrowser([...FAKE, ...MAP_PLAIN]);

const PHONE = { viewport: { width: 390, height: 844 }, permissions: ["camera", "microphone"] };
const DESK = { viewport: { width: 1280, height: 900 } };
/** The microphone needs a beep of the fake device; the relay two peers. */
const CHECK_TIMEOUT = 15000;
const SECURE = !LAN_NAME;
const IPHONE_INSTAGRAM = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 " +
  "(KHTML, like Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone14,5; iOS 17_5; en_US; en)";
const ANDROID_WEBVIEW = "Mozilla/5.0 (Linux; Android 14; Pixel 7; wv) AppleWebKit/537.36 (KHTML, like Gecko) " +
  "Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/468.0.0.0;]";

/** A server with the built-in room and one open session for Ann. */
async function practice(t, provider = "builtin") {
  const server = await startServer(t);
  if (provider === "builtin") server.cli("settings", "set", "video_provider", "builtin");
  else server.cli("settings", "set", "video_url_template", "https://meet.example.org/{room}");
  const { appt } = clientWithAppointment(server, "Ann Example", inMinutes(5));
  return { server, link: appt.participants[0].link };
}

/** Every request `page` makes, by URL. */
function requests(page) {
  const seen = [];
  page.on("request", (r) => seen.push(r.url()));
  return seen;
}

/** `seen` all went to `origin` (data: and blob: stay in the page). */
function onlyOwn(seen, origin) {
  const foreign = seen.filter((u) => !u.startsWith(origin + "/") && !/^(data|blob):/.test(u));
  assert.deepEqual(foreign, [], "every request goes to the box itself");
}

const result = (page, step) => page.locator(`#${step}-result`);
async function resultIs(page, step, state) {
  await page.waitForFunction(([s, want]) => document.getElementById(s + "-result").dataset.result === want,
    [step, state], { timeout: CHECK_TIMEOUT });
}

async function accessible(page) {
  assert.deepEqual(await lowContrast(page), []);
  assert.deepEqual(await unnamedButtons(page), []);
  assert.deepEqual(await unnamedFields(page), []);
}

test("the check passes with the fake devices, and the dashboard says so", async (t) => {
  const { server, link } = await practice(t);
  const page = await newPage(t, PHONE);
  const seen = requests(page);
  await page.goto(link);
  assert.ok(await page.locator("#inapp").isHidden(), "a real browser is not warned about");
  const open = page.getByRole("button", { name: "Check my device" });
  await open.click();
  assert.equal(await open.getAttribute("aria-expanded"), "true");
  if (SECURE) {
    await resultIs(page, "camera", "yes");
    assert.ok(await page.evaluate(() => document.getElementById("check-video").videoWidth > 0), "a picture");
    await resultIs(page, "microphone", "yes");
    assert.ok(Number(await page.locator("#mic-level").getAttribute("value")) >= 0);
  } else {
    await page.locator("#check-insecure").waitFor();
    assert.match(await result(page, "camera").innerText(), /cannot use it/);
  }
  await resultIs(page, "connection", "yes");
  assert.match(await result(page, "connection").innerText(), /video can go straight over this network \(the same network as the practice\)/);
  assert.match(await page.locator("#connection-detail").innerText(), /The practice's server answered in \d+ ms/);
  await page.getByRole("button", { name: "Play a test sound" }).click();
  await page.getByRole("button", { name: "Yes", exact: true }).click();
  await resultIs(page, "speakers", "yes");
  await accessible(page);
  assert.deepEqual(await weakFocus(page), []);
  await screenshot(page, SECURE ? "check-passed-390" : "check-plain-http-passed-390");

  // The clinician's Waiting now, redrawn by its script: one line.
  const dash = await newPage(t, DESK);
  await signIn(dash, server);
  const want = SECURE ? "Device checked: OK" : "Device check: problem (camera, microphone)";
  await dash.locator("#waiting .device", { hasText: want }).waitFor({ timeout: CHECK_TIMEOUT });
  await screenshot(dash, "check-dashboard-1280");

  // Closing stops every track.
  await page.getByRole("button", { name: "Close the check" }).click();
  assert.ok(await page.evaluate(() => document.getElementById("check-video").srcObject === null));
  assert.ok(await page.locator("#check-panel").isHidden());
  await page.setViewportSize({ width: 1280, height: 900 });
  await open.click();
  await resultIs(page, "connection", "yes");
  await screenshot(page, SECURE ? "check-running-1280" : "check-plain-http-1280");
  onlyOwn(seen, new URL(server.url).origin);
});

test("on the waiting page the check runs and the page still moves into the room", async (t) => {
  const { server, link } = await practice(t);
  const page = await newPage(t, PHONE);
  await page.goto(link);
  await clickAndLoad(page, page.getByRole("button", { name: "Join video call" }));
  assert.match(path(page), /\/wait$/);
  await page.getByRole("button", { name: "Check my device" }).click();
  await resultIs(page, "connection", "yes");
  if (SECURE) await resultIs(page, "camera", "yes");
  await accessible(page);
  await screenshot(page, SECURE ? "check-waiting-390" : "check-plain-http-waiting-390");
  // The clinician lets everyone in: the page goes on by itself.
  server.cli("settings", "set", "waiting_room", "off");
  await page.waitForURL(/\/room\//, { timeout: CHECK_TIMEOUT });
});

test("an outside room: what cannot be checked is said, the box is", async (t) => {
  const { link } = await practice(t, "url");
  const page = await newPage(t, PHONE);
  await page.goto(link);
  await page.getByRole("button", { name: "Check my device" }).click();
  await resultIs(page, "connection", "yes");
  assert.match(await page.locator("#connection-detail").innerText(), /another service, which this check cannot reach/);
  // The outside room is on its own secure address: nothing to warn of
  // before Join, even on plain http.
  assert.ok(await page.locator("#plain-http").isHidden());
  await screenshot(page, "check-outside-room-390");
});

test("a blocked camera and microphone show how to allow them, this browser's way first", async (t) => {
  if (!SECURE) return t.skip("plain http never gets as far as asking for the camera");
  // No fake UI: the prompt is denied, as a client who pressed Block.
  const denying = await browser(["--use-fake-device-for-media-stream", "--deny-permission-prompts"]);
  t.after(() => denying.close());
  const { link } = await practice(t);
  const context = await denying.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(link);
  await page.getByRole("button", { name: "Check my device" }).click();
  await page.locator("#check-blocked").waitFor({ timeout: CHECK_TIMEOUT });
  assert.match(await result(page, "camera").innerText(), /blocked by the browser's permission settings/);
  // Headless Chromium on Linux: the desktop Chrome help, the others folded.
  assert.match(await page.locator("#blocked-yours").innerText(), /Chrome on a computer/);
  assert.ok(await page.locator("#blocked-others").evaluate((d) => !d.open));
  await page.locator("#blocked-others summary").click();
  const others = await page.locator("#blocked-list").innerText();
  assert.match(others, /iPhone or iPad[\s\S]*Android[\s\S]*Firefox[\s\S]*Edge/);
  assert.doesNotMatch(others, /Chrome on a computer/, "not twice");
  await accessible(page);
  await screenshot(page, "check-blocked-390");
});

test("an in-app browser is warned about before Join, with a copy of the address", async (t) => {
  const { link } = await practice(t);
  // iOS: an app's WKWebView, which carries window.webkit.messageHandlers.
  const page = await newPage(t, { ...PHONE, userAgent: IPHONE_INSTAGRAM,
    permissions: ["camera", "microphone", "clipboard-read", "clipboard-write"] });
  await page.addInitScript(() => { window.webkit = { messageHandlers: {} }; });
  await page.goto(link);
  const warning = page.locator("#inapp");
  await warning.waitFor();
  assert.match(await warning.innerText(), /Open in Safari/);
  assert.ok(await page.evaluate(() => {
    const w = document.getElementById("inapp"), join = document.getElementById("join");
    return Boolean(w.compareDocumentPosition(join) & Node.DOCUMENT_POSITION_FOLLOWING);
  }), "the warning comes before the Join button");
  await page.getByRole("button", { name: "Copy this page's address" }).click();
  await page.locator("#copied", { hasText: "Copied" }).waitFor();
  if (SECURE) assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  await accessible(page);
  await screenshot(page, "check-inapp-ios-390");

  // Android: the WebView's "; wv)" marker; Chrome's intent link.
  const android = await newPage(t, { ...PHONE, userAgent: ANDROID_WEBVIEW });
  await android.goto(link);
  await android.locator("#inapp").waitFor();
  const intent = await android.getByRole("link", { name: "Open in Chrome" }).getAttribute("href");
  const u = new URL(link);
  assert.equal(intent, `intent://${u.host}${u.pathname}#Intent;scheme=${u.protocol.slice(0, -1)};package=com.android.chrome;end`);
  await screenshot(android, "check-inapp-android-390");

  // A WebView without getUserMedia at all, found by that alone.
  const bare = await newPage(t, PHONE);
  await bare.addInitScript(() => { Object.defineProperty(Navigator.prototype, "mediaDevices", { get: () => undefined }); });
  await bare.goto(link);
  if (SECURE) await bare.locator("#inapp").waitFor();
});

test("a plain-http LAN name explains that no browser can use the camera there", async (t) => {
  const { server, link } = await practice(t);
  const plain = link.replace(new URL(link).host, `${PLAIN_NAME}:${new URL(server.url).port}`);
  const page = await newPage(t, PHONE);
  const seen = requests(page);
  await page.goto(plain);
  assert.equal(await page.evaluate(() => window.isSecureContext), false);
  assert.ok(await page.locator("#inapp").isHidden(), "a browser on http is not taken for an app");
  // Before Join, whether or not the check is opened: the built-in room
  // cannot start here.
  const warned = page.locator("#plain-http");
  assert.ok(await warned.isVisible(), "the plain-http warning shows on load");
  assert.ok(await page.evaluate(() => {
    const w = document.getElementById("plain-http"), join = document.getElementById("join");
    return Boolean(w.compareDocumentPosition(join) & Node.DOCUMENT_POSITION_FOLLOWING);
  }), "the warning comes before Join");
  assert.match(await warned.innerText(), /Ask .* for your secure link/);
  await page.getByRole("button", { name: "Check my device" }).click();
  const note = page.locator("#check-insecure");
  await note.waitFor({ timeout: CHECK_TIMEOUT });
  assert.match(await note.innerText(), /cannot use your camera or microphone, in any browser/);
  assert.match(await note.innerText(), /Ask Porchlight|Ask .* for the secure link/);
  await resultIs(page, "connection", "yes");
  await accessible(page);
  await screenshot(page, "check-not-secure-390");
  onlyOwn(seen, new URL(plain).origin);
});

test("without JavaScript the page says the check needs it, and Join works", async (t) => {
  const { link } = await practice(t, "url");
  const page = await newPage(t, { ...PHONE, javaScriptEnabled: false });
  await page.goto(link);
  assert.match(await page.locator("main").innerText(), /The device check needs JavaScript/);
  assert.ok(await page.locator("#check-panel").isHidden());
  assert.ok(await page.getByRole("button", { name: "Check my device" }).isHidden());
  await screenshot(page, "check-no-javascript-390");
  assert.ok(await page.getByRole("button", { name: "Join video call" }).isVisible());
});

// ---- the relay, against a real coturn ----------------------------------
//
// What one machine can prove: that Porchlight's coturn REST credentials
// are accepted by coturn (and a wrong secret is refused), that the page
// gets a relay allocation, that two relay-only peer connections carry a
// data channel through coturn, and that the page names each outcome and
// reports it. What it cannot: a STUN server on loopback sees the browser
// at the address it already has, so Chromium drops the reflexive
// candidate as a duplicate of the host one and the page says "STUN did
// not answer" even though coturn answered (the test's own STUN request
// below proves coturn does); nor can it prove the relay crosses a NAT or
// a firewall, which needs a second network.

/** Where Debian's coturn installs its server, or null. */
function turnserverPath() {
  const dirs = (process.env.PATH || "").split(delimiter).concat(["/usr/bin", "/usr/sbin"]);
  return dirs.map((d) => join(d, "turnserver")).find((p) => existsSync(p)) || null;
}

/** A loopback UDP port nobody holds at this moment (coturn takes the
 *  same number for TCP; a clash there shows as coturn not answering). */
async function freeUdpPort() {
  const socket = dgram.createSocket("udp4");
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise((resolve) => socket.close(resolve));
  return port;
}

/** One STUN Binding request (RFC 8489 §5) to 127.0.0.1:`port`; resolves
 *  to the success response's XOR-MAPPED-ADDRESS port, or null without an
 *  answer in `ms`. */
function stunBinding(port, ms = 500) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    const id = randomBytes(12);
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), id]);
    const end = (v) => { clearTimeout(timer); socket.close(); resolve(v); };
    const timer = setTimeout(() => end(null), ms);
    socket.on("message", (m) => {
      if (m.readUInt16BE(0) !== 0x0101 || !m.subarray(8, 20).equals(id)) return;
      for (let at = 20; at + 4 <= m.length;) {
        const [type, len] = [m.readUInt16BE(at), m.readUInt16BE(at + 2)];
        if (type === 0x0020) return end(m.readUInt16BE(at + 6) ^ 0x2112);
        at += 4 + Math.ceil(len / 4) * 4;
      }
      end(null);
    });
    socket.bind(0, "127.0.0.1", () => socket.send(request, port, "127.0.0.1"));
  });
}

/** coturn on 127.0.0.1 with the REST-credential scheme Porchlight's
 *  turn_secret speaks (README "Clients outside the network"), relaying on
 *  loopback only, with no config file, its files in a temporary directory,
 *  killed after `t` and in any case after two minutes. `{ port, secret }`,
 *  or null when coturn is not installed (the test is then unavailable). */
async function coturn(t) {
  const bin = turnserverPath();
  if (!bin) { unavailable(t, "coturn's turnserver is not installed (apt-get install coturn)"); return null; }
  const dir = mkdtempSync(join(tmpdir(), "porchlight-coturn-"));
  const secret = randomBytes(16).toString("hex");
  const port = await freeUdpPort();
  const child = spawn(bin, ["-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", `--listening-port=${port}`,
    "--use-auth-secret", `--static-auth-secret=${secret}`, "--realm=porchlight.test",
    "--no-tls", "--no-dtls", "--no-cli", "--fingerprint",
    // coturn refuses loopback peers by default (a relay into the box's own
    // services); here both peers are on loopback. Never in production.
    "--allow-loopback-peers",
    `--log-file=${join(dir, "turn.log")}`, "--simple-log", "--verbose", `--pidfile=${join(dir, "turn.pid")}`,
    `--userdb=${join(dir, "turndb")}`, "--min-port=49152", "--max-port=65535"],
  { stdio: "ignore", timeout: 120000, killSignal: "SIGKILL" });
  let exited = null;
  child.on("exit", (code, signal) => { exited = signal || code; });
  t.after(() => { child.kill("SIGKILL"); rmSync(dir, { recursive: true, force: true }); });
  const log = () => { try { return readFileSync(join(dir, "turn.log"), "utf8"); } catch { return ""; } };
  for (const until = Date.now() + 10000; ; ) {
    if (await stunBinding(port) !== null) break;
    assert.ok(exited === null && Date.now() < until, `coturn did not answer STUN on ${port} (${exited}): ${log()}`);
  }
  return { port, secret, log };
}

/** A practice whose built-in room uses `turn` for STUN and TURN, with the
 *  given secret in Porchlight (coturn's, or a wrong one). */
async function relayedPractice(t, turn, secret) {
  const { server, link } = await practice(t);
  server.cli("settings", "set", "stun_urls", `stun:127.0.0.1:${turn.port}`);
  server.cli("settings", "set", "turn_url", `turn:127.0.0.1:${turn.port}?transport=udp`);
  server.cli("settings", "set", "turn_secret", secret);
  return { server, link };
}

/** Every RTCPeerConnection `page` makes, kept in `window.madePeers`. */
async function countPeers(page) {
  await page.addInitScript(() => {
    const Made = window.RTCPeerConnection;
    window.madePeers = [];
    window.RTCPeerConnection = function (config) { const pc = new Made(config); window.madePeers.push(pc); return pc; };
    window.RTCPeerConnection.prototype = Made.prototype;
  });
}

/** `page`'s peer connections: how many, and how many not closed. */
const peersOf = (page) => page.evaluate(() => ({
  made: window.madePeers.length, open: window.madePeers.filter((pc) => pc.signalingState !== "closed").length,
}));

/** The summaries the page POSTs, as parsed objects. */
function reports(page) {
  const sent = [];
  page.on("request", (r) => { if (r.method() === "POST" && /\/check$/.test(r.url())) sent.push(JSON.parse(r.postData())); });
  return sent;
}

test("a configured TURN relay is proven by a data channel through coturn", async (t) => {
  const turn = await coturn(t);
  if (!turn) return;
  const { server, link } = await relayedPractice(t, turn, turn.secret);
  const ice = JSON.parse(await (await httpFetch(`${link}/check/ice`)).text());
  assert.deepEqual(ice.ice.map((s) => s.urls), [[`stun:127.0.0.1:${turn.port}`], [`turn:127.0.0.1:${turn.port}?transport=udp`]]);
  const page = await newPage(t, PHONE);
  const sent = reports(page);
  await countPeers(page);
  await page.goto(link);
  await page.getByRole("button", { name: "Check my device" }).click();
  await resultIs(page, "connection", "yes");
  // One to gather, two relay-only: each closed once its answer is known,
  // so no TURN allocation stays refreshed while the panel is open.
  assert.deepEqual(await peersOf(page), { made: 3, open: 0 });
  const line = result(page, "connection");
  assert.equal(await line.getAttribute("data-turn"), "yes", "two relay-only peers exchanged data through coturn");
  // On one machine the host path wins, as it would on the practice LAN.
  assert.equal(await line.getAttribute("data-path"), "lan");
  assert.match(await line.innerText(), /video can go straight over this network/);
  assert.match(await page.locator("#connection-detail").innerText(), /The relay \(TURN\) works/);
  // coturn answered STUN (coturn's own check above), but the reflexive
  // address on loopback is the host address: no srflx candidate here.
  assert.equal(await line.getAttribute("data-stun"), "no");
  // coturn saw Porchlight's REST user name, `{expiry}:{seat}`, accepted.
  assert.match(turn.log(), /user <\d+:[^>]+>: incoming packet ALLOCATE processed, success/);
  for (const until = Date.now() + CHECK_TIMEOUT; !sent.some((s) => s.connection === "ok"); await page.waitForTimeout(100)) {
    assert.ok(Date.now() < until, `the page reported the connection: ${JSON.stringify(sent)}`);
  }
  await screenshot(page, "check-relay-works-390");

  // A client outside the practice network (a name that is not the LAN's,
  // made a secure context as https would be): the relay is the path named.
  const origin = `http://clinic.example:${new URL(server.url).port}`;
  const outside = await browser([...FAKE, "--host-resolver-rules=MAP clinic.example 127.0.0.1",
    `--unsafely-treat-insecure-origin-as-secure=${origin}`]);
  t.after(() => outside.close());
  const away = await (await outside.newContext(PHONE)).newPage();
  await away.goto(origin + new URL(link).pathname);
  await away.getByRole("button", { name: "Check my device" }).click();
  await resultIs(away, "connection", "yes");
  assert.equal(await result(away, "connection").getAttribute("data-path"), "relay");
  assert.match(await result(away, "connection").innerText(), /video can go through the practice's relay server \(TURN\)/);
  await resultIs(away, "camera", "yes");
  await screenshot(away, "check-relay-path-390");

  // A session hours away: its link is not yet a pass to the relay; the
  // check says when the relay is tried.
  const later = clientWithAppointment(server, "Bo Later", inMinutes(180)).appt.participants[0].link;
  await page.goto(later);
  await page.getByRole("button", { name: "Check my device" }).click();
  await resultIs(page, "connection", "yes");
  assert.equal(await result(page, "connection").getAttribute("data-turn"), "later");
  assert.match(await page.locator("#connection-detail").innerText(), /checked from an hour before the session/);
});

test("a wrong TURN secret: coturn refuses it and the page says the relay could not be reached", async (t) => {
  const turn = await coturn(t);
  if (!turn) return;
  const { server, link } = await relayedPractice(t, turn, randomBytes(16).toString("hex"));
  const page = await newPage(t, PHONE);
  const sent = reports(page);
  await countPeers(page);
  await page.goto(link);
  await page.getByRole("button", { name: "Check my device" }).click();
  const started = Date.now();
  await resultIs(page, "connection", "no");
  assert.deepEqual(await peersOf(page), { made: 3, open: 0 });
  // Known at coturn's refusal, not at the 10 s timer.
  assert.ok(Date.now() - started < 8000, `refusal known in ${Date.now() - started} ms`);
  const line = result(page, "connection");
  assert.equal(await line.getAttribute("data-turn"), "refused");
  assert.match(await line.innerText(), /relay server could not be reached/);
  assert.match(await page.locator("#connection-detail").innerText(), /turned down the practice server's credentials/);
  assert.match(await page.locator("#connection-help").innerText(), /tell your clinician/);
  assert.match(turn.log(), /user <\d+:[^>]+>: incoming packet message processed, error 401: Unauthorized/);
  for (const until = Date.now() + CHECK_TIMEOUT; !sent.some((s) => s.connection === "problem"); await page.waitForTimeout(100)) {
    assert.ok(Date.now() < until, `the page reported the problem: ${JSON.stringify(sent)}`);
  }
  await accessible(page);
  await screenshot(page, "check-relay-refused-390");
  const dash = await newPage(t, DESK);
  await signIn(dash, server);
  await dash.locator("#waiting .device", { hasText: /Device check: problem \(.*connection.*\)/ })
    .waitFor({ timeout: CHECK_TIMEOUT });
});
