# The browser fixtures live next to the shell's browser tests; reuse them here.
from tests.browser.conftest import browser, page  # noqa: F401
