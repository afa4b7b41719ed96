from collector.hit import DropReason
from collector.stages.drop_prefetch import drop_prefetch
from tests.collector.builders import make_context, make_hit


def test_prefetch_drops() -> None:
    context = make_context()
    assert drop_prefetch(make_hit(context, prefetch=True), context) is DropReason.PREFETCH


def test_normal_request_keeps() -> None:
    context = make_context()
    assert drop_prefetch(make_hit(context), context) is None
