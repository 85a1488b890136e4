"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd).

Usage: smtp_sink.py DIR [--no-8bitmime]. Prints the port it listens on
(with --no-8bitmime it does not offer 8BITMIME, as an old relay), then
stores each
message it accepts as DIR/NNNN.eml with DIR/NNNN.json (envelope). The file
DIR/mode, read at every message, decides the answer:
  ok      250 (the default)
  fail    451, a temporary refusal: the client should try again later
  refuse  554, a final refusal
  hang    store the message, then never answer (a server or network that
          dies after taking the message)
"""
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    def mode(self):
        try:
            with open(os.path.join(self.folder, "mode")) as f:
                return f.read().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    def store(self, envelope):
        self.count += 1
        base = os.path.join(self.folder, "%04d" % self.count)
        with open(base + ".json.tmp", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos}, f)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".json.tmp", base + ".json")

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode == "fail":
            return "451 4.3.0 Try again later"
        if mode == "refuse":
            return "554 5.7.1 Message refused"
        self.store(envelope)
        if mode == "hang":
            await asyncio.sleep(3600)
        return "250 2.0.0 OK"


async def main(folder, seven_bit):
    loop = asyncio.get_running_loop()
    sink = Sink(folder)
    # aiosmtpd offers 8BITMIME unless it decodes the data itself.
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test", decode_data=seven_bit),
                                      "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], "--no-8bitmime" in sys.argv[2:]))
