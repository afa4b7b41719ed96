from collector.hit import DropReason
from collector.stages.drop_do_not_track import drop_do_not_track
from tests.collector.builders import make_context, make_hit, make_site


def test_dnt_drops() -> None:
    context = make_context()
    assert drop_do_not_track(make_hit(context, dnt=True), context) is DropReason.DO_NOT_TRACK


def test_gpc_drops() -> None:
    context = make_context()
    assert drop_do_not_track(make_hit(context, gpc=True), context) is DropReason.GLOBAL_PRIVACY_CONTROL


def test_neither_keeps() -> None:
    context = make_context()
    assert drop_do_not_track(make_hit(context), context) is None


def test_site_that_switched_dnt_off_keeps_dnt_and_gpc_hits() -> None:
    context = make_context(make_site(1, honor_dnt=False))
    assert drop_do_not_track(make_hit(context, dnt=True), context) is None
    assert drop_do_not_track(make_hit(context, gpc=True), context) is None
