from collector.hit import DropReason
from collector.stages.drop_opt_out import drop_opt_out
from tests.collector.builders import make_context, make_hit


def test_opt_out_cookie_drops() -> None:
    context = make_context()
    assert drop_opt_out(make_hit(context, opt_out_cookie=True), context) is DropReason.OPT_OUT


def test_without_cookie_keeps() -> None:
    context = make_context()
    assert drop_opt_out(make_hit(context), context) is None
