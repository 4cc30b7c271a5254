#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/aiohttp_client.py -- crawl-async's job in Python's aiohttp, a peer
for `bench/run.sh --peers`: GET URL/detail/1 .. URL/detail/N, all at once
(asyncio.gather), each answer judged as the models judge it (a 200 whose
body names its id). A fresh connection per request, as crawl-async makes
when every request has a slot. Prints one line:
requests=N ok=K failed=F wall_s=S. Exit 0 all ok, 1 some failed, 2 usage."""
import argparse
import asyncio
import resource
import sys
import time

import aiohttp

VERSION = "1.0.0"


async def fetch(session, base, page_id):
    async with session.get("%s/detail/%d" % (base, page_id)) as resp:
        body = await resp.read()
        return resp.status == 200 and body.startswith(b'{"id":%d,' % page_id)


async def crawl(base, count, timeout_s):
    start = time.monotonic()
    # limit=0: no cap on connections (aiohttp's default is 100 at once).
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        results = await asyncio.gather(
            *(fetch(session, base, i) for i in range(1, count + 1)), return_exceptions=True
        )
    wall = time.monotonic() - start
    failures = [r for r in results if r is not True]
    return count - len(failures), failures, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-u", "--url", default="http://127.0.0.1:8080",
                        help="http://127.0.0.1:PORT (default http://127.0.0.1:8080)")
    parser.add_argument("-n", "--count", type=int, default=10000, help="requests, 1..100000")
    parser.add_argument("-t", "--timeout-ms", type=int, default=30000, help="per request")
    parser.add_argument("--version", action="version", version="%(prog)s " + VERSION)
    args = parser.parse_args()
    if not args.url.startswith("http://127.0.0.1:"):
        parser.error("--url must be http://127.0.0.1:PORT (the benchmark stays on loopback)")
    if not 1 <= args.count <= 100000:
        parser.error("--count must be 1..100000")
    if not 1 <= args.timeout_ms <= 3600000:
        parser.error("--timeout-ms must be 1..3600000")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ok, failures, wall = asyncio.run(crawl(args.url.rstrip("/"), args.count, args.timeout_ms / 1000))
    print("requests=%d ok=%d failed=%d wall_s=%.6f" % (args.count, ok, len(failures), wall))
    if failures:
        first = failures[0]
        why = "wrong status or page" if first is False else repr(first)
        print("aiohttp_client.py: %d failed; first: %s" % (len(failures), why), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
