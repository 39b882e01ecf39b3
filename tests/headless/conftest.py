import pytest

from tests.helpers.headless import Api


@pytest.fixture(autouse=True)
def _readable_csrf_cookie(settings):
    # Test settings name Django's CSRF cookie "csrftoken" (no HTTPS for "__Host-"), so the
    # readable one gets another name here, as production's are distinct.
    settings.HEADLESS_CSRF_COOKIE_NAME = "spa-csrftoken"


@pytest.fixture(params=["browser", "app"])
def api(request, db):
    return Api(kind=request.param)


@pytest.fixture
def browser(db):
    return Api(kind="browser")


@pytest.fixture
def app(db):
    return Api(kind="app")
