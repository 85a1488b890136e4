// The client's device check in real headless Chromium with its fake
// camera and microphone: it passes on the link page (camera picture,
// microphone level, test sound answered, connection path named) and on the
// waiting page, which still moves the client into the room; a blocked
// permission shows the help for this browser; an in-app browser (a WebView
// made up with an init script and an app's user agent) is warned about
// before Join, with a working copy button; a plain-http LAN name gets the
// "not a secure page" explanation; the clinician's dashboard shows the one
// line. Every request the page makes goes to the box itself. Screenshots
// at 390 × 844 (and one at 1280) of each state.
//
// Under PORCHLIGHT_LAN_NAME the whole file runs on plain http, where no
// browser offers the camera: the check then says so instead of passing.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LAN_NAME, useBrowser, browser, startServer, newPage, clickAndLoad, signIn, path, inMinutes, clientWithAppointment,
  lowContrast, unnamedButtons, unnamedFields, weakFocus, screenshot,
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
  assert.match(await page.locator("#connection-detail").innerText(), /Porchlight answered in \d+ ms/);
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
