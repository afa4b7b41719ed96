"""HTTP endpoints of the collector: Matomo/Piwik tracking, Plausible events, metrics."""

from __future__ import annotations

import hmac
import json
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from collector import parse_matomo, parse_plausible
from collector.cors import cors_headers, preflight
from collector.hit import Dropped, DropReason, RequestMeta
from collector.ingest import drop, process
from collector.request_meta import request_meta
from collector.responses import CLIENT_ERRORS, DROPPED_HEADER, spool_full_response, tracking_response
from collector.rows import Row
from collector.spool import SpoolFull
from collector.state import CollectorState, services_of

FORM = "application/x-www-form-urlencoded"


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(services: CollectorState, reason: DropReason, cors: dict[str, str]) -> Response:
    """Count a request refused before any hit was parsed, and answer it."""
    return tracking_response(True, drop(services, reason), cors)


def _params(query: str) -> dict[str, str]:
    return dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))


async def matomo(request: Request) -> Response:
    services = services_of(request)
    settings = services.settings
    if request.method == "OPTIONS":
        return preflight(request, services.sites)
    cors = cors_headers(request.headers.get("origin", ""), services.sites)
    query = request.scope["query_string"].decode("latin-1")
    if len(query) > settings.max_hit_bytes:
        return _refuse(services, DropReason.TOO_LARGE, cors)  # before spending time parsing it
    params = _params(query) if query else {}
    bulk: dict | None = None
    if request.method == "POST":
        # A bulk body may carry up to max_bulk_requests hits; a single hit is checked below.
        body = await read_body(request, settings.max_hit_bytes * settings.max_bulk_requests)
        if body is None:
            return _refuse(services, DropReason.TOO_LARGE, cors)
        stripped = body.lstrip()
        if stripped.startswith(b"{"):
            try:
                bulk = json.loads(stripped)
            except (UnicodeDecodeError, json.JSONDecodeError):
                bulk = None
            if not isinstance(bulk, dict) or not isinstance(bulk.get("requests"), list):
                return _refuse(services, DropReason.MALFORMED, cors)
        elif body:
            if len(body) > settings.max_hit_bytes:
                return _refuse(services, DropReason.TOO_LARGE, cors)
            try:
                params.update(_params(body.decode("utf-8")))
            except UnicodeDecodeError:
                return _refuse(services, DropReason.MALFORMED, cors)
    meta = request_meta(request, settings)
    now = datetime.now(timezone.utc)
    if bulk is not None:
        return await _bulk(services, bulk, params, meta, now, cors)

    send_image = params.get("send_image", "1") != "0"
    if not params:
        # A bare GET, as monitors and curious people send: Matomo answers with a page.
        return Response("Footfall collector. Send hits with ?idsite=…&rec=1.\n", media_type="text/plain")
    row, reason = process(services, lambda: parse_matomo.parse(params, meta, now))
    if reason is not None:
        return tracking_response(send_image, reason, cors)
    try:
        await services.writer.submit([row])  # type: ignore[list-item]
    except SpoolFull:
        return spool_full_response(cors)
    return tracking_response(send_image, None, cors)


async def _bulk(
    services: CollectorState, bulk: dict, outer: dict[str, str], meta: RequestMeta, now: datetime, cors: dict[str, str]
) -> Response:
    requests = bulk["requests"]
    if len(requests) > services.settings.max_bulk_requests:
        return _refuse(services, DropReason.TOO_LARGE, cors)
    token = bulk.get("token_auth") if isinstance(bulk.get("token_auth"), str) else outer.get("token_auth", "")
    rows: list[Row] = []
    invalid: list[int] = []
    dropped: dict[str, int] = {}

    def parser(item: object):
        def build():
            if not isinstance(item, str):
                raise Dropped(DropReason.MALFORMED, "a bulk request must be a query string")
            if len(item) > services.settings.max_hit_bytes:
                raise Dropped(DropReason.TOO_LARGE)
            params = _params(item.split("?", 1)[1] if "?" in item else item)
            if token and "token_auth" not in params:
                params["token_auth"] = token
            return parse_matomo.parse(params, meta, now)

        return build

    for index, item in enumerate(requests):
        row, reason = process(services, parser(item))
        if row is not None:
            rows.append(row)
        else:
            assert reason is not None
            dropped[reason.value] = dropped.get(reason.value, 0) + 1
            if reason in CLIENT_ERRORS:
                invalid.append(index)
    try:
        await services.writer.submit(rows)
    except SpoolFull:
        return spool_full_response(cors)
    body = {
        "status": "success",
        "tracked": len(rows),
        "invalid": len(invalid),
        "invalid_indices": invalid,
        "dropped": dropped,
    }
    headers = {**cors, "Cache-Control": "no-store"}
    if dropped:
        headers[DROPPED_HEADER] = ",".join(sorted(dropped))
    return JSONResponse(body, headers=headers)


async def plausible_event(request: Request) -> Response:
    services = services_of(request)
    if request.method == "OPTIONS":
        return preflight(request, services.sites)
    cors = cors_headers(request.headers.get("origin", ""), services.sites)
    body = await read_body(request, services.settings.max_hit_bytes)
    if body is None:
        reason = drop(services, DropReason.TOO_LARGE)
        return JSONResponse({"errors": {"request": "too large"}}, 413, {**cors, DROPPED_HEADER: reason.value})
    meta = request_meta(request, services.settings)
    now = datetime.now(timezone.utc)
    try:
        domain_list, template = parse_plausible.parse(parse_plausible.decode(body), meta, now)
    except Dropped as dropped:
        reason = drop(services, dropped.reason)
        return JSONResponse(
            {"errors": {"request": dropped.detail or reason.value}},
            400,
            {**cors, DROPPED_HEADER: reason.value},
        )
    rows: list[Row] = []
    reasons: list[str] = []
    for domain in [d for d in domain_list.split(",") if d.strip()][:10]:
        site = services.sites.cached_by_domain(domain)

        def build(site=site):
            hit = replace(template, props=dict(template.props), overrides={})
            if site is None:
                raise Dropped(DropReason.UNKNOWN_SITE)
            hit.site_id = site.id
            return hit

        row, reason = process(services, build)
        if row is not None:
            rows.append(row)
        elif reason is not None:
            reasons.append(reason.value)
    try:
        await services.writer.submit(rows)
    except SpoolFull:
        return spool_full_response(cors)
    headers = dict(cors)
    if reasons and not rows:
        headers[DROPPED_HEADER] = ",".join(sorted(set(reasons)))
    return Response("ok", 202, headers, media_type="text/plain")


async def metrics(request: Request) -> Response:
    services = services_of(request)
    expected = services.settings.metrics_token
    if expected:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            return Response(
                "a valid metrics token is needed\n", 401, {"WWW-Authenticate": 'Bearer realm="footfall-metrics"'},
                media_type="text/plain",
            )
    services.writer.update_gauges()
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def health(request: Request) -> Response:
    services = services_of(request)
    return JSONResponse({"status": "ok", **services.writer.status()})
