// The clinician's minutes before a session (issue 22), in a real Chromium:
// the running-late note set on the session card reaches a client's
// waiting page that is already open, without a reload, as text; "Not here
// yet" with "Send the link again" reaches a real SMTP server
// (tests/python/smtp_sink.py) with the client's own link, and a second
// press within two minutes is refused. Screenshots of the card and the
// waiting page, with the label, contrast and axe checks.
//
// `run` runs this file on 127.0.0.1 and again on a LAN name over plain
// http, where forms carry `Origin: null` and no Fetch Metadata.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  useBrowser, startServer, newPage, clickAndLoad, signIn, inMinutes, screenshot, unavailable, accessible,
} from "./harness.mjs";

useBrowser();

const PYTHON = process.env.PORCHLIGHT_PYTHON || new URL("../../target/pyenv/bin/python", import.meta.url).pathname;
const SINK = new URL("../python/smtp_sink.py", import.meta.url).pathname;

/** An SMTP server of our own; its messages land in `dir` as NNNN.eml. */
async function smtpSink(t) {
  const dir = mkdtempSync(join(tmpdir(), "porchlight-sink-"));
  const child = spawn(PYTHON, [SINK, dir], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => { child.kill(); rmSync(dir, { recursive: true, force: true }); });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => { out += c; if (out.includes("\n")) resolve(Number(out.trim())); });
    child.on("exit", (code) => reject(new Error("smtp sink exited with " + code)));
  });
  const messages = () => readdirSync(dir).filter((f) => f.endsWith(".eml")).sort()
    .map((f) => readFileSync(join(dir, f), "utf8"));
  return { url: `smtp://127.0.0.1:${port}`, messages };
}

test("the note set on the card reaches an open waiting page without a reload, as text", async (t) => {
  const server = await startServer(t);
  const client = server.json("client", "add", "--name", "Ann Smith");
  const appt = server.json("appt", "add", "--client", String(client.id), "--start", inMinutes(3).toISOString(),
    "--minutes", "50");

  const phone = await newPage(t, { viewport: { width: 390, height: 844 }, bypassCSP: true });
  await phone.goto(appt.participants[0].link);
  await clickAndLoad(phone, phone.getByRole("button", { name: "Join video call" }));
  assert.match(phone.url(), /\/wait$/, "on the waiting page");
  assert.equal(await phone.locator("#late-note-box").isHidden(), true, "no note yet");
  await phone.evaluate(() => { window.sameDocument = true; });

  const desk = await newPage(t, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await signIn(desk, server);
  await desk.goto(`${server.url}/admin/appointments/${appt.id}`);
  await clickAndLoad(desk, desk.getByRole("button", { name: "I'll be with you in 5 minutes" }));
  assert.match(await desk.locator("main").innerText(), /Note shown to everyone waiting/);

  const note = phone.locator("#late-note-text");
  await note.waitFor({ state: "visible" });
  assert.equal(await note.innerText(), "I'll be with you in 5 minutes");
  assert.equal(await phone.getAttribute("#late-note", "aria-live"), "polite");
  assert.equal(await phone.evaluate(() => window.sameDocument), true, "shown without a reload");

  // Markup typed into the note stays text on the client's page.
  const hostile = "<img src=x id=pwned> ten minutes";
  await desk.getByLabel("Note to everyone waiting").fill(hostile);
  await clickAndLoad(desk, desk.getByRole("button", { name: "Show this note" }));
  await phone.waitForFunction((text) => document.getElementById("late-note-text").textContent === text, hostile);
  assert.equal(await phone.locator("#pwned").count(), 0, "no element made of the note");

  await phone.waitForTimeout(100);
  await screenshot(phone, "late-wait-note-390");
  await accessible(phone, "waiting page with a note");
  for (const width of [390, 1280]) {
    await desk.setViewportSize({ width, height: 900 });
    await screenshot(desk, `late-card-note-${width}`);
    await accessible(desk, `session card at ${width}`);
  }

  await clickAndLoad(desk, desk.getByRole("button", { name: "Clear the note" }));
  await phone.locator("#late-note-box").waitFor({ state: "hidden" });
  assert.equal(await phone.evaluate(() => window.sameDocument), true, "taken away without a reload");
});

test("Not here yet: Send the link again reaches the mail server, once per two minutes", async (t) => {
  if (!existsSync(PYTHON)) return unavailable(t, `${PYTHON} is missing: run bash tests/python/setup`);
  const sink = await smtpSink(t);
  const server = await startServer(t, ["--mail-poll-seconds", "1"]);
  server.cli("settings", "set", "mail_from", "care@harbour.example");
  execFileSync(process.env.PORCHLIGHT_BIN, ["--data", server.dir, "settings", "set", "smtp_url", "-"],
    { input: sink.url + "\n", encoding: "utf8" });
  const ann = server.json("client", "add", "--name", "Ann Smith", "--email", "ann@example.net", "--phone",
    "+1 (212) 555-0134");
  // Started three minutes ago: past the two minutes of not_here_after_minutes.
  const appt = server.json("appt", "add", "--client", String(ann.id), "--start", inMinutes(-3).toISOString(),
    "--minutes", "50");

  const desk = await newPage(t, { viewport: { width: 390, height: 844 }, bypassCSP: true });
  await signIn(desk, server);
  await desk.goto(`${server.url}/admin/appointments/${appt.id}`);
  const row = desk.locator(".not-here");
  assert.match(await row.innerText(), /Not here yet/i);
  assert.equal(await row.getByRole("link", { name: /Call \+1 \(212\) 555-0134/ }).getAttribute("href"),
    "tel:+12125550134");
  for (const width of [390, 1280]) {
    await desk.setViewportSize({ width, height: 900 });
    await screenshot(desk, `late-card-not-here-${width}`);
    await accessible(desk, `not-here-yet card at ${width}`);
  }

  await clickAndLoad(desk, desk.getByRole("button", { name: "Send the link again to Ann Smith" }));
  assert.match(await desk.locator("main").innerText(), /Link sent again/);
  for (const until = Date.now() + 15000; sink.messages().length < 1; await desk.waitForTimeout(200)) {
    assert.ok(Date.now() < until, "the message reached the mail server");
  }
  const [mail] = sink.messages();
  assert.match(mail, /has started: join with this link/);
  assert.ok(mail.includes(appt.participants[0].link), "her own link");

  const again = await clickAndLoad(desk, desk.getByRole("button", { name: "Send the link again to Ann Smith" }));
  assert.equal(again.status(), 409);
  assert.match(await desk.getByRole("alert").filter({ hasText: "already went" }).innerText(), /Ann Smith/);
  await desk.waitForTimeout(2500);
  assert.equal(sink.messages().length, 1, "nothing more was sent");
});
