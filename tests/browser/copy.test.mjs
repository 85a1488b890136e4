// The continuous copy on the dashboard, in a real Chromium beside the real
// Litestream (0.5.17, installed by tests/python/setup): the line says the
// copy is current, then turns into an alert when Litestream is killed,
// without the clinician doing anything but looking again. Screenshots at
// 390 and 1280 px of both, with the label, contrast and axe checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBrowser, startServer, newPage, signIn, screenshot, unavailable, accessible } from "./harness.mjs";

useBrowser();

const LITESTREAM = process.env.PORCHLIGHT_LITESTREAM
  || new URL("../../target/pyenv/bin/litestream", import.meta.url).pathname;

/** `litestream replicate` of the server's database to a folder of its own,
 *  its socket in the data directory as contrib/litestream.yml has it. */
function replicate(t, server) {
  const replica = mkdtempSync(join(tmpdir(), "porchlight-replica-"));
  const socket = join(server.dir, "litestream.sock");
  const config = join(replica, "litestream.yml");
  writeFileSync(config, `socket:\n  enabled: true\n  path: ${socket}\n`
    + `dbs:\n  - path: ${join(server.dir, "porchlight.db")}\n    replica:\n      type: file\n      path: ${join(replica, "copy")}\n`);
  const child = spawn(LITESTREAM, ["replicate", "-config", config], { stdio: "ignore" });
  t.after(() => { child.kill("SIGKILL"); rmSync(replica, { recursive: true, force: true }); });
  return { socket, child };
}

/** Reload `page`'s dashboard until its copy line contains `words`. */
async function untilSaid(page, server, words) {
  const deadline = Date.now() + 30000;
  for (;;) {
    await page.goto(server.url + "/admin");
    const line = await page.locator("#replica").textContent().catch(() => "");
    if (line.includes(words)) return page.locator("#replica");
    assert.ok(Date.now() < deadline, `the dashboard never said "${words}": ${line}`);
    await page.waitForTimeout(1000);
  }
}

test("the dashboard says the copy is current, and alerts when Litestream stops", async (t) => {
  if (!existsSync(LITESTREAM)) return unavailable(t, `${LITESTREAM} is missing: run bash tests/python/setup`);
  const server = await startServer(t);
  const litestream = replicate(t, server);
  server.cli("settings", "set", "litestream_socket", litestream.socket);

  const phone = await newPage(t, { viewport: { width: 390, height: 844 }, bypassCSP: true });
  await signIn(phone, server);
  const current = await untilSaid(phone, server, "Continuous copy: current");
  assert.equal(await current.getAttribute("role"), null, "a current copy is no alarm");
  await current.scrollIntoViewIfNeeded();
  await screenshot(phone, "admin-copy-current-390");
  await accessible(phone, "dashboard with a current copy at 390");

  const wide = await newPage(t, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await signIn(wide, server);
  await untilSaid(wide, server, "Continuous copy: current");
  await screenshot(wide, "admin-copy-current-1280");

  litestream.child.kill("SIGKILL");
  const alert = await untilSaid(phone, server, "Litestream has stopped");
  assert.equal(await alert.getAttribute("role"), "alert");
  assert.match(await alert.textContent(), /Continuous copy unknown: nothing answers at .*litestream\.sock/);
  await alert.scrollIntoViewIfNeeded();
  await screenshot(phone, "admin-copy-stopped-390");
  await accessible(phone, "dashboard with the copy alert at 390");
  await untilSaid(wide, server, "Litestream has stopped");
  await screenshot(wide, "admin-copy-stopped-1280");
  await accessible(wide, "dashboard with the copy alert at 1280");
  // The link goes to the setting itself.
  await alert.getByRole("link", { name: "Copy settings" }).click();
  assert.ok(new URL(phone.url()).hash === "#s-litestream_socket");
  assert.equal(await phone.locator("#s-litestream_socket").inputValue(), litestream.socket);
});
