from collector.stages.clean_url import MAX_TITLE_LENGTH, clean_url, normalize_language
from tests.collector.builders import make_context, make_hit, make_settings, make_site


def cleaned(url: str, context=None, **fields):
    context = context or make_context()
    hit = make_hit(context, url=url, **fields)
    assert clean_url(hit, context) is None
    return hit


def test_fragment_is_dropped() -> None:
    hit = cleaned("https://example.com/docs#install")
    assert hit.url == "https://example.com/docs"
    assert (hit.hostname, hit.pathname) == ("example.com", "/docs")


def test_denylisted_parameters_are_stripped_case_insensitively() -> None:
    hit = cleaned("https://example.com/a?Email=x%40y.org&page=2&TOKEN=abc&Password=p&session=s&q=ok")
    assert hit.url == "https://example.com/a?page=2&q=ok"


def test_encoded_parameter_name_is_stripped_too() -> None:
    assert cleaned("https://example.com/a?%65mail=x%40y.org&b=1").url == "https://example.com/a?b=1"


def test_url_without_denylisted_parameters_keeps_its_query_as_sent() -> None:
    assert cleaned("https://example.com/a?b=1&c=%20x").url == "https://example.com/a?b=1&c=%20x"


def test_configured_and_per_site_denylists() -> None:
    settings = make_settings(url_denylist="customer")
    context = make_context(make_site(1, url_denylist=("order_ref",)), settings=settings)
    hit = cleaned("https://example.com/?Customer=9&order_ref=77&email=kept&x=1", context)
    assert hit.url == "https://example.com/?email=kept&x=1"


def test_link_url_is_cleaned_too() -> None:
    hit = cleaned("https://example.com/", link_url="https://other.org/file.pdf?token=abc#frag")
    assert hit.link_url == "https://other.org/file.pdf"


def test_scheme_and_host_are_lowercased() -> None:
    assert cleaned("HTTPS://Example.COM/Path").url == "https://example.com/Path"


def test_lengths_are_capped() -> None:
    context = make_context(settings=make_settings(max_url_length=100))
    hit = cleaned("https://example.com/" + "a" * 500, context, title="t" * 2000)
    assert len(hit.url) == 100
    assert len(hit.pathname) <= 100
    assert len(hit.title) == MAX_TITLE_LENGTH


def test_utm_parameters() -> None:
    hit = cleaned(
        "https://example.com/?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=top"
    )
    assert (hit.utm_source, hit.utm_medium, hit.utm_campaign, hit.utm_term, hit.utm_content) == (
        "news", "email", "spring", "shoes", "top",
    )


def test_matomo_campaign_parameters() -> None:
    hit = cleaned("https://example.com/?mtm_campaign=Spring&mtm_source=Mail&mtm_medium=mail&mtm_keyword=k&mtm_content=c")
    assert (hit.utm_source, hit.utm_medium, hit.utm_campaign, hit.utm_term, hit.utm_content) == (
        "Mail", "mail", "Spring", "k", "c",
    )
    hit = cleaned("https://example.com/?pk_campaign=Old&pk_kwd=word&pk_source=src")
    assert (hit.utm_campaign, hit.utm_term, hit.utm_source) == ("Old", "word", "src")


def test_campaign_parameter_names_are_case_insensitive() -> None:
    assert cleaned("https://example.com/?UTM_Source=X").utm_source == "X"


def test_rcn_and_rck_fill_campaign_and_keyword() -> None:
    hit = cleaned("https://example.com/", campaign_name="Summer", campaign_keyword="sale")
    assert (hit.utm_campaign, hit.utm_term) == ("Summer", "sale")


def test_campaign_in_url_wins_over_rcn() -> None:
    hit = cleaned("https://example.com/?utm_campaign=FromUrl", campaign_name="FromRcn")
    assert hit.utm_campaign == "FromUrl"


def test_campaign_values_are_capped() -> None:
    assert len(cleaned("https://example.com/?utm_source=" + "x" * 1000).utm_source) == 250


def test_language_is_normalized() -> None:
    assert normalize_language("de-DE,de;q=0.9,en;q=0.8") == "de-de"
    assert normalize_language("pt_BR") == "pt-br"
    assert normalize_language("*") == ""
    assert normalize_language("<script>") == ""


def test_missing_url() -> None:
    hit = cleaned("")
    assert (hit.url, hit.hostname, hit.pathname) == ("", "", "/")
