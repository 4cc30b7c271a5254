#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/aiohttp_server.py -- delay-server's pages in Python's aiohttp, a
peer for `bench/run.sh --peers`: GET /detail/<id>[?delay_ms=N] answers
{"id":<id>,"url":"/detail/<id>","delay_ms":N} after N ms (default
--delay-ms). One process, one event loop, no access log, like delay-server.
Listens on 127.0.0.1 on a free port and prints its URL as its first line."""
import argparse
import asyncio
import resource
import socket
import sys

from aiohttp import web

VERSION = "1.0.0"


async def detail(request):
    page_id = int(request.match_info["id"])
    try:
        delay_ms = int(request.query.get("delay_ms", request.app["delay_ms"]))
    except ValueError:
        return web.Response(status=400, text="400 Bad Request: delay_ms must be 0..60000\n")
    if not 0 <= delay_ms <= 60000:
        return web.Response(status=400, text="400 Bad Request: delay_ms must be 0..60000\n")
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)
    body = '{"id":%d,"url":"/detail/%d","delay_ms":%d}\n' % (page_id, page_id, delay_ms)
    return web.Response(text=body, content_type="application/json")


async def serve(sock, delay_ms):
    app = web.Application()
    app["delay_ms"] = delay_ms
    app.router.add_get(r"/detail/{id:[0-9]{1,9}}", detail)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    # The kernel clamps the backlog to somaxconn, as for delay-server and nginx.
    await web.SockSite(runner, sock, backlog=65535).start()
    print("http://127.0.0.1:%d" % sock.getsockname()[1], flush=True)
    await asyncio.Event().wait()  # until a signal ends the process


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay-ms", type=int, default=1000, help="page delay 0..60000 (default 1000)")
    parser.add_argument("--version", action="version", version="%(prog)s " + VERSION)
    args = parser.parse_args()
    if not 0 <= args.delay_ms <= 60000:
        parser.error("--delay-ms must be 0..60000")
    # Every waiting request holds a socket: take all the descriptors we may.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    try:
        asyncio.run(serve(sock, args.delay_ms))
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
