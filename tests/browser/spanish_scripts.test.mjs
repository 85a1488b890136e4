// The words the client pages' scripts write, for a client whose language
// is Spanish, in real headless Chromium with its fake camera and
// microphone: the device check passed, blocked (with the help for each
// browser) and in an app's own browser (with the copy button's answer),
// the waiting page's button, and the built-in room joined and after
// Leave. Each shows Spanish and no word that only the English message
// files have (the oracle of tests/it/language.rs, built the same way
// from assets/locales), apart from the practice's and the client's
// names. The clinician's seat in the same room stays English. Every
// state passes the accessibility checks; screenshots at 390 × 844.
//
// What is checked is what the scripts and the two partials they work on
// own: the check (#plain-http, #inapp, .device-check), the room page's
// #room and footer, and every message the page hands its scripts (the
// JSON block "words"), shown or not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  LAN_NAME, STEP_TIMEOUT, useBrowser, browser, startServer, newPage, clickAndLoad, signIn, path, inMinutes,
  accessible, weakFocus, screenshot,
} from "./harness.mjs";

const FAKE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];
useBrowser(FAKE);

/** A 390 × 844 phone; axe needs the page's CSP bypassed to get in. */
const PHONE = { viewport: { width: 390, height: 844 }, permissions: ["camera", "microphone"], bypassCSP: true };
const DESK = { viewport: { width: 1280, height: 900 }, permissions: ["camera", "microphone"] };
const CHECK_TIMEOUT = 15000;
const SECURE = !LAN_NAME;
const IPHONE_INSTAGRAM = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 " +
  "(KHTML, like Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone14,5; iOS 17_5; es_US; es)";
const PRACTICE = "My Practice";
const CLIENT = "Ana García";

// ---- the oracle: words only the English message files have ------------

const LOCALES = fileURLToPath(new URL("../../assets/locales/", import.meta.url));

/** Words of three letters or more, lower case, as tests/it/language.rs
 *  `words_in` splits them (letters and apostrophes). */
const wordsIn = (text) => text.split(/[^\p{Alphabetic}']+/u).map((w) => w.replace(/^'+|'+$/g, "").toLowerCase())
  .filter((w) => [...w].length >= 3);

function stripPlaceables(s) {
  let out = "", depth = 0;
  for (const c of s) {
    if (c === "{") depth += 1;
    else if (c === "}") depth -= 1;
    else if (depth === 0) out += c;
  }
  return out;
}

/** Every word of `lang`'s message files (comments, ids, placeables and
 *  variant keys left out). */
function wordsOf(lang) {
  const words = new Set();
  for (const file of readdirSync(LOCALES + lang)) {
    for (const line of readFileSync(LOCALES + lang + "/" + file, "utf8").split("\n")) {
      if (line.trimStart().startsWith("#")) continue;
      const at = line.indexOf(" = ");
      const value = stripPlaceables(at >= 0 ? line.slice(at + 3) : line).split("]").pop();
      wordsIn(value).forEach((w) => words.add(w));
    }
  }
  return words;
}

const spanish = wordsOf("es");
const ENGLISH_ONLY = new Set([...wordsOf("en")].filter((w) => !spanish.has(w)));
const ALLOWED = new Set(wordsIn(`${PRACTICE} ${CLIENT}`));

/** The English words left in `text`, in order, each once. */
const englishLeft = (text) => [...new Set(wordsIn(text).filter((w) => ENGLISH_ONLY.has(w) && !ALLOWED.has(w)))];

test("the oracle knows English from Spanish", () => {
  assert.ok(ENGLISH_ONLY.has("camera") && ENGLISH_ONLY.has("leave") && ENGLISH_ONLY.has("check"), "built from the files");
  assert.ok(!ENGLISH_ONLY.has("cámara") && !ENGLISH_ONLY.has("chrome"), "Spanish words and names in both are not English");
  assert.deepEqual(englishLeft("Cámara: ✓ Sí: vemos su imagen. Run the check again, My Practice"), ["run", "the", "check", "again"]);
});

/** What a reader gets of the elements `selectors` find: their text, shown
 *  or hidden (a later state shows it), and the attributes read aloud,
 *  without scripts, <noscript> (whose text is markup while scripts run)
 *  and the devices' own names in the pickers. */
function readable(page, selectors) {
  return page.evaluate((sels) => {
    const out = [];
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
      if (node.nodeType !== Node.ELEMENT_NODE || /^(SCRIPT|NOSCRIPT|STYLE|OPTION)$/.test(node.tagName)) return;
      for (const a of ["aria-label", "title", "alt", "placeholder"]) if (node.hasAttribute(a)) out.push(node.getAttribute(a));
      node.childNodes.forEach(walk);
    };
    sels.forEach((s) => document.querySelectorAll(s).forEach(walk));
    return out.join(" ");
  }, selectors);
}

/** The messages the page hands its scripts, every one, without the
 *  `{name}` the script fills in. */
const handed = (page) => page.evaluate(() => Object.values(JSON.parse(document.getElementById("words").textContent))
  .join(" ").replace(/\{\w+\}/g, " "));

const CHECK_PARTS = ["#plain-http", "#inapp", ".device-check"];

/** No English in the check's parts or the scripts' words, and some Spanish. */
async function speaksSpanish(page, parts, where) {
  const shown = await readable(page, parts);
  assert.deepEqual(englishLeft(shown), [], `${where}: no English left in ${shown}`);
  assert.deepEqual(englishLeft(await handed(page)), [], `${where}: no English in the scripts' words`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), "es", `${where}: <html lang="es">`);
}

/** A built-in-room practice with a session in five minutes for Ana, whose
 *  language is Spanish (the practice's stays English). */
async function practice(t) {
  const server = await startServer(t);
  server.cli("settings", "set", "video_provider", "builtin");
  const ana = server.json("client", "add", "--name", CLIENT, "--language", "es");
  const appt = server.json("appt", "add", "--client", String(ana.id), "--start", inMinutes(5).toISOString(), "--minutes", "50");
  return { server, appt, link: appt.participants[0].link };
}

const resultIs = (page, step, state) => page.waitForFunction(([s, want]) =>
  document.getElementById(s + "-result").dataset.result === want, [step, state], { timeout: CHECK_TIMEOUT });

test("a Spanish client's device check passes in Spanish", async (t) => {
  const { link } = await practice(t);
  const page = await newPage(t, PHONE);
  await page.goto(link);
  await page.locator("#check-open").click();
  if (SECURE) {
    await resultIs(page, "camera", "yes");
    assert.match(await page.locator("#camera-result").innerText(), /^✓ Sí: vemos la imagen de su cámara/);
    await resultIs(page, "microphone", "yes");
    assert.match(await page.locator("#microphone-result").innerText(), /^✓ Sí: le oímos/);
  } else {
    await page.locator("#check-insecure").waitFor({ timeout: CHECK_TIMEOUT });
    assert.match(await page.locator("#camera-result").innerText(), /no se puede usar en esta dirección/);
  }
  await resultIs(page, "connection", "yes");
  assert.match(await page.locator("#connection-result").innerText(), /^✓ Sí: el video puede ir directamente por esta red/);
  assert.match(await page.locator("#connection-detail").innerText(), /^El servidor del consultorio respondió en \d+ ms\./);
  await page.getByRole("button", { name: "Reproducir un sonido de prueba" }).click();
  assert.match(await page.locator("#speakers-result").innerText(), /^Sonando… ¿oyó tres notas/, "a line of its own starts with a capital");
  await page.getByRole("button", { name: "Sí", exact: true }).click();
  await resultIs(page, "speakers", "yes");
  await speaksSpanish(page, CHECK_PARTS, "the check passed");
  await accessible(page, "the check passed, in Spanish");
  assert.deepEqual(await weakFocus(page), []);
  await screenshot(page, "es-check-passed-390");
});

test("a Spanish client's blocked camera: the help for each browser, in Spanish", async (t) => {
  if (!SECURE) return t.skip("plain http never gets as far as asking for the camera");
  const denying = await browser(["--use-fake-device-for-media-stream", "--deny-permission-prompts"]);
  t.after(() => denying.close());
  const { link } = await practice(t);
  const context = await denying.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  await page.goto(link);
  await page.locator("#check-open").click();
  await page.locator("#check-blocked").waitFor({ timeout: CHECK_TIMEOUT });
  assert.match(await page.locator("#camera-result").innerText(), /^✗ No: los permisos del navegador lo impiden/);
  assert.match(await page.locator("#blocked-yours").innerText(), /Chrome en una computadora/);
  await page.locator("#blocked-others summary").click();
  assert.match(await page.locator("#blocked-list").innerText(), /iPhone o iPad[\s\S]*Android[\s\S]*Firefox[\s\S]*Edge/);
  await speaksSpanish(page, CHECK_PARTS, "the check blocked");
  await accessible(page, "the check blocked, in Spanish");
  await screenshot(page, "es-check-blocked-390");
});

test("a Spanish client in an app's own browser is warned in Spanish, and the copy button answers in Spanish", async (t) => {
  const { link } = await practice(t);
  const page = await newPage(t, { ...PHONE, userAgent: IPHONE_INSTAGRAM,
    permissions: ["camera", "microphone", "clipboard-read", "clipboard-write"] });
  await page.addInitScript(() => { window.webkit = { messageHandlers: {} }; });
  await page.goto(link);
  const warning = page.locator("#inapp");
  await warning.waitFor();
  assert.equal(await page.locator("#inapp-h").innerText(), "Abra esta página en Safari", "the script names this phone's browser");
  assert.match(await warning.innerText(), /“Abrir en Safari”/);
  await page.getByRole("button", { name: "Copiar la dirección de esta página" }).click();
  await page.locator("#copied", { hasText: /^Copiada$|^No se pudo copiar/ }).waitFor();
  await speaksSpanish(page, CHECK_PARTS, "the in-app warning");
  await accessible(page, "the in-app warning, in Spanish");
  await screenshot(page, "es-check-inapp-ios-390");
});

test("a Spanish client's room: joined and after Leave in Spanish; the clinician's seat in English", async (t) => {
  const { server, appt, link } = await practice(t);
  const ana = await newPage(t, PHONE);
  await ana.goto(link);
  await clickAndLoad(ana, ana.locator("#join button"));
  assert.match(path(ana), /\/wait$/);
  await speaksSpanish(ana, CHECK_PARTS, "the waiting page's check");

  // Let in: the waiting page's own button says so in Spanish on its way.
  let held = null;
  await ana.route("**/enter", (route) => { held = route; }, { times: 1 });
  const dash = await newPage(t, DESK);
  await signIn(dash, server);
  const [room] = await Promise.all([
    dash.context().waitForEvent("page", { timeout: STEP_TIMEOUT }),
    dash.locator(`#appt-${appt.id}`).getByRole("button", { name: /^Start session/ }).click(),
  ]);
  room.setDefaultTimeout(STEP_TIMEOUT);
  await ana.waitForFunction(() => document.getElementById("enter-button").textContent === "Entrar a la videollamada",
    null, { timeout: CHECK_TIMEOUT });
  for (const until = Date.now() + STEP_TIMEOUT; !held; await ana.waitForTimeout(50)) assert.ok(Date.now() < until, "entered");
  await held.continue();
  await ana.waitForURL(/\/room\//, { timeout: CHECK_TIMEOUT });

  const ROOM_PARTS = ["title", "#room", "footer"];
  await ana.waitForFunction(() => /^Conexión establecida con /.test(document.getElementById("state").textContent),
    null, { timeout: 20000 });
  assert.equal(await ana.locator("#state").innerText(), `Conexión establecida con ${PRACTICE}`);
  assert.match(await ana.locator("#self-tile figcaption").innerText(), /^Usted \(/);
  await ana.getByRole("button", { name: "Silenciar" }).click();
  await ana.getByRole("button", { name: "Activar micrófono", exact: true }).waitFor();
  await ana.getByText("Cámara y micrófono").click();
  await speaksSpanish(ana, ROOM_PARTS, "the room joined");
  await accessible(ana, "the room joined, in Spanish");
  await screenshot(ana, "es-room-joined-390");

  // The clinician's seat: English words, an English page.
  assert.equal(await room.evaluate(() => document.documentElement.lang), "en");
  await room.waitForFunction(() => /^Connected with /.test(document.getElementById("state").textContent), null, { timeout: 20000 });
  assert.ok(await room.getByRole("button", { name: "End session for everyone" }).isVisible());

  await ana.getByRole("button", { name: "Salir" }).click();
  await ana.waitForFunction(() => /^Salió de la sesión/.test(document.getElementById("state").textContent));
  assert.ok(await ana.getByRole("link", { name: "Volver a la sala" }).isVisible(), "the way back, in Spanish");
  assert.ok(await ana.getByText("el enlace de su sesión también abre la sala").isVisible());
  await speaksSpanish(ana, ROOM_PARTS, "the room after Leave");
  await accessible(ana, "the room after Leave, in Spanish");
  await screenshot(ana, "es-room-left-390");
  await room.waitForFunction(() => /^Waiting for the others/.test(document.getElementById("state").textContent));
});
