"""Every kind of page at phone and desktop width, kept as screenshots to look at."""

from pathlib import Path

import pytest

from ..pages import VISITS

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE, DESKTOP = 360, 1280
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# Both widths in one test: each test loads the seed data afresh, which costs
# more than the screenshots do.
@pytest.mark.parametrize(("name", "path", "status"), VISITS, ids=[visit[0] for visit in VISITS])
def test_page_renders_at_phone_and_desktop_width(page, name, path, status):
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 800})
        response = page.goto(path)
        assert response.status == status, f"{path} answered {response.status}"

        screenshot = SCREENSHOTS / f"{name}-{width}.png"
        screenshot.unlink(missing_ok=True)
        page.screenshot(path=screenshot, full_page=True)
        content = screenshot.read_bytes()
        assert content.startswith(PNG_SIGNATURE), f"{screenshot} is not a PNG"
        assert len(content) > 1000, f"{screenshot} is nearly empty"

        if width == PHONE:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= PHONE + 1, f"{path} scrolls sideways at {PHONE} px: it is {scroll_width} px wide"
