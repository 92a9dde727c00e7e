# The browser fixtures live next to the shell's browser tests; make them available here too.
from tests.browser.conftest import browser, page  # noqa: F401
