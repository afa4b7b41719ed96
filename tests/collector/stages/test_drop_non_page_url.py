import pytest

from collector.hit import DropReason
from collector.stages.drop_non_page_url import drop_non_page_url
from tests.collector.builders import make_context, make_hit


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "about:blank",
     "ftp://example.com/a", "https://", "/relative/path", "", "http://[::1"],
)
def test_a_url_that_is_not_a_web_page_is_malformed(url: str) -> None:
    context = make_context()
    assert drop_non_page_url(make_hit(context, url=url), context) is DropReason.MALFORMED


@pytest.mark.parametrize("url", ["https://example.com/", "http://example.com/a?b=1", " HTTPS://Example.com/x "])
def test_web_pages_are_kept(url: str) -> None:
    context = make_context()
    assert drop_non_page_url(make_hit(context, url=url), context) is None


def test_a_link_that_is_not_a_web_page_is_malformed() -> None:
    context = make_context()
    hit = make_hit(context, url="https://example.com/", link_url="javascript:void(0)")
    assert drop_non_page_url(hit, context) is DropReason.MALFORMED
    hit = make_hit(context, url="https://example.com/", link_url="https://other.example.org/")
    assert drop_non_page_url(hit, context) is None
