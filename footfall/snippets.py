"""The snippets a site owner copies: tracking (Footfall or Matomo style) and opt-out (script or iframe)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode


def _base(collector_url: str) -> str:
    return collector_url if collector_url.endswith("/") else collector_url + "/"


def tracking_snippet(collector_url: str, site_id: int) -> str:
    base = escape(_base(collector_url), quote=True)
    return f'<script defer src="{base}footfall.js" data-site="{int(site_id)}"></script>'


def matomo_snippet(collector_url: str, site_id: int) -> str:
    base = escape(_base(collector_url), quote=True)
    return (
        "<script>\n"
        "  var _paq = window._paq = window._paq || [];\n"
        "  _paq.push(['trackPageView']);\n"
        "  _paq.push(['enableLinkTracking']);\n"
        "  (function() {\n"
        f"    var u=\"{base}\";\n"
        "    _paq.push(['setTrackerUrl', u+'matomo.php']);\n"
        f"    _paq.push(['setSiteId', '{int(site_id)}']);\n"
        "    var d=document, g=d.createElement('script'), s=d.getElementsByTagName('script')[0];\n"
        "    g.async=true; g.src=u+'matomo.js'; s.parentNode.insertBefore(g,s);\n"
        "  })();\n"
        "</script>"
    )


def opt_out_snippet(collector_url: str, lang: str = "") -> str:
    base = escape(_base(collector_url), quote=True)
    lang_attr = f' data-lang="{escape(lang, quote=True)}"' if lang else ""
    return f'<div id="footfall-optout"></div>\n<script src="{base}optout.js"{lang_attr}></script>'


def opt_out_iframe_snippet(collector_url: str, lang: str = "") -> str:
    """Matomo's way: an iframe of the collector's /optout page (its cookie is a third-party one)."""
    query = "?" + urlencode({"lang": lang}) if lang else ""
    src = escape(f"{_base(collector_url)}optout{query}", quote=True)
    return (
        f'<iframe src="{src}" title="Opt-out" loading="lazy" '
        'style="border: 0; width: 100%; height: 320px;"></iframe>'
    )
