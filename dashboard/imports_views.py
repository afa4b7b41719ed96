"""A site's history in Plausible's CSV format, on its settings page: download, upload, delete an import."""

from __future__ import annotations

import io
import tempfile

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard import plausible_export
from dashboard.sites_views import settings_page, values_from_site
from dashboard.web import HttpError, form_of, page, services_of, site_for
from footfall import plausible_import

SPOOL_BYTES = 8 * 2**20  # an upload larger than this waits on disk, not in memory


@page
async def download(request: Request) -> Response:
    site = site_for(request, manage=True)
    services = services_of(request)
    body = io.BytesIO()
    await run_in_threadpool(plausible_export.write_zip, services.storage, site, body,
                            visit_timeout_minutes=services.settings.visit_timeout_minutes)
    name = f"footfall-{site.primary_domain or site.id}-plausible-export.zip".replace("*", "all")
    return Response(body.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@page
async def upload(request: Request) -> Response:
    site = site_for(request, manage=True)
    services = services_of(request)
    upload = form_of(request).get("export")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return settings_page(request, site, values_from_site(site), {}, status=422,
                              import_error="Choose the ZIP file of a Plausible CSV export.")
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy:
        while chunk := await upload.read(2**20):
            copy.write(chunk)
        copy.seek(0)
        try:
            report = await run_in_threadpool(plausible_import.import_zip, services.storage, services.db, site.id, copy,
                                             upload.filename[:100])
        except plausible_import.PlausibleImportError as error:
            return settings_page(request, site, values_from_site(site), {}, status=422, import_error=str(error))
    imported = report.imported
    assert imported is not None
    message = f"Imported {imported.rows_stored:,} rows, {imported.first_day} to {imported.last_day}."
    if report.ignored_files:
        message += f" Ignored files: {', '.join(report.ignored_files[:10])}."
    return settings_page(request, site, values_from_site(site), {}, import_message=message)


@page
async def delete(request: Request) -> Response:
    site = site_for(request, manage=True)
    services = services_of(request)
    try:
        await run_in_threadpool(plausible_import.delete_import, services.storage, services.db, site.id,
                                int(request.path_params["import_id"]))
    except plausible_import.PlausibleImportError:
        raise HttpError(404, "No such import.") from None
    return RedirectResponse(f"/sites/{site.id}/settings#imports", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/sites/{site_id:id}/export/plausible.zip", download),
        Route("/sites/{site_id:id}/imports", upload, methods=["POST"]),
        Route("/sites/{site_id:id}/imports/{import_id:id}/delete", delete, methods=["POST"]),
    ]
