"""User-Agent classification: what it costs per hit, and whether the fast path agrees with user-agents.

Three ways to get user-agents' classification (browser, OS, device type, bot):
1. ``user_agents.parse``: ua-parser's legacy pure-Python path, on strings it has not seen;
2. ``collector.user_agent.classify``: ua-parser 1.x parses (native backend when
   installed), user-agents classifies; uncached, on strings it has not seen;
3. ``UserAgentClassifier``: (2) behind the LRU cache, on a realistic repeated mix.

All three run in the same process, so the ratios compare like with like.

    python -m bench.bench_user_agent [--unique 2000] [--stream 100000]
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Callable, Iterable

import user_agents

from bench.common import print_table, repeated_mix, unique_user_agents, write_results
from collector.user_agent import Device, UserAgentClassifier, classify, device_of


def reference(ua_string: str) -> Device:
    """The classification straight from ``user_agents.parse``, mapped as the collector maps it."""
    return device_of(user_agents.parse(ua_string), ua_string)


def per_call_us(function: Callable[[str], object], inputs: Iterable[str]) -> float:
    items = list(inputs)
    gc.collect()
    started = time.perf_counter()
    for item in items:
        function(item)
    return (time.perf_counter() - started) / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unique", type=int, default=2000, help="distinct UA strings for the cold measurements")
    parser.add_argument("--stream", type=int, default=100_000, help="lookups in the repeated mix")
    args = parser.parse_args()

    # Three disjoint sets, so no measurement benefits from another's caches.
    strings = unique_user_agents(3 * args.unique, seed=11)
    for_reference, for_classify, for_agreement = (
        strings[: args.unique], strings[args.unique : 2 * args.unique], strings[2 * args.unique :]
    )
    classify("warm up the regex tables")
    user_agents.parse("warm up the regex tables")

    reference_us = per_call_us(user_agents.parse, for_reference)
    classify_us = per_call_us(classify, for_classify)
    stream = repeated_mix(args.stream)
    cached = UserAgentClassifier(10_000)
    cached_us = per_call_us(cached, stream)
    distinct = len(set(stream))

    disagreements = []
    fields = ("browser", "browser_version", "os", "os_version", "device_type", "is_bot")
    for ua in for_agreement:
        ours, theirs = classify(ua), reference(ua)
        differing = [f for f in fields if getattr(ours, f) != getattr(theirs, f)]
        if differing:
            disagreements.append({"ua": ua, "fields": {f: [getattr(ours, f), getattr(theirs, f)] for f in differing}})
    agreement = 1 - len(disagreements) / len(for_agreement)

    rows = [
        ("user_agents.parse, unseen strings", reference_us, 1.0),
        ("classify (ua-parser 1.x), uncached, unseen", classify_us, reference_us / classify_us),
        (f"UserAgentClassifier, cached, mix of {distinct} UAs", cached_us, reference_us / cached_us),
    ]
    print_table("User-Agent classification (µs per UA; speed-up vs user_agents.parse)", ("way", "µs", "×"), rows)
    print(f"\n  agreement with user_agents.parse on {len(for_agreement)} unseen strings: {agreement:.2%}")
    for item in disagreements[:5]:
        print(f"    differs: {item['fields']}  {item['ua'][:90]}")
    path = write_results(
        "user_agent",
        {
            "user_agents_parse_us": reference_us,
            "classify_uncached_us": classify_us,
            "classifier_cached_us": cached_us,
            "speedup_uncached": reference_us / classify_us,
            "speedup_cached": reference_us / cached_us,
            "unique_strings": args.unique,
            "stream_lookups": args.stream,
            "stream_distinct": distinct,
            "agreement": agreement,
            "disagreements": disagreements[:50],
        },
    )
    print(f"\n  results: {path}")


if __name__ == "__main__":
    main()
